"""What every regwatch spider shares: the store, channels, health, attachments, counts.

A spider reads its channels (:meth:`RegwatchSpider.channels_to_poll`, from settings),
turns list entries into detail requests with :meth:`RegwatchSpider.detail_requests`, and
extracts a :class:`model.Document` per detail page, passing it through
:meth:`RegwatchSpider.with_attachments`. The database is the only memory between polls:
list validators are remembered only when every detail of that list was handled, so a crash
or a failed page means the next poll looks again.

Everything that goes wrong is classified (:mod:`crawler.health`) and ends in the channel's
health, saved when the spider closes: a blocked or broken source never looks like a quiet one.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Self
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from config import Settings, load_settings
from config.sources import Channel, Source
from crawler.attachments import DOWNLOADABLE, read_attachment
from crawler.encoding import page_text
from crawler.facts import complete_from_attachments
from crawler.health import (
    SourceRun,
    challenge_problem,
    looks_like_challenge,
    problem_for_failure,
    problem_for_response,
    unreadable_problem,
)
from crawler.parsing import is_draft_for_comment
from crawler.report import policy_of
from model.document import Document
from model.health import FETCH_FAILED, OK, STALE, ChannelHealth, Problem
from storage import Store

log = logging.getLogger("regwatch.crawl")
GONE = (404, 410)
INCIDENTAL_WORDS = ("工业和信息化",)
"""Words a keyword can sit inside by accident: 信息化 is in MIIT's own name (工业和信息化部), so
every MIIT title, steel and cars included, would pass the keyword filter."""
RECHECK = "recheck"
"""The pseudo-channel of re-checks of recent documents."""


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
    source: Source
    health: SourceRun

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """Per-source Scrapy settings: certificate checks off only where the source says so."""
        super().update_settings(settings)
        regwatch = settings.get("REGWATCH_SETTINGS") or load_settings()
        source = regwatch.sources.get(cls.name)
        if source is not None and not source.verify_tls:
            settings.set("DOWNLOAD_VERIFY_CERTIFICATES", False, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings.get("REGWATCH_SETTINGS") or load_settings()
        if spider.name not in settings.sources:
            raise ValueError(f"source {spider.name!r} is not in the sources catalogue")
        spider.settings_obj = settings
        spider.source = settings.sources[spider.name]
        spider.allowed_domains = list(spider.source.hosts)
        spider.store = Store.open(
            settings.database_url(),
            busy_timeout=settings.database.busy_timeout,
            title_window_days=settings.identity.title_window_days,
        )
        spider.health = SourceRun(spider.name)
        spider.previous_health = spider.store.channel_health(spider.name)
        spider.pending_validators: dict[str, dict[str, Any]] = {}
        spider.channel_of: dict[str, str] = {}
        crawler.signals.connect(spider.on_closed, signal=signals.spider_closed)
        return spider

    @property
    def hosts(self) -> tuple[str, ...]:
        """The only hosts this spider may fetch from (the source's ``hosts``)."""
        return self.source.hosts

    @property
    def halted(self) -> str:
        """Why the rest of this poll is dropped (blocked or throttled), or ""."""
        return self.health.halted.detail if self.health.halted else ""

    # -- channels ----------------------------------------------------------------------------

    def channels_to_poll(self) -> list[Channel]:
        """The enabled channels, or none while the source waits out a block or Retry-After."""
        now = datetime.now(UTC)
        waiting = [h for h in self.previous_health if h.waiting(now)]
        channels = self.source.enabled_channels()
        if waiting:
            why = _waiting_reason(waiting[0])
            log.warning("[%s] not polled: %s", self.name, why)
            for channel in [*(c.name for c in channels), RECHECK]:
                self.health.channel(channel).skipped = why
            return []
        return channels

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

    def list_parsed(self, response: Response, entries: int) -> None:
        """Note how many entries the list had; keep its validators for the end of the crawl.

        A later page of a paginated list (``meta["page"]`` > 1) adds to the count; only the
        first page's validators are kept, since only the first page is fetched conditionally.
        """
        health = self.health.channel(response.meta["channel"])
        self.count("listed", entries)
        if response.meta.get("page", 1) > 1:
            health.listed = (health.listed or 0) + entries
            return
        health.listed = entries
        self.pending_validators[response.meta["channel"]] = {
            "url": response.url,
            "status": response.status,
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
        }

    def wanted(self, entry: ListEntry) -> bool:
        """Whether a list entry is worth fetching (see :meth:`relevant`); the rest are counted
        as ``filtered``."""
        if self.relevant(entry):
            return True
        self.count("filtered")
        return False

    def relevant(self, entry: ListEntry) -> bool:
        """On channels filtered by keywords, titles holding one of ``crawl.keywords`` — and
        always a draft for comment, which a lawyer must not miss because its title lacks a
        topic word. Every entry on other channels."""
        keywords = self.settings_obj.crawl.keywords
        if not keywords or not self.source.filters(entry.channel):
            return True
        title = entry.title
        for word in INCIDENTAL_WORDS:
            title = title.replace(word, "")
        return any(k.lower() in title.lower() for k in keywords) or is_draft_for_comment(title)

    def next_page_wanted(self, entries: list[ListEntry], page: int) -> bool:
        """Whether to read page ``page + 1`` of a newest-first list (at most
        ``crawl.max_list_pages`` pages).

        Paging goes on while the last wanted entry of this page is not stored yet: the list has
        not reached what the last poll saw, so a burst of publications is not cut at page one,
        and an old item pinned at the top does not stop it. After a poll of this channel that
        did not end well (a detail page failed, the list was blocked …) every page up to the
        cap is read, so an entry that failed deeper in the list is tried again.
        """
        if not entries or page >= self.settings_obj.crawl.max_list_pages:
            return False
        if self._troubled_before(entries[0].channel):
            return True
        wanted = [e for e in entries if self.relevant(e) and self.source.allows_host(_host(e.url))]
        return bool(wanted) and not self.store.known_urls([wanted[-1].url])

    def _troubled_before(self, channel: str) -> bool:
        previous = next((h for h in self.previous_health if h.channel == channel), None)
        return previous is not None and previous.state not in (OK, STALE)

    def page_request(self, url: str, response: Response, page: int, **kwargs: Any) -> Request:
        """The request for page ``page`` of the list ``response`` is a page of."""
        meta = {**kwargs.pop("meta", {}), "channel": response.meta["channel"], "page": page}
        return Request(url, meta=meta, errback=self.on_error, dont_filter=True, **kwargs)

    def unexpected_page(self, response: Response, what: str, why: str) -> None:
        """Record a page lacking the expected markup as a challenge or as parse_suspect."""
        channel = response.meta.get("channel", "")
        if looks_like_challenge(response):
            self.problem(channel, challenge_problem(response))
        else:
            self.problem(channel, unreadable_problem(response, what, why))

    def detail_requests(self, entries: Iterable[ListEntry]) -> Iterator[Request]:
        """Requests for the detail pages not stored yet."""
        entries = list(entries)
        offsite = [
            e for e in entries if not self.source.allows_host(urlsplit(e.url).hostname or "")
        ]
        for entry in offsite:  # e.g. a 解读 on another site: not this source's to fetch
            log.info("[%s] not fetched, on another site: %s", self.name, entry.url)
        entries = [e for e in entries if e not in offsite]
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
        waiting = self.health.channels.get(RECHECK)
        if waiting is not None and waiting.skipped:
            return
        crawl = self.settings_obj.crawl
        now = datetime.now(UTC)
        due = self.store.due_for_recheck(
            self.name,
            published_after=now - timedelta(days=crawl.recheck_days),
            checked_before=now - timedelta(hours=crawl.recheck_every_hours),
        )
        if due:  # the recheck pseudo-channel has a state only when it had work
            self.health.channel(RECHECK)
        for url in due:
            headers = self.conditional_headers(url)
            yield Request(
                url,
                headers=headers,
                callback=self.parse_detail,
                errback=self.on_error,
                meta={
                    "channel": RECHECK,
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
                problem = problem_for_response(response)
                assert problem is not None
                self.problem(response.meta.get("channel", ""), problem)
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

    def parse_detail(self, response: Response) -> Iterator[Request | Document]:
        """A detail page → one Document, after its attachments (nothing when unreadable).

        The page is decoded with :func:`crawler.encoding.page_text` (GBK and mislabelled pages
        included); a body that is not text at all (a file where a page was expected) is as
        unreadable as a page without a title or main text, and is recorded, never stored.
        """
        if self.detail_status_handled(response):
            return
        text = page_text(response) if isinstance(response, TextResponse) else ""
        doc = self.extract(text, response.url, response.meta.get("entry")) if text else None
        if doc is None:
            self.unexpected_page(response, "page", "no title or main text found")
            return
        self.detail_fetched(response)
        yield from self.with_attachments(doc, response.meta.get("channel", ""))

    def extract(self, page: str, url: str, entry: ListEntry | None) -> Document | None:
        """The site's detail-page extraction: a Document, or None without title or text."""
        raise NotImplementedError

    # -- attachments -------------------------------------------------------------------------

    def with_attachments(self, doc: Document, channel: str) -> Iterator[Request | Document]:
        """The document, after its attachments not stored yet have been downloaded and read.

        Attachments are fetched one after another through the same safety checks as pages,
        each within ``attachments.max_bytes``; a failed one keeps its error and the document
        is stored all the same.
        """
        self.channel_of[doc.url] = channel
        wanted = [a for a in doc.attachments if a.extension in DOWNLOADABLE]
        known = self.store.known_attachments(a.url for a in wanted) if wanted else set()
        todo = [a.url for a in wanted if a.url not in known]
        if not todo or not self.settings_obj.attachments.download:
            yield self._finish_document(doc)
            return
        yield self._attachment_request(doc, todo, channel)

    def _attachment_request(self, doc: Document, todo: list[str], channel: str) -> Request:
        limit = self.settings_obj.attachments.max_bytes
        return Request(
            todo[0],
            callback=self._attachment_fetched,
            errback=self._attachment_failed,
            dont_filter=True,
            meta={
                "channel": channel,
                "document": doc,
                "todo": todo,
                "download_maxsize": limit,
                "download_warnsize": limit,
                "handle_httpstatus_all": True,
            },
        )

    def _attachment_fetched(self, response: Response) -> Iterator[Request | Document]:
        meta = response.meta
        problem = problem_for_response(response)
        if problem is not None and problem.state != FETCH_FAILED:
            self.problem(meta["channel"], problem)  # blocked or throttled: halts the source
        if problem is not None:
            content = {"error": f"HTTP {response.status}"}
        else:
            read = read_attachment(response.body, _extension(meta["document"], meta["todo"][0]))
            content = {"size": read.size, "sha256": read.sha256, "text": read.text}
            content["error"] = read.error
            self.count("attachments")
        yield from self._next_attachment(meta, content)

    def _attachment_failed(self, failure: Failure) -> Iterator[Request | Document]:
        meta = failure.request.meta  # type: ignore[attr-defined]
        url = meta["todo"][0]
        problem = problem_for_failure(failure, url)
        if problem is None:  # the source halted: store the document without the rest
            yield self._finish_document(meta["document"])
            return
        log.warning("[%s] attachment not downloaded: %s", self.name, problem.detail)
        if problem.kind == "too_large":
            error = f"not downloaded: larger than {self.settings_obj.attachments.max_bytes} bytes"
        else:
            error = f"not downloaded: {problem.detail}"
        yield from self._next_attachment(meta, {"error": error[:500]})

    def _next_attachment(
        self, meta: dict[str, Any], content: dict[str, Any]
    ) -> Iterator[Request | Document]:
        url, rest = meta["todo"][0], meta["todo"][1:]
        if content.get("error"):
            self.count("attachment_errors")
        doc = meta["document"]
        doc = dataclasses.replace(
            doc,
            attachments=[
                dataclasses.replace(a, **content) if a.url == url else a for a in doc.attachments
            ],
        )
        if rest:
            yield self._attachment_request(doc, rest, meta["channel"])
        else:
            yield self._finish_document(doc)

    def _finish_document(self, doc: Document) -> Document:
        """Facts from the attachments when the page body is only a cover note."""
        return complete_from_attachments(doc, self.settings_obj.attachments.cover_note_chars)

    # -- bookkeeping -------------------------------------------------------------------------

    def count(self, what: str, n: int = 1) -> None:
        """Add to this crawl's per-source counters (new, amended, failed …)."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"regwatch/{what}", n)

    def stored(self, doc: Document, outcome: str) -> None:
        """The pipeline stored ``doc``: count it, and credit its channel with a new document."""
        self.count(outcome)
        if outcome == "new":
            self.health.channel(self.channel_of.get(doc.url, "")).new += 1

    def problem(self, channel: str, problem: Problem) -> None:
        """Record a problem on ``channel``; its list will be read again next poll."""
        self.health.record(channel, problem)
        self.count("failed")
        log.error("[%s] %s: %s", self.name, problem.state, problem.detail)

    def fail(self, channel: str, reason: str) -> None:
        """Record an unexpected failure (not an HTTP or network one) on ``channel``."""
        self.problem(channel, Problem(FETCH_FAILED, "error", reason))

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        channel = request.meta.get("channel", "") if request is not None else ""
        url = request.url if request is not None else "?"
        problem = problem_for_failure(failure, url)
        if problem is None:  # dropped because the source halted earlier
            self.health.cut_short(channel)
            return
        self.problem(channel, problem)

    def on_closed(self, spider: scrapy.Spider, reason: str) -> None:
        for channel, fetch in self.pending_validators.items():
            if self.health.clean(channel) and reason == "finished":
                self.store.record_fetch(**fetch)
        if reason != "finished" and not self.health.halted:
            for channel in self.source.enabled_channels():
                self.health.record(
                    channel.name, Problem(FETCH_FAILED, "interrupted", f"crawl ended: {reason}")
                )
        rows = self.health.finish(
            self.previous_health, datetime.now(UTC), policy_of(self.settings_obj)
        )
        self.store.save_health(rows)
        self.store.close()


class CallbackErrors:
    """Spider middleware: a parser that raises on one odd page is a recorded failure.

    Without it Scrapy only logs the traceback: the channel would look clean, its list's
    validators would be saved, and the next poll's 304 would hide the entry for good. Here the
    exception becomes a ``fetch_failed`` problem on the request's channel (so the list is read
    again next poll), the rest of the crawl goes on, and nothing stored is touched.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_exception(
        self, response: Response, exception: Exception
    ) -> list[Any] | None:
        spider = self.crawler.spider
        if isinstance(exception, HttpError | IgnoreRequest) or not isinstance(
            spider, RegwatchSpider
        ):
            return None
        channel = response.meta.get("channel", "")
        what = f"{type(exception).__name__}: {exception}"[:300]
        log.error("[%s] parser error on %s", spider.name, response.url, exc_info=exception)
        spider.fail(channel, f"could not parse {response.url}: {what}")
        return []


def _waiting_reason(health: ChannelHealth) -> str:
    when = health.retry_at.isoformat(timespec="seconds") if health.retry_at else "?"
    return f"{health.state} until {when} ({health.reason})"


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:  # an unbalanced "[" in the host: no site of this source
        return ""


def _extension(doc: Document, url: str) -> str:
    return next((a.extension for a in doc.attachments if a.url == url), "")


def _header(response: Response, name: bytes) -> str:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else ""
