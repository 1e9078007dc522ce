"""Write a new fixture pair under a root, following the ``<host>/<url path>`` convention."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from crawler.replay.keys import RequestKey
from crawler.replay.meta import FixtureError, fixture_from_meta, load_fixture, meta_path_for

_UNSAFE = re.compile(r"[^\w.\-]+")
_MAX_SUFFIX = 60


def write_fixture(
    root: Path | str,
    url: str,
    body: bytes | str,
    *,
    status: int,
    headers: dict[str, str | list[str]],
    origin: str,
    origin_detail: str,
    method: str = "GET",
    request_body: dict[str, Any] | str | None = None,
    captured_at: datetime | str | None = None,
    sequence: int | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    note: str | None = None,
) -> Path:
    """Validate and write ``<body>`` + ``<body>.meta.json``; return the body file path."""
    meta = {
        "url": url,
        "method": method.upper(),
        "body": request_body,
        "status": status,
        "headers": headers,
        "captured_at": _stamp(captured_at),
        "origin": origin,
        "origin_detail": origin_detail,
        "sequence": sequence,
        "etag": etag,
        "last_modified": last_modified,
        "note": note,
    }
    meta = {name: value for name, value in meta.items() if value is not None}
    data = body.encode("utf-8") if isinstance(body, str) else body
    try:
        fixture = fixture_from_meta(meta, Path(root), data)
    except (ValueError, TypeError) as exc:
        raise FixtureError(f"fixture for {url}: {exc}") from exc
    target = _free_path(fixture_path(Path(root), fixture.key, url, sequence), fixture.key, sequence)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    text = json.dumps(meta, ensure_ascii=False, indent=2) + "\n"
    meta_path_for(target).write_text(text, encoding="utf-8")
    return target


def _stamp(value: datetime | str | None) -> str:
    """ISO 8601 with offset; now (local offset) when not given."""
    if value is None:
        value = datetime.now().astimezone()
    return value if isinstance(value, str) else value.isoformat(timespec="seconds")


def fixture_path(root: Path, key: RequestKey, url: str, sequence: int | None) -> Path:
    """Conventional body path: ``<root>/<host>/<path segments>`` plus a variant suffix."""
    parts = urlsplit(url)
    segments = [_safe(unquote(s)) for s in parts.path.split("/") if s]
    name = segments.pop() if segments and not parts.path.endswith("/") else "index.html"
    folder = _folder(root / _safe(key[2].replace(":", "_")), segments)
    return folder / _with_suffix(name, _variant(parts.query, key, sequence))


def _folder(base: Path, segments: list[str]) -> Path:
    """Join folder segments, renaming any that already exist as a file."""
    for segment in segments:
        base = base / segment
        if base.is_file():
            base = base.with_name(segment + "__d")
    return base


def _safe(text: str) -> str:
    """A file-name-safe rendering of a path segment (keeps CJK, letters, digits, . and -)."""
    cleaned = _UNSAFE.sub("_", text).strip("._") or "_"
    return cleaned[:120]


def _variant(query: str, key: RequestKey, sequence: int | None) -> str:
    """Readable suffix distinguishing query, method/body and sequence variants."""
    suffix = ""
    if query:
        readable = _safe(unquote(query).replace("=", "-").replace("&", "_"))
        if len(readable) > _MAX_SUFFIX:
            readable = readable[:_MAX_SUFFIX] + "_" + _digest(query)
        suffix += "__" + readable
    if key[5]:
        suffix += f"__{key[0]}_{_digest(repr(key[5]))}"
    elif key[0] != "GET":
        suffix += f"__{key[0]}"
    if sequence is not None:
        suffix += f"__seq{sequence}"
    return suffix


def _with_suffix(name: str, suffix: str) -> str:
    """Insert suffix before the file extension (``list.json`` -> ``list__p-1.json``)."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        return name + suffix
    return f"{stem}{suffix}.{ext}"


def _free_path(target: Path, key: RequestKey, sequence: int | None) -> Path:
    """Reuse target for the same request (re-capture); otherwise pick a non-clashing name."""
    if target.is_dir():
        target = target.with_name(target.name + "__f")
    if not meta_path_for(target).exists() and not target.exists():
        return target
    if _same_request(target, key, sequence):
        return target
    return target.with_name(_with_suffix(target.name, "__" + _digest(repr(key))))


def _same_request(target: Path, key: RequestKey, sequence: int | None) -> bool:
    """True when the fixture at target answers the same request and sequence."""
    try:
        existing = load_fixture(meta_path_for(target))
    except FixtureError:
        return False
    return existing.key == key and existing.sequence == sequence


def _digest(text: str) -> str:
    """Short stable hash for disambiguating names."""
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:8]
