"""What every regwatch spider shares: the store, new-versus-known URLs, re-checks, counts.

A spider lists its channels, turns list entries into detail requests with
:meth:`RegwatchSpider.detail_requests`, and extracts a :class:`model.Document` per detail
page. The database is the only memory between polls: list validators are remembered only
when every detail of that list was handled, so a crash or a failed page means the next poll
looks again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from config import Settings, load_settings
from storage import Store

log = logging.getLogger("regwatch.crawl")
GONE = (404, 410)


@dataclass(frozen=True)
class ListEntry:
    """One row of a list page: enough to decide whether to fetch the detail page."""

    url: str
    title: str
    channel: str
    published: str = ""


class RegwatchSpider(scrapy.Spider):
    """Base for the per-site spiders."""

    settings_obj: Settings
    store: Store

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings.get("REGWATCH_SETTINGS") or load_settings()
        spider.settings_obj = settings
        spider.store = Store.open(
            settings.database_url(),
            busy_timeout=settings.database.busy_timeout,
            title_window_days=settings.identity.title_window_days,
        )
        spider.pending_validators: dict[str, dict[str, Any]] = {}
        spider.failed_channels: set[str] = set()
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        return spider

    # -- lists -------------------------------------------------------------------------------

    def list_request(self, url: str, channel: str, **kwargs: Any) -> Request:
        """A conditional GET of a list page (If-None-Match / If-Modified-Since)."""
        headers = {**kwargs.pop("headers", {}), **self.conditional_headers(url)}
        meta = {"channel": channel, "handle_httpstatus_list": [304]}
        return Request(
            url, headers=headers, meta=meta, errback=self.on_error, dont_filter=True, **kwargs
        )

    def conditional_headers(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since from the last fetch of ``url``."""
        known = self.store.validators(url)
        headers = {}
        if known and known.etag:
            headers["If-None-Match"] = known.etag
        if known and known.last_modified:
            headers["If-Modified-Since"] = known.last_modified
        return headers

    def list_unchanged(self, response: Response) -> bool:
        """True (and counted) when the list answered 304 Not Modified."""
        if response.status != 304:
            return False
        self.count("lists_unchanged")
        return True

    def list_parsed(self, response: Response) -> None:
        """Keep the list's validators, to be saved when the crawl ends without failures."""
        self.pending_validators[response.meta["channel"]] = {
            "url": response.url,
            "status": response.status,
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
        }

    def detail_requests(self, entries: Iterable[ListEntry]) -> Iterator[Request]:
        """Requests for the detail pages not stored yet."""
        entries = list(entries)
        known = self.store.known_urls(e.url for e in entries)
        for entry in entries:
            if entry.url not in known:
                yield Request(
                    entry.url,
                    callback=self.parse_detail,
                    errback=self.on_error,
                    meta={
                        "channel": entry.channel,
                        "entry": entry,
                        "handle_httpstatus_list": list(GONE),
                    },
                )

    # -- re-checks ---------------------------------------------------------------------------

    def recheck_requests(self) -> Iterator[Request]:
        """Conditional GETs of recent documents, to catch amendments and withdrawals."""
        crawl = self.settings_obj.crawl
        now = datetime.now(UTC)
        due = self.store.due_for_recheck(
            self.name,
            published_after=now - timedelta(days=crawl.recheck_days),
            checked_before=now - timedelta(hours=crawl.recheck_every_hours),
        )
        for url in due:
            headers = self.conditional_headers(url)
            yield Request(
                url,
                headers=headers,
                callback=self.parse_detail,
                errback=self.on_error,
                meta={
                    "channel": "recheck",
                    "recheck": True,
                    "handle_httpstatus_list": [304, *GONE],
                },
            )

    # -- details -----------------------------------------------------------------------------

    def detail_status_handled(self, response: Response) -> bool:
        """Handle 304 (unchanged) and 404/410 (gone) answers; True when nothing is left to do."""
        if response.status == 304:
            self.store.seen_unchanged(response.url)
            self.count("unchanged")
            return True
        if response.status in GONE:
            if response.meta.get("recheck") and self.store.mark_gone(response.url) is not None:
                self.count("withdrawn")
                log.warning(
                    "[%s] page gone, document flagged withdrawn: %s", self.name, response.url
                )
            else:
                self.fail(response.meta.get("channel", ""), f"{response.status} {response.url}")
            return True
        return False

    def detail_fetched(self, response: Response) -> None:
        """Remember the validators of a detail page for its next re-check."""
        self.store.record_fetch(
            response.url,
            status=response.status,
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
        )

    def parse_detail(self, response: Response) -> Any:
        raise NotImplementedError

    # -- bookkeeping -------------------------------------------------------------------------

    def count(self, what: str, n: int = 1) -> None:
        """Add to this crawl's per-source counters (new, amended, failed …)."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"regwatch/{what}", n)

    def fail(self, channel: str, reason: str) -> None:
        """Count a failure; the channel's list will be read again next poll."""
        self.failed_channels.add(channel)
        self.count("failed")
        log.error("[%s] %s", self.name, reason)

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        channel = request.meta.get("channel", "") if request is not None else ""
        url = request.url if request is not None else "?"
        self.fail(channel, f"{failure.type.__name__}: {failure.getErrorMessage()} ({url})")

    def on_closed(self, spider: scrapy.Spider, reason: str) -> None:
        for channel, fetch in self.pending_validators.items():
            if channel not in self.failed_channels and reason == "finished":
                self.store.record_fetch(**fetch)
        self.store.close()


def _header(response: Response, name: bytes) -> str:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else ""
