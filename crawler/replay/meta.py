"""The fixture sidecar (``<body>.meta.json``): the Fixture record and its validation."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from crawler.replay.keys import METHODS_WITHOUT_BODY, RequestKey, form_pairs, request_key

META_SUFFIX = ".meta.json"
ORIGINS = ("real", "real-abridged", "reconstructed")
REQUIRED_KEYS = frozenset({"url", "captured_at", "origin", "origin_detail"})
OPTIONAL_KEYS = frozenset(
    {"method", "body", "status", "headers", "sequence", "etag", "last_modified", "note"}
)


class FixtureError(ValueError):
    """A fixture pair that cannot be loaded; the message starts with the offending file."""


@dataclass(frozen=True)
class Fixture:
    """One saved response and the request it answers."""

    url: str
    method: str
    request_body: dict[str, Any] | str | None
    status: int
    headers: dict[str, str | list[str]]
    body: bytes = field(repr=False)
    captured_at: datetime
    origin: str
    origin_detail: str
    sequence: int | None
    etag: str | None
    last_modified: str | None
    path: Path
    note: str | None = None

    @property
    def key(self) -> RequestKey:
        """The request key this fixture answers."""
        return request_key(self.method, self.url, self.request_body)

    @property
    def meta_path(self) -> Path:
        """The sidecar file describing this fixture."""
        return meta_path_for(self.path)

    def header_pairs(self) -> list[tuple[str, str]]:
        """Saved response headers as (name, value) pairs, lists expanded."""
        pairs: list[tuple[str, str]] = []
        for name, value in self.headers.items():
            pairs.extend((name, item) for item in ([value] if isinstance(value, str) else value))
        return pairs


def meta_path_for(body_path: Path) -> Path:
    """Return the sidecar path of a body file."""
    return body_path.with_name(body_path.name + META_SUFFIX)


def load_fixture(meta: Path) -> Fixture:
    """Read one meta file and its body file; raise FixtureError naming the file."""
    body_path = meta.with_name(meta.name[: -len(META_SUFFIX)])
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise FixtureError(f"{meta}: unreadable meta file: {exc}") from exc
    if not body_path.is_file():
        raise FixtureError(f"{meta}: body file {body_path.name!r} is missing")
    try:
        return fixture_from_meta(data, body_path, body_path.read_bytes())
    except (ValueError, TypeError) as exc:
        raise FixtureError(f"{meta}: {exc}") from exc


def fixture_from_meta(data: Any, body_path: Path, body: bytes) -> Fixture:
    """Validate a parsed meta object and build the Fixture; raise ValueError when invalid."""
    _check_keys(data)
    method = _method(data.get("method", "GET"))
    return Fixture(
        url=_url(data["url"]),
        method=method,
        request_body=_request_body(data.get("body"), method),
        status=_status(data.get("status", 200)),
        headers=_headers(data.get("headers", {})),
        body=body,
        captured_at=_captured_at(data["captured_at"]),
        origin=_choice(data["origin"], "origin", ORIGINS),
        origin_detail=_text(data["origin_detail"], "origin_detail"),
        sequence=_sequence(data.get("sequence")),
        etag=_optional_text(data.get("etag"), "etag"),
        last_modified=_last_modified(data.get("last_modified")),
        path=body_path,
        note=_optional_text(data.get("note"), "note"),
    )


def _check_keys(data: Any) -> None:
    """Require a JSON object with every required key and no unknown key."""
    if not isinstance(data, dict):
        raise ValueError("meta file must hold a JSON object")
    missing = sorted(REQUIRED_KEYS - data.keys())
    unknown = sorted(data.keys() - REQUIRED_KEYS - OPTIONAL_KEYS)
    if missing:
        raise ValueError(f"missing required key(s): {', '.join(missing)}")
    if unknown:
        allowed = ", ".join(sorted(REQUIRED_KEYS | OPTIONAL_KEYS))
        raise ValueError(f"unknown key(s): {', '.join(unknown)} (allowed: {allowed})")


def _text(value: Any, name: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name!r} must be a non-empty string")
    return value


def _optional_text(value: Any, name: str) -> str | None:
    """None or a non-empty string."""
    return None if value is None else _text(value, name)


def _url(value: Any) -> str:
    """An absolute http(s) URL."""
    request_key("GET", _text(value, "url"))
    return str(value)


def _method(value: Any) -> str:
    """An HTTP method name, upper-cased."""
    if not isinstance(value, str) or not value.isalpha():
        raise ValueError(f"'method' must be an HTTP method name, got {value!r}")
    return value.upper()


def _request_body(value: Any, method: str) -> dict[str, Any] | str | None:
    """A form mapping or a string, and only for methods that carry a body."""
    if value is None:
        return None
    if method in METHODS_WITHOUT_BODY:
        raise ValueError(f"'body' is not allowed for {method} requests")
    if isinstance(value, dict):
        form_pairs(value)
        return value
    if isinstance(value, str):
        return value
    raise ValueError("'body' must be an object of form parameters or a string")


def _status(value: Any) -> int:
    """An HTTP status code."""
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise ValueError(f"'status' must be an integer HTTP status, got {value!r}")
    return value


def _headers(value: Any) -> dict[str, str | list[str]]:
    """An object of header name to string (or list of strings for repeated headers)."""
    if not isinstance(value, dict):
        raise ValueError("'headers' must be an object")
    for name, item in value.items():
        items = item if isinstance(item, list) else [item]
        if not items or not all(isinstance(one, str) for one in items):
            raise ValueError(f"header {name!r} must be a string or a list of strings")
    return value


def _captured_at(value: Any) -> datetime:
    """An ISO 8601 timestamp with a UTC offset."""
    try:
        stamp = datetime.fromisoformat(_text(value, "captured_at"))
    except ValueError as exc:
        raise ValueError(f"'captured_at' is not ISO 8601: {value!r}") from exc
    if stamp.tzinfo is None:
        raise ValueError(f"'captured_at' needs a UTC offset, e.g. +08:00: {value!r}")
    return stamp


def _choice(value: Any, name: str, allowed: tuple[str, ...]) -> str:
    """One of the allowed strings."""
    if value not in allowed:
        raise ValueError(f"{name!r} must be one of {', '.join(allowed)}; got {value!r}")
    return str(value)


def _sequence(value: Any) -> int | None:
    """None or an integer >= 1."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"'sequence' must be an integer >= 1, got {value!r}")
    return value


def _last_modified(value: Any) -> str | None:
    """None or an HTTP date such as 'Tue, 05 Mar 2024 08:00:00 GMT'."""
    if value is None:
        return None
    try:
        parsedate_to_datetime(_text(value, "last_modified"))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"'last_modified' is not an HTTP date: {value!r}") from exc
    return str(value)
