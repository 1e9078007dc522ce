"""Reading and setting one query parameter of a list URL (page numbers, page sizes).

Every paginated list regwatch reads (CAC's ``pageno``, MIIT's ``p`` and ``paramJson``, TC260's
``start``) is the channel's URL with one parameter changed; every other parameter is kept as
the channel configured it.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def query_value(url: str, name: str) -> str:
    """The value of query parameter ``name`` ("" when absent)."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True)).get(name, "")


def query_int(url: str, name: str, default: int) -> int:
    """Query parameter ``name`` as a positive integer, else ``default``."""
    value = query_value(url, name)
    return int(value) if value.isdigit() and int(value) > 0 else default


def with_query(url: str, name: str, value: str) -> str:
    """``url`` with query parameter ``name`` set to ``value``: in its place when present,
    appended when absent."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if any(k == name for k, _ in pairs):
        pairs = [(k, value if k == name else v) for k, v in pairs]
    else:
        pairs.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(pairs)))
