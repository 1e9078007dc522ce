"""Every format of the legal update, by name, and writing a month's files to a folder."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

from digest.files import write_atomically
from digest.render_docx import render_docx
from digest.render_html import render_html
from digest.render_markdown import render_markdown
from digest.render_text import render_text
from model.digest import Digest, file_stem

__all__ = ["FORMATS", "Renderer", "parse_formats", "write_digest"]

Renderer = Callable[[Digest], str | bytes]

FORMATS: Mapping[str, tuple[str, Renderer]] = MappingProxyType(
    {
        "html": (".html", render_html),
        "text": (".txt", render_text),
        "md": (".md", render_markdown),
        "docx": (".docx", render_docx),
    }
)
"""Format name → (file extension, render function); str output is written as UTF-8."""


def parse_formats(spec: str) -> list[str]:
    """ "html,text" → ["html", "text"]: each named once, in order; unknown names refused."""
    names = list(dict.fromkeys(n.strip().lower() for n in spec.split(",") if n.strip()))
    _check_formats(names)
    return names


def write_digest(d: Digest, formats: Iterable[str], out_dir: Path) -> list[Path]:
    """Write the digest in each format to ``out_dir``/regwatch-digest-YYYY-MM.<ext>."""
    # Every format is rendered before any file is written; each file replaces the old one at
    # once (a temporary file in the same folder, then a rename), so a reader never sees half.
    names = list(dict.fromkeys(formats))
    _check_formats(names)
    rendered = [(FORMATS[n][0], _as_bytes(FORMATS[n][1](d))) for n in names]
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{file_stem(d.month)}{ext}" for ext, _ in rendered]
    for path, (_, data) in zip(paths, rendered, strict=True):
        write_atomically(path, data)
    return paths


def _check_formats(names: list[str]) -> None:
    """Raise ValueError, naming the valid formats, for no format or an unknown one."""
    valid = ", ".join(FORMATS)
    unknown = [n for n in names if n not in FORMATS]
    if unknown:
        raise ValueError(f"unknown digest format {', '.join(map(repr, unknown))}; use {valid}")
    if not names:
        raise ValueError(f"no digest format given; use one or more of {valid}")


def _as_bytes(output: str | bytes) -> bytes:
    return output.encode("utf-8") if isinstance(output, str) else output
