"""The public feeds and calendars under /feeds/ (no login), with conditional GET.

Every path of :mod:`digest.feedset` is served with its content type, a strong ETag (a hash of
the body) and a Last-Modified; ``If-None-Match`` (which wins) and ``If-Modified-Since``
answer 304 without a body. Last-Modified is the time this process first served the current
body of a path: an editor's headline edit or a newly approved older document changes the body
without a newer date inside it, and a date taken from the content would then answer 304 to a
stale copy. A path the set does not have is a plain-text 404 that echoes the name escaped.
"""

from __future__ import annotations

import hashlib
import html
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from digest.feedset import render_path
from model.document import BEIJING
from web.app import App

MEDIA_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
    "opml": "text/x-opml; charset=utf-8",
}
CACHE_CONTROL = "public, no-cache"
"""Caches may keep a feed but must revalidate it (a cheap 304) before every use."""
SHOWN_CHARS = 80


def routes(app: App) -> list[BaseRoute]:
    """One public mount, /feeds, serving every path of the set."""
    files = FeedFiles(app)
    return [Mount("/feeds", routes=[Route("/{path:path}", files.serve, methods=["GET"])])]


def etag_of(body: bytes) -> str:
    """A strong entity tag: the body's SHA-256, quoted."""
    return f'"{hashlib.sha256(body).hexdigest()[:40]}"'


def etag_matches(header: str, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, as RFC 9110 says)."""
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def http_date(value: str) -> datetime | None:
    """An HTTP date header as an aware datetime, or None when it is not one."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def not_modified(request: Request, etag: str, modified: datetime) -> bool:
    """Whether the client's copy is current: If-None-Match, else If-Modified-Since."""
    if (tags := request.headers.get("if-none-match")) is not None:
        return etag_matches(tags, etag)
    since = http_date(request.headers.get("if-modified-since", ""))
    return since is not None and modified <= since


def shown(name: str) -> str:
    """A requested name as an error message may echo it: short, printable, HTML-escaped."""
    for suffix in (".rss", ".atom", ".ics"):
        name = name.removesuffix(suffix)
    cut = "".join(c if c.isprintable() else "?" for c in name[:SHOWN_CHARS])
    return html.escape(cut + ("…" if len(name) > SHOWN_CHARS else ""), quote=True)


def not_found(path: str) -> Response:
    """The 404 for a path the set does not have, naming what was asked for (escaped)."""
    head, _, rest = path.partition("/")
    if rest and head in ("topic", "deadlines"):
        what = f'unknown topic "{shown(rest)}"'
    elif rest and head == "source":
        what = f'unknown source "{shown(rest)}"'
    else:
        what = f'no feed "{shown(path)}"'
    return PlainTextResponse(f"{what}; every feed is listed in /feeds/feeds.opml\n", 404)


class FeedFiles:
    """Renders paths of the set from the store and remembers when each body first appeared."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._first_served: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()

    def render(self, path: str) -> bytes | None:
        today = datetime.now(BEIJING).date()
        with self.app.store() as store:
            return render_path(path, store, self.app.settings, self.app.glossary, today)

    def last_modified(self, path: str, etag: str) -> datetime:
        """When this process first served this body at ``path`` (later than any earlier body)."""
        now = datetime.now(UTC).replace(microsecond=0)
        with self._lock:
            known = self._first_served.get(path)
            if known is None or known[0] != etag:
                since = now if known is None else max(now, known[1] + timedelta(seconds=1))
                known = self._first_served[path] = (etag, since)
            return known[1]

    async def serve(self, request: Request) -> Response:
        path = request.path_params["path"]
        body = await run_in_threadpool(self.render, path)
        if body is None:
            return not_found(path)
        etag = etag_of(body)
        modified = self.last_modified(path, etag)
        headers = {
            "ETag": etag,
            "Last-Modified": format_datetime(modified, usegmt=True),
            "Cache-Control": CACHE_CONTROL,
        }
        if not_modified(request, etag, modified):
            return Response(status_code=304, headers=headers)
        kind = path.rsplit(".", 1)[-1]
        return Response(body, headers=headers, media_type=MEDIA_TYPES[kind])
