"""The one-URL Scrapy crawl run in the child process of :mod:`crawler.manual`.

:func:`crawl_one` fetches the URL with :class:`ManualSpider` and returns the child's answer: the
document (read by :func:`crawler.generic.extract_page`), or an error kind and message an editor
can act on (:func:`page_outcome`, :func:`failure_outcome`).

The crawl starts from the same Scrapy settings as ``regwatch crawl`` (the project's settings
module, then :func:`crawler.settings.scrapy_settings`), so the same
:class:`crawler.egress.GuardMiddleware`, :class:`crawler.egress.GuardedResolver`, robots.txt
policy, redirect cap, size cap, timeout, retries and politeness delay apply; the only host the
guard lets through is the URL's own (a redirect to another host is refused). Left out are only
the pieces that store or report per source (the store pipeline, the spider middleware recording
parser errors on a channel, the spider modules) and replay mode: a manual fetch is always live.
Nothing is stored. :class:`DeadlineMiddleware` ends every request by the caller's deadline.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator
from typing import Any, Self
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import Settings as ScrapySettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from config import Settings
from crawler.encoding import page_text
from crawler.generic import extract_page, source_for_host
from crawler.manual import CRAWLED_FIELDS, error_answer
from model.serialize import to_plain

log = logging.getLogger("regwatch.manual")

HTML_TYPES = ("text/html", "application/xhtml+xml")
_DEADLINE_SETTING = "REGWATCH_MANUAL_DEADLINE_AT"
_TOTAL_SETTING = "REGWATCH_MANUAL_TIMEOUT"


class DeadlinePassed(IgnoreRequest):
    """The fetch's deadline passed before this request could be sent."""


class DeadlineMiddleware:
    """Every request of the fetch (robots.txt, redirects, retries) ends by the deadline.

    Runs before Scrapy's DownloadTimeoutMiddleware: each request's ``download_timeout`` is the
    smaller of ``crawl.timeout`` and the time left; none is sent once the deadline has passed.
    """

    def __init__(self, deadline: float, limit: float, total: float = 0.0) -> None:
        self.deadline = deadline
        self.limit = limit
        self.total = total

    @classmethod
    def from_crawler(cls, crawler: Any) -> Self:
        deadline = crawler.settings.getfloat(_DEADLINE_SETTING)
        if not deadline:
            raise NotConfigured
        limit = crawler.settings.getfloat("DOWNLOAD_TIMEOUT")
        return cls(deadline, limit, crawler.settings.getfloat(_TOTAL_SETTING))

    def process_request(self, request: Request) -> None:
        left = self.deadline - time.time()
        if left <= 0.05:
            within = f" within {self.total:g} s" if self.total else ""
            raise DeadlinePassed(f"timed out: no complete answer from {request.url}{within}")
        request.meta["download_timeout"] = min(self.limit, left) if self.limit else left


class ManualSpider(scrapy.Spider):
    """Fetches one URL and keeps what came of it in :attr:`outcome` (nothing is yielded)."""

    name = "manual"

    def __init__(self, url: str, regwatch: Settings, total: float = 0.0) -> None:
        super().__init__()
        self.url = Request(url).url  # as Scrapy will send it (an IDN host in punycode)
        self.regwatch = regwatch
        self.total = total  # the caller's timeout, for messages
        self.outcome: dict[str, Any] | None = None

    @property
    def hosts(self) -> tuple[str, ...]:
        """What :class:`crawler.egress.GuardMiddleware` lets through: the URL's host only."""
        return ((urlsplit(self.url).hostname or "").lower(),)

    halted = ""  # GuardMiddleware asks; a one-request crawl never halts

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.url, callback=self.page, errback=self.failed, dont_filter=True)

    def page(self, response: Response) -> list[Any]:
        try:
            self.outcome = page_outcome(response, self.regwatch)
        except Exception as exc:  # an odd page must still get an answer
            log.exception("manual fetch: cannot read %s", response.url)
            self.outcome = error_answer("error", f"could not read {response.url}: {_what(exc)}")
        return []

    def failed(self, failure: Failure) -> None:
        self.outcome = failure_outcome(failure, self.url, self.regwatch, self.total)


def page_outcome(response: Response, settings: Settings) -> dict[str, Any]:
    """The answer for a fetched (2xx) page: its document, or why there is none."""
    url = response.url
    ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").split(";")[0]
    ctype = ctype.strip().lower()
    if ctype and ctype not in HTML_TYPES:
        return error_answer("not_html", f"not an HTML page: {url} is {ctype}", response.status)
    head = response.body[:2048]
    if not isinstance(response, TextResponse) or b"\x00" in head or head.startswith(b"%PDF"):
        return error_answer(
            "not_html", f"not an HTML page: {url} is a binary file", response.status
        )
    text = page_text(response)
    doc, extractor = extract_page(text, url, settings)
    if doc is None:
        from crawler.health import looks_like_challenge

        if looks_like_challenge(response):
            return error_answer(
                "challenge",
                f"{url} answered with an anti-bot challenge page, not the document",
                response.status,
            )
        return error_answer(
            "no_text",
            f"no main text found on {url} (the page is empty, or built by JavaScript)",
            response.status,
        )
    plain = to_plain(doc)
    document = {name: plain[name] for name in CRAWLED_FIELDS}
    return {"ok": True, "document": document, "extractor": extractor, "status": response.status}


def failure_outcome(
    failure: Failure, url: str, settings: Settings, total: float = 0.0
) -> dict[str, Any]:
    """The answer for a request that failed: refused, an HTTP error, a timeout …"""
    from crawler.health import problem_for_failure

    exc = failure.value
    request = getattr(failure, "request", None)
    at = request.url if request is not None else url
    if isinstance(exc, DeadlinePassed):
        return error_answer("timeout", str(exc))
    if isinstance(exc, HttpError):
        return _httperror_answer(exc.response, settings)
    problem = problem_for_failure(failure, at)
    if problem is not None:
        kind, detail = problem.kind, problem.detail
    else:
        kind, detail = "error", failure.getErrorMessage()
    host = urlsplit(at).hostname or ""
    if kind == "offsite_redirect":
        message = (
            f"refused: the page redirects to another host ({at}); regwatch does not follow "
            "redirects across hosts, add that URL instead if it is the right page"
        )
    elif kind == "refused_address":
        message = f"refused: {_address_said(host, detail)}; regwatch fetches public addresses only"
    elif kind == "timeout":
        limit = request.meta.get("download_timeout") if request is not None else None
        if total and (not isinstance(limit, int | float) or limit < settings.crawl.timeout):
            limit = total  # cut short by the caller's timeout, not by crawl.timeout
        within = f" within {limit:g} s" if isinstance(limit, int | float) else ""
        message = f"timed out: no complete answer from {at}{within}"
    elif kind == "robots_unreachable":
        inner = re.search(r"unreachable \((.*)\):", detail)
        reason = inner.group(1) if inner else detail
        if _timeout_words(reason):
            kind = "timeout"
            message = f"timed out: {host} did not answer in time (robots.txt: {reason})"
        else:
            message = f"{host} could not be reached, nothing fetched (robots.txt: {reason})"
    elif kind == "robots_disallowed":
        message = f"robots.txt of {host} does not allow regwatch to fetch {at}"
    elif kind == "too_large":
        limit = settings.crawl.max_response_bytes
        message = f"the page is larger than {limit} bytes (crawl.max_response_bytes): {at}"
    elif kind == "dns":
        message = f"the host name {host} could not be resolved ({at})"
    else:
        message = detail
    return error_answer(kind, message)


def _address_said(host: str, detail: str) -> str:
    """``10.0.0.5 is a private address`` or ``a.example resolves to 127.0.0.1 (loopback)``."""
    resolved = re.search(r"resolves to (.+): refused$", detail)
    if resolved is None:
        return detail.removesuffix("; refused")
    addresses = resolved.group(1)
    single = re.fullmatch(r"(\S+) \(([^()]+)\)", addresses)
    if single and single.group(1) == host:
        return f"{host} is a {single.group(2)} address"
    return f"{host} resolves to {addresses}"


def _httperror_answer(response: Response, settings: Settings) -> dict[str, Any]:
    """The answer for a non-2xx final response."""
    status, url = response.status, response.url
    if 300 <= status < 400:
        location = (response.headers.get(b"Location") or b"").decode("latin-1")
        scheme = location.split(":", 1)[0].lower() if ":" in location else ""
        if scheme and scheme not in ("http", "https"):
            return error_answer(
                "refused_scheme",
                f"refused: {url} redirects to {location[:200]!r}, not an http(s) address",
                status,
            )
        return error_answer(
            "redirect", f"HTTP {status} from {url} to {location[:200]!r}: not followed", status
        )
    from crawler.health import BLOCKING_STATUSES

    if status in BLOCKING_STATUSES:
        why = "the site refused the request (blocked, or an anti-bot check)"
    elif status == 429:
        why = "the site asks to slow down; try again later"
    elif status in (404, 410):
        why = "no such page"
    elif status >= 500:
        why = f"the site failed (after {settings.crawl.retries} retries)"
    else:
        why = "the site did not serve the page"
    return error_answer(f"http_{status}", f"HTTP {status} from {url}: {why}", status)


def crawl_one(
    url: str, settings: Settings, *, deadline: float | None = None, total: float = 0.0
) -> dict[str, Any]:
    """Run the one-URL crawl in this process (once: it starts Twisted's reactor)."""
    from scrapy.crawler import CrawlerProcess

    from crawler.settings import scrapy_settings

    try:
        spider_url = Request(url).url
    except ValueError as exc:
        return error_answer("bad_url", f"not a usable URL ({exc}): {url[:120]!r}")
    crawl_settings = base_settings()
    crawl_settings.setdict(scrapy_settings(settings), priority="cmdline")
    crawl_settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    host = urlsplit(spider_url).hostname or ""
    known = source_for_host(host, settings)
    if known is not None and not settings.sources[known].verify_tls:
        crawl_settings.set("DOWNLOAD_VERIFY_CERTIFICATES", False, priority="cmdline")
    # Nothing is stored here: regwatch's store pipeline and channel bookkeeping stay out. The
    # downloader side (egress guard, robots.txt, redirects, limits) is the crawl's own.
    crawl_settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    crawl_settings.set("SPIDER_MODULES", [], priority="cmdline")  # the spider is given
    crawl_settings.set("SPIDER_MIDDLEWARES", {}, priority="cmdline")
    if deadline is not None:
        middlewares = dict(crawl_settings.getdict("DOWNLOADER_MIDDLEWARES"))
        middlewares["crawler.manual_crawl.DeadlineMiddleware"] = 60  # after the egress guard (50)
        crawl_settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="cmdline")
        crawl_settings.set(_DEADLINE_SETTING, deadline, priority="cmdline")
        crawl_settings.set(_TOTAL_SETTING, total, priority="cmdline")
    _quiet(settings.crawl.log_level)
    process = CrawlerProcess(crawl_settings)
    _quiet(settings.crawl.log_level)  # Scrapy resets its loggers while starting
    crawler = process.create_crawler(ManualSpider)
    process.crawl(crawler, url=spider_url, regwatch=settings, total=total)
    process.start()
    spider = crawler.spider
    outcome = getattr(spider, "outcome", None)
    if outcome is None:
        reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
        return error_answer("error", f"the fetch of {url} ended without an answer ({reason})")
    return dict(outcome)


def base_settings() -> ScrapySettings:
    """:func:`crawler.run.base_settings` (a test keeps them equal), without importing
    ``crawler.run``, which brings the store and its migrations: half a second per fetch."""
    from crawler import settings as project_settings

    base = ScrapySettings()
    base.setmodule(project_settings, priority="project")
    return base


def _what(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip(": ")


def _timeout_words(text: str) -> bool:
    return bool(re.search(r"timeout|timed out|took longer", text, re.IGNORECASE))


def _quiet(level: str) -> None:
    for noisy in ("scrapy", "twisted", "filelock"):
        logging.getLogger(noisy).setLevel(level.upper())
