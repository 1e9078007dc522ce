"""Request keys: the normalised (method, URL, body) a saved response is matched by."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

RequestKey = tuple[str, str, str, str, tuple[tuple[str, str], ...], tuple[Any, ...]]
"""(method, scheme, host[:port], path, sorted query pairs, canonical body)."""

BodyLike = bytes | str | Mapping[str, Any] | None

METHODS_WITHOUT_BODY = frozenset({"GET", "HEAD"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def request_key(method: str, url: str, body: BodyLike = None) -> RequestKey:
    """Return the key a request is matched by; raise ValueError for a non-absolute URL."""
    method = method.upper()
    scheme, host, path, query = split_url(url)
    body_key = () if method in METHODS_WITHOUT_BODY else canonical_body(body)
    return (method, scheme, host, path, canonical_query(query), body_key)


def split_url(url: str) -> tuple[str, str, str, str]:
    """Split an absolute http(s) URL into normalised scheme, host, path and raw query."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    return scheme, _host(scheme, parts.hostname, parts.port), _path(parts.path), parts.query


def origin_of(url: str) -> str:
    """Return ``scheme://host[:port]`` of an absolute URL."""
    scheme, host, _, _ = split_url(url)
    return f"{scheme}://{host}"


def _host(scheme: str, hostname: str, port: int | None) -> str:
    """Lower-case host, with the port only when it is not the scheme's default."""
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return hostname.lower()
    return f"{hostname.lower()}:{port}"


def _path(path: str) -> str:
    """Percent-encode non-ASCII characters and upper-case existing escapes."""
    encoded = quote(path or "/", safe=_PATH_SAFE)
    return _ESCAPE.sub(lambda m: m.group(0).upper(), encoded)


def canonical_query(query: str) -> tuple[tuple[str, str], ...]:
    """Decode a query string into a sorted multiset of (name, value) pairs."""
    return tuple(sorted(parse_qsl(query, keep_blank_values=True)))


def canonical_body(body: BodyLike) -> tuple[Any, ...]:
    """Canonical form of a request body: JSON by value, form parameters as a sorted multiset."""
    if body is None:
        return ()
    if isinstance(body, Mapping):
        return ("form", tuple(sorted(form_pairs(body))))
    text = body.decode("utf-8", "surrogateescape") if isinstance(body, bytes) else body
    if not text.strip():
        return ()
    parsed = _json_or_none(text)
    if parsed is not None:
        return ("json", json.dumps(parsed, sort_keys=True, ensure_ascii=False))
    return ("form", canonical_query(text))


def form_pairs(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Flatten a form mapping (values scalar or lists of scalars) into (name, value) pairs."""
    pairs = []
    for name, value in params.items():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, dict | list) or item is None:
                raise ValueError(f"form parameter {name!r} must be a string or number")
            pairs.append((str(name), _scalar(item)))
    return pairs


def _scalar(value: Any) -> str:
    """Render a form value the way a browser would send it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _json_or_none(text: str) -> Any:
    """Parse text as JSON when it looks like a JSON object or array, else return None."""
    if text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
