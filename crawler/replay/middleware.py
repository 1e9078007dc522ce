"""Scrapy downloader middleware that sends every http(s) request to a ReplayServer.

Enable it with the setting ``REPLAY_URL`` (e.g. ``http://127.0.0.1:8123``) and::

    DOWNLOADER_MIDDLEWARES = {"crawler.replay.middleware.ReplayMiddleware": 950}

The priority must be larger than RobotsTxtMiddleware (100), RedirectMiddleware (600) and
CookiesMiddleware (700): requests pass those first with their real URLs, responses come back
to them already carrying the real URL, so robots.txt, offsite checks and redirects behave as
on the live site. Only the last hop (this middleware to the downloader) sees 127.0.0.1.

Cookies are kept by Scrapy under the replay host, so a cookie set by one saved response is sent
with later replayed requests, but Domain/Secure cookie rules are not reproduced. Do not enable
HTTPCACHE together with replay: it would cache under 127.0.0.1 URLs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urljoin, urlsplit

from scrapy.exceptions import NotConfigured
from w3lib.url import safe_url_string

from crawler.replay.keys import origin_of
from crawler.replay.server import ORIGIN_HEADER

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

ORIGINAL_URL = "replay_original_url"
"""Request meta key holding the real URL of a rewritten request."""

_SAVED = "_replay_saved"
_OVERRIDDEN = ("dont_obey_robotstxt", "download_slot")


class ReplayMiddleware:
    """Rewrite real URLs to REPLAY_URL on the way out and restore them on the way back."""

    def __init__(self, replay_url: str) -> None:
        self.replay_url = replay_url.rstrip("/")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Read REPLAY_URL once; NotConfigured (middleware disabled) when it is unset."""
        replay_url = crawler.settings.get("REPLAY_URL")
        if not replay_url:
            raise NotConfigured("REPLAY_URL is not set")
        return cls(str(replay_url))

    def process_request(self, request: Request) -> Request | None:
        """Return the request re-aimed at the replay server, unless already rewritten."""
        if self.is_rewritten(request.url) or urlsplit(request.url).scheme not in ("http", "https"):
            return None
        rewritten = self.rewrite(restored(request))
        self._fix_redirect_urls(rewritten.meta, request.meta.get(ORIGINAL_URL))
        return rewritten

    def process_response(self, request: Request, response: Response) -> Response:
        """Give a replayed response (and its request) back the real URL."""
        original = request.meta.get(ORIGINAL_URL)
        if original is None or not self.is_rewritten(request.url):
            return response
        real_request = restored(request).replace(url=original)
        real_request.meta[ORIGINAL_URL] = original
        headers = response.headers.copy()
        location = headers.get(b"Location")
        if location is not None:
            headers[b"Location"] = absolute_location(original, location)
            _clean_in_place(request)
        return response.replace(url=original, headers=headers, request=real_request)

    def _fix_redirect_urls(self, meta: dict[str, Any], source_url: str | None) -> None:
        """Replace the replay URL a redirect middleware recorded with the real source URL."""
        hops = meta.get("redirect_urls")
        if source_url and hops:
            meta["redirect_urls"] = [source_url if self.is_rewritten(u) else u for u in hops]

    def is_rewritten(self, url: str) -> bool:
        """True when url already points at the replay server."""
        return url == self.replay_url or url.startswith(self.replay_url + "/")

    def rewrite(self, request: Request) -> Request:
        """Copy of request aimed at REPLAY_URL + path?query, remembering the real URL."""
        parts = urlsplit(request.url)
        target = self.replay_url + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        saved = {key: request.meta[key] for key in _OVERRIDDEN if key in request.meta}
        saved["dont_filter"] = request.dont_filter
        meta = {
            **request.meta,
            ORIGINAL_URL: request.url,
            _SAVED: saved,
            "dont_obey_robotstxt": True,
            "download_slot": request.meta.get("download_slot") or parts.hostname,
        }
        # dont_filter: the real request already passed the dupefilter and offsite checks, and
        # two hosts with the same path would otherwise collide on the replay URL.
        rewritten = request.replace(url=target, meta=meta, dont_filter=True)
        rewritten.headers[ORIGIN_HEADER] = origin_of(request.url)
        return rewritten


def restored(request: Request) -> Request:
    """The request as it was before rewrite() (no-op for a request never rewritten)."""
    saved = request.meta.get(_SAVED)
    if saved is None:
        return request
    meta = _clean_meta(request.meta, saved)
    copy = request.replace(meta=meta, dont_filter=saved["dont_filter"])
    copy.headers.pop(ORIGIN_HEADER, None)
    return copy


def _clean_meta(meta: dict[str, Any], saved: dict[str, Any]) -> dict[str, Any]:
    """Meta without this middleware's keys, with the overridden values put back."""
    drop = {_SAVED, ORIGINAL_URL, *_OVERRIDDEN}
    clean = {key: value for key, value in meta.items() if key not in drop}
    clean.update({key: value for key, value in saved.items() if key != "dont_filter"})
    return clean


def _clean_in_place(request: Request) -> None:
    """Undo the overrides on a rewritten request so a redirect built from it starts clean."""
    saved = request.meta.get(_SAVED, {})
    clean = {**_clean_meta(request.meta, saved), ORIGINAL_URL: request.meta[ORIGINAL_URL]}
    request.meta.clear()
    request.meta.update(clean)
    request.dont_filter = saved.get("dont_filter", False)
    request.headers.pop(ORIGIN_HEADER, None)


def absolute_location(original_url: str, location: bytes) -> str:
    """Resolve a (possibly relative) Location header against the real URL."""
    return urljoin(original_url, safe_url_string(location))
