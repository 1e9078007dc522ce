"""Tests for reading attachments: files are built here, broken ones must never raise."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.attachments import (
    DOWNLOADABLE,
    TEXT_EXTENSIONS,
    AttachmentContent,
    read_attachment,
    sniff_kind,
)
from tests.crawler.files import make_docx, make_pdf

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
RAR = b"Rar!\x1a\x07\x00" + bytes(32)
HTML = (
    b"\xef\xbb\xbf\r\n<!DOCTYPE html>\n<html><head><title>404</title></head>"
    b"<body>\xe9\xa1\xb5\xe9\x9d\xa2\xe4\xb8\x8d\xe5\xad\x98\xe5\x9c\xa8</body></html>"
)
TITLE = "工业和信息化部关于印发《工业领域数据安全管理办法（试行）》的通知"
DOC_NUMBER = "工信部网安〔2022〕166号"
EFFECTIVE = "本办法自2023年1月1日起施行。"


def _zip_bomb(size: int = 100 * 1024 * 1024) -> bytes:
    """A DOCX-looking ZIP whose one member inflates from about 100 KB to ``size`` zero bytes."""
    out = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/document.xml", "w") as member,
    ):
        for _ in range(size // len(chunk)):
            member.write(chunk)
    return out.getvalue()


def _assert_facts(result: AttachmentContent, data: bytes) -> None:
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.size == len(data)


def _assert_broken(result: AttachmentContent, data: bytes, error_start: str) -> None:
    _assert_facts(result, data)
    assert result.text == ""
    assert result.error.startswith(error_start), result.error
    assert "\n" not in result.error
    assert len(result.error) <= 200


# --- constants and sniffing ----------------------------------------------------------------


def test_extension_sets() -> None:
    assert {"pdf", "doc", "docx", "wps", "xls", "xlsx", "rar", "zip"} == DOWNLOADABLE
    assert {"pdf", "docx"} == TEXT_EXTENSIONS


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
        (b"\r\n%PDF-1.4\n", "pdf"),
        (b"PK\x03\x04\x14\x00", "zip"),
        (b"PK\x05\x06" + bytes(18), "zip"),
        (OLE, "ole"),
        (RAR, "rar"),
        (b"Rar!\x1a\x07\x01\x00", "rar"),
        (HTML, "html"),
        (b"  <script>location.href='/verify'</script>", "html"),
        (b"<HTML><BODY>Access denied</BODY></HTML>", "html"),
        (b"", ""),
        (b"\x00\x01\x02garbage", ""),
        (b"<?xml version='1.0'?><root/>", ""),
        (b"{\\rtf1\\ansi", ""),
    ],
)
def test_sniff_kind(data: bytes, kind: str) -> None:
    assert sniff_kind(data) == kind


# --- text extraction -----------------------------------------------------------------------


def test_docx_text_and_table() -> None:
    data = make_docx(TITLE, DOC_NUMBER, EFFECTIVE, cells=("附件1", "工业领域重要数据目录"))
    result = read_attachment(data, "docx")
    _assert_facts(result, data)
    assert result.error == ""
    lines = result.text.splitlines()
    assert lines == [TITLE, DOC_NUMBER, EFFECTIVE, "附件1", "工业领域重要数据目录", "附件列表之后"]


def test_docx_text_is_normalised() -> None:
    data = make_docx("  数 据\t安 全  法 ", "", "第一条   Article 1", "\u3000\u3000正文")
    assert read_attachment(data, ".DOCX").text == "数据安全法\n第一条 Article 1\n正文"


def test_docx_text_is_cut_to_max_chars() -> None:
    data = make_docx(TITLE, DOC_NUMBER)
    assert read_attachment(data, "docx", max_chars=10).text == TITLE[:10]


def test_pdf_ascii_text() -> None:
    data = make_pdf([["Measures for Data Security", "Effective 1 January 2023"]])
    result = read_attachment(data, "pdf")
    _assert_facts(result, data)
    assert result.error == ""
    assert result.text == "Measures for Data Security\nEffective 1 January 2023"


@pytest.mark.parametrize("extension", ["PDF", ".pdf", " .Pdf "])
def test_extension_is_normalised(extension: str) -> None:
    data = make_pdf([["Hello"]])
    assert read_attachment(data, extension).text == "Hello"


def test_pdf_chinese_text_via_tounicode() -> None:
    data = make_pdf([["征求意见稿", "2026年12月31日"]])
    result = read_attachment(data, "pdf")
    assert result.error == ""
    assert result.text == "征求意见稿\n2026年12月31日"


def test_pdf_spaces_between_cjk_characters_are_removed() -> None:
    data = make_pdf([["征 求 意 见 稿", "2026 年 12 月"]])
    assert read_attachment(data, "pdf").text == "征求意见稿\n2026 年 12 月"


def test_pdf_max_pages_and_max_chars() -> None:
    data = make_pdf([["first page"], ["second page"], ["third page"]])
    assert read_attachment(data, "pdf").text == "first page\nsecond page\nthird page"
    assert read_attachment(data, "pdf", max_pages=1).text == "first page"
    assert read_attachment(data, "pdf", max_pages=2).text == "first page\nsecond page"
    assert read_attachment(data, "pdf", max_chars=14).text == "first page\nsec"


def test_pdf_with_empty_user_password_is_read() -> None:
    data = make_pdf([["Open to all"]], password="")
    result = read_attachment(data, "pdf")
    assert (result.text, result.error) == ("Open to all", "")


def test_encryptedmake_pdf() -> None:
    data = make_pdf([["Secret"]], password="secret")
    _assert_broken(read_attachment(data, "pdf"), data, "encrypted PDF")


# --- broken and mislabelled files ----------------------------------------------------------


def test_truncatedmake_pdf() -> None:
    whole = make_pdf([["first page"], ["second page"]])
    data = whole[: len(whole) // 2]
    _assert_broken(read_attachment(data, "pdf"), data, "unreadable PDF: ")


def test_random_bytes_asmake_docx() -> None:
    data = bytes(range(256)) * 4
    _assert_broken(read_attachment(data, "docx"), data, "expected DOCX, got unrecognised content")


def test_zip_that_is_not_amake_docx() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a Word document")
    data = out.getvalue()
    _assert_broken(read_attachment(data, "docx"), data, "unreadable DOCX: ")
    assert read_attachment(data, "zip").error == ""


def test_truncatedmake_docx() -> None:
    whole = make_docx(TITLE)
    data = whole[: len(whole) // 2]
    _assert_broken(read_attachment(data, "docx"), data, "unreadable DOCX: ")


def test_html_namedmake_pdf() -> None:
    result = read_attachment(HTML, "pdf")
    _assert_broken(result, HTML, "")
    assert result.error == "expected PDF, got HTML"


@pytest.mark.parametrize("extension", sorted(DOWNLOADABLE))
def test_empty_file(extension: str) -> None:
    _assert_broken(read_attachment(b"", extension), b"", "empty file")


def test_zip_bomb_namedmake_docx() -> None:
    data = _zip_bomb()
    assert len(data) < 1024 * 1024
    result = read_attachment(data, "docx")
    _assert_broken(result, data, "DOCX expands too much (104857600 bytes)")


# --- types without text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "extension"),
    [
        (OLE, "doc"),
        (OLE, "wps"),
        (OLE, "xls"),
        (RAR, "rar"),
        (make_docx("表格"), "xlsx"),
        (make_docx("压缩包"), "zip"),
        (b"%PDF-1.4\n", "ofd"),
    ],
)
def test_plausible_files_without_text(data: bytes, extension: str) -> None:
    result = read_attachment(data, extension)
    _assert_facts(result, data)
    assert (result.text, result.error) == ("", "")


@pytest.mark.parametrize(
    ("data", "extension", "error"),
    [
        (HTML, "rar", "expected RAR, got HTML"),
        (HTML, "doc", "expected DOC, got HTML"),
        (OLE, "docx", "expected DOCX, got OLE (DOC/XLS/WPS)"),
        (RAR, "zip", "expected ZIP, got RAR"),
        (make_docx("正文"), "pdf", "expected PDF, got ZIP"),
        (b"%PDF-1.4\n", "xls", "expected XLS, got PDF"),
    ],
)
def test_mislabelled_files_without_text(data: bytes, extension: str, error: str) -> None:
    result = read_attachment(data, extension)
    _assert_facts(result, data)
    assert (result.text, result.error) == ("", error)


# --- never raises --------------------------------------------------------------------------

_VALID_PDF = make_pdf([["征求意见稿"], ["second page"]])
_VALID_DOCX = make_docx(TITLE, cells=("附件1",))
_PREFIXES = [b"", b"%PDF-1.7\n", b"PK\x03\x04", OLE[:8], RAR[:7], b"<html>"]


@settings(max_examples=60, deadline=None)
@given(
    extension=st.sampled_from(sorted(DOWNLOADABLE)),
    prefix=st.sampled_from(_PREFIXES),
    tail=st.binary(max_size=2048),
)
def test_random_bytes_never_raise(extension: str, prefix: bytes, tail: bytes) -> None:
    data = prefix + tail
    result = read_attachment(data, extension)
    _assert_facts(result, data)
    assert "\n" not in result.error
    assert len(result.error) <= 200


@settings(max_examples=40, deadline=None)
@given(
    valid=st.sampled_from([("pdf", _VALID_PDF), ("docx", _VALID_DOCX)]),
    edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=8),
    keep=st.one_of(st.just(1.0), st.floats(0.05, 1)),
)
def test_damaged_files_never_raise(
    valid: tuple[str, bytes], edits: list[tuple[float, int]], keep: float
) -> None:
    extension, whole = valid
    damaged = bytearray(whole[: max(1, int(len(whole) * keep))])
    for where, value in edits:
        damaged[int(where * len(damaged))] = value
    data = bytes(damaged)
    result = read_attachment(data, extension)
    _assert_facts(result, data)
    assert "\n" not in result.error
    assert len(result.error) <= 200
    assert not (result.text and result.error)
