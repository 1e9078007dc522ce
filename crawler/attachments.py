"""Facts about a downloaded attachment: its hash and size, and the text of PDF and DOCX files.

Regulators often publish the text of a regulation as an attachment to a short cover note.
:func:`read_attachment` is total: whatever the bytes are, it returns an
:class:`AttachmentContent`, with a one-line ``error`` when the file is broken or is not what
its extension says, so the document that links it can be kept either way.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
from dataclasses import dataclass

from docx import Document
from docx.document import Document as DocxDocument
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from pypdf import PasswordType, PdfReader

__all__ = [
    "DOWNLOADABLE",
    "TEXT_EXTENSIONS",
    "AttachmentContent",
    "read_attachment",
    "sniff_kind",
]

DOWNLOADABLE = frozenset({"pdf", "doc", "docx", "wps", "xls", "xlsx", "rar", "zip"})
TEXT_EXTENSIONS = frozenset({"pdf", "docx"})

_EXPECTED_KIND = {
    "pdf": "pdf",
    "docx": "zip",
    "xlsx": "zip",
    "zip": "zip",
    "doc": "ole",
    "wps": "ole",
    "xls": "ole",
    "rar": "rar",
}
_KIND_LABEL = {
    "pdf": "PDF",
    "zip": "ZIP",
    "ole": "OLE (DOC/XLS/WPS)",
    "rar": "RAR",
    "html": "HTML",
    "": "unrecognised content",
}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<meta", b"<title")
_MAX_ERROR = 200
_DOCX_MAX_RATIO = 50
_DOCX_MAX_EXPANDED = 200 * 1024 * 1024

_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CJK = r"\u3001-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff60"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}]) (?=[{_CJK}])")


@dataclass(frozen=True)
class AttachmentContent:
    """What was learnt from an attachment's bytes.

    ``text`` is empty when the type carries no extractable text or on error; ``error`` is
    empty when the file looks fine, else a one-line reason.
    """

    sha256: str
    size: int
    text: str
    error: str


def sniff_kind(data: bytes) -> str:
    """The container a file's magic bytes announce: pdf, zip, ole, rar, html, or "" unknown.

    DOCX and XLSX are ZIP containers; DOC, XLS and WPS are OLE compound files.
    """
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(_ZIP_MAGICS):
        return "zip"
    if data.startswith(b"Rar!\x1a\x07"):
        return "rar"
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n\x0c").lower()
    if head.startswith(b"<") and any(marker in head for marker in _HTML_MARKERS):
        return "html"
    return ""


def read_attachment(
    data: bytes, extension: str, *, max_chars: int = 200_000, max_pages: int = 300
) -> AttachmentContent:
    """Hash, size and text (PDF and DOCX only) of an attachment; never raises.

    ``extension`` may be given with a dot or in upper case. Text is cut to ``max_chars``
    characters and, for PDFs, to the first ``max_pages`` pages. Extensions outside
    :data:`DOWNLOADABLE` are hashed but their type is not checked.
    """
    ext = extension.strip().lstrip(".").lower()
    text, error = "", ""
    if not data:
        error = "empty file"
    elif ext in _EXPECTED_KIND:
        kind = sniff_kind(data)
        if kind != _EXPECTED_KIND[ext]:
            error = f"expected {ext.upper()}, got {_KIND_LABEL[kind]}"
        elif ext == "pdf":
            text, error = _pdf_text(data, max_chars, max_pages)
        elif ext == "docx":
            text, error = _docx_text(data, max_chars)
    return AttachmentContent(
        sha256=hashlib.sha256(data).hexdigest(), size=len(data), text=text, error=error
    )


def _normalise(text: str) -> str:
    """One line per non-empty line, runs of spaces collapsed, no spaces between CJK characters."""
    lines = (_SPACES.sub(" ", line).strip() for line in _CONTROL.sub("", text).splitlines())
    return "\n".join(_CJK_GAP.sub("", line) for line in lines if line)


def _failure(prefix: str, exc: Exception) -> str:
    """A one-line error message for ``exc``, at most ``_MAX_ERROR`` characters."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    message = f"{prefix}: {detail}"
    return message if len(message) <= _MAX_ERROR else message[: _MAX_ERROR - 3] + "..."


def _joined(parts: list[str], max_chars: int) -> str:
    """Normalised, non-empty parts joined by newlines and cut to ``max_chars``."""
    return "\n".join(part for part in parts if part)[: max(max_chars, 0)].rstrip()


def _pdf_text(data: bytes, max_chars: int, max_pages: int) -> tuple[str, str]:
    """Text of a PDF's first pages, or an error message."""
    parts: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                return "", "encrypted PDF"
            length = 0
            for number in range(min(len(reader.pages), max_pages)):
                part = _normalise(reader.pages[number].extract_text())
                parts.append(part)
                length += len(part) + 1
                if length > max_chars:
                    break
    except Exception as exc:  # pypdf raises many kinds of error on broken files
        return "", _failure("unreadable PDF", exc)
    return _joined(parts, max_chars), ""


def _docx_text(data: bytes, max_chars: int) -> tuple[str, str]:
    """Text of a DOCX's paragraphs and tables in document order, or an error message."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                expanded = sum(member.file_size for member in archive.infolist())
            if expanded > min(_DOCX_MAX_RATIO * len(data), _DOCX_MAX_EXPANDED):
                return "", f"DOCX expands too much ({expanded} bytes)"
            parts: list[str] = []
            _collect(Document(io.BytesIO(data)), parts)
    except Exception as exc:  # python-docx, zipfile and lxml all raise on broken files
        return "", _failure("unreadable DOCX", exc)
    return _joined([_normalise(part) for part in parts], max_chars), ""


def _collect(container: DocxDocument | _Cell, parts: list[str]) -> None:
    """Append the text of a document's or a table cell's paragraphs and tables to ``parts``."""
    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Table):
            seen: set[object] = set()  # merged cells come once per grid row and column they span
            for row in block.rows:
                for cell in row.cells:
                    if cell._tc not in seen:
                        seen.add(cell._tc)
                        _collect(cell, parts)
