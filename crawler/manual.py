"""Adding a document by hand: fetch one URL through the crawler's egress guard, extract it.

Editors sometimes need a development from a site regwatch does not crawl (a court, a
provincial government). :func:`fetch_document` takes its URL and returns a
:class:`model.Document` (``source = "manual"``), or raises :class:`ManualFetchError` with one
line an editor can act on (refused address or scheme, HTTP status, timeout, not HTML, no text).

The page is fetched by a one-URL Scrapy crawl in a child process (``python -m crawler.manual``):
Twisted's reactor cannot be restarted inside a long-running web server, and a child is easy to
kill at a deadline. The child starts from the same Scrapy settings as ``regwatch crawl`` (the
project's settings module, then :func:`crawler.settings.scrapy_settings`), so the same
:class:`crawler.egress.GuardMiddleware`, :class:`crawler.egress.GuardedResolver`, robots.txt
policy, redirect cap, size cap, timeout, retries and politeness delay apply; the only host the
guard lets through is the URL's own (a redirect to another host is refused). Left out are only
the pieces that store or report per source (the store pipeline, the spider middleware recording
parser errors on a channel, the spider modules) and replay mode: a manual fetch is always live.
Nothing is stored by the child.

The parent hands the child its settings as JSON on stdin (every setting but the database's, and
the sources), never through the environment or a settings file, so the child fetches with exactly
the settings the caller holds. The child answers with one JSON line on stdout: the document, or
an error kind and message.

Extraction: on a host of a known source (``config/data/sources.toml``) the source's own detail
page parser is tried first; otherwise (or when it finds nothing) :func:`extract_generic` reads
the title, the block with the most Chinese text, the publication date, 文号, comment deadline
and attachment links.

Run by hand::

    python -m crawler.manual URL [--config regwatch.toml] [--set crawl.timeout=10 ...]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib
import importlib.util
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Self
from urllib.parse import urlsplit

import scrapy
from parsel import Selector
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import Settings as ScrapySettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from config import Settings, SettingsError, describe, load_settings
from crawler.encoding import page_text
from crawler.extract import attachments_in, block_text
from crawler.parsing import (
    detect_doc_type,
    find_comment_deadline,
    find_doc_number,
    find_effective_date,
    find_head_doc_number,
    is_draft_for_comment,
    parse_date,
    parse_datetime,
)
from model.document import BEIJING, Attachment, Document
from model.glossary import load_glossary
from model.serialize import to_plain

log = logging.getLogger("regwatch.manual")

SOURCE = "manual"
"""``Document.source`` of every document added by hand."""
DEFAULT_TIMEOUT = 60.0
MAX_URL_LENGTH = 2048
MIN_TEXT_WEIGHT = 20
"""A main text weighing less (Chinese characters plus Latin words) is no text at all."""
HTML_TYPES = ("text/html", "application/xhtml+xml")
CRAWLED_FIELDS = (
    "url",
    "title",
    "source",
    "lang",
    "published_at",
    "issuers",
    "doc_number",
    "doc_type",
    "is_draft_for_comment",
    "comment_deadline",
    "effective_date",
    "written_on",
    "publisher",
    "subject",
    "body_text",
    "attachments",
)
"""The Document fields a fetch fills in (the rest are storage's)."""
_SKIPPED_SECTIONS = ("database",)
"""Settings the child has no use for (it never opens the store), so never sent to it."""
_DEADLINE_SETTING = "REGWATCH_MANUAL_DEADLINE_AT"
_TOTAL_SETTING = "REGWATCH_MANUAL_TIMEOUT"
_REPORT_MARGIN = 1.0
"""Seconds of the caller's timeout kept for the child to report and exit after its deadline."""


class ManualFetchError(Exception):
    """A URL could not be added; ``str()`` is one line for an editor.

    ``kind`` says which rule or failure (``bad_url``, ``refused_address``, ``refused_scheme``,
    ``offsite_redirect``, ``http_403``, ``challenge``, ``timeout``, ``not_html``, ``no_text``,
    ``robots_disallowed`` …); ``status`` is the HTTP status when there was one.
    """

    def __init__(self, message: str, kind: str = "error", status: int | None = None) -> None:
        super().__init__(_one_line(message))
        self.kind = kind
        self.status = status


# -- the caller's side -----------------------------------------------------------------------


def fetch_document(url: str, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> Document:
    """Fetch ``url`` through the crawler's egress guard and extract its document.

    Blocks for at most about ``timeout`` seconds (the child is killed then). Nothing is stored.
    Raises :class:`ManualFetchError`.
    """
    url = check_url(url)
    command, env, payload = _child_call(url, settings, timeout)
    try:
        done = subprocess.run(
            command, input=payload, capture_output=True, env=env, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise _timed_out(url, timeout) from None
    except OSError as exc:
        raise ManualFetchError(f"could not start the fetch of {url}: {exc}", "crashed") from exc
    return _read_answer(done.returncode, done.stdout, done.stderr, url)


async def fetch_document_async(
    url: str, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT
) -> Document:
    """:func:`fetch_document` for an asyncio caller; cancelling it kills the child."""
    url = check_url(url)
    command, env, payload = _child_call(url, settings, timeout)
    try:
        proc = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
    except OSError as exc:
        raise ManualFetchError(f"could not start the fetch of {url}: {exc}", "crashed") from exc
    try:
        out, err = await asyncio.wait_for(proc.communicate(payload), timeout)
    except TimeoutError:
        raise _timed_out(url, timeout) from None
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return _read_answer(proc.returncode, out, err, url)


def check_url(url: str) -> str:
    """``url`` stripped, or ManualFetchError when it cannot be an http(s) page address."""
    url = url.strip()
    if not url:
        raise ManualFetchError("no URL given", "bad_url")
    if len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise ManualFetchError(f"not a usable URL: {url[:120]!r}", "bad_url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise ManualFetchError(f"not a usable URL ({exc}): {url[:120]!r}", "bad_url") from None
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme or "none"
        raise ManualFetchError(
            f"refused: only http and https addresses can be fetched, not {scheme!r} ({url[:120]})",
            "refused_scheme",
        )
    if not parts.hostname:
        raise ManualFetchError(f"not a usable URL, no host name: {url[:120]!r}", "bad_url")
    if parts.username is not None or parts.password is not None:
        raise ManualFetchError(
            "refused: a URL with a user name or password is not fetched", "bad_url"
        )
    return url


def settings_payload(settings: Settings) -> dict[str, Any]:
    """The settings as JSON-ready dotted names (see :func:`settings_from_payload`)."""
    values = {
        info.name: settings.get(info.name)
        for info in describe()
        if info.name.split(".", 1)[0] not in _SKIPPED_SECTIONS
    }
    for name, source in settings.sources.items():
        prefix = f"sources.{name}"
        values[f"{prefix}.label"] = source.label
        values[f"{prefix}.hosts"] = list(source.hosts)
        values[f"{prefix}.enabled"] = source.enabled
        values[f"{prefix}.filter_by_keywords"] = source.filter_by_keywords
        values[f"{prefix}.verify_tls"] = source.verify_tls
        for channel in source.channels.values():
            where = f"{prefix}.channels.{channel.name}"
            values[f"{where}.url"] = channel.url
            values[f"{where}.label"] = channel.label
            values[f"{where}.enabled"] = channel.enabled
            values[f"{where}.format"] = channel.format
            if channel.filter_by_keywords is not None:
                values[f"{where}.filter_by_keywords"] = channel.filter_by_keywords
    return {"settings": values}


def settings_from_payload(payload: Mapping[str, Any]) -> Settings:
    """Settings rebuilt from :func:`settings_payload`, through the ordinary loader's checks
    (no file, no environment: the payload is all there is)."""
    values = payload.get("settings")
    if not isinstance(values, dict):
        raise SettingsError("settings payload without a 'settings' object")
    return load_settings(values, environ={}, config=os.devnull)


def document_from_dict(data: Mapping[str, Any]) -> Document:
    """A Document from :func:`model.serialize.document_to_dict` output (crawled fields only)."""
    fields: dict[str, Any] = {}
    for name in CRAWLED_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "published_at" and value:
            value = datetime.fromisoformat(value)
        elif name in ("comment_deadline", "effective_date", "written_on") and value:
            value = date.fromisoformat(value)
        elif name == "attachments":
            known = {f.name for f in dataclasses.fields(Attachment)}
            value = [Attachment(**{k: v for k, v in a.items() if k in known}) for a in value]
        elif name == "issuers":
            value = [str(v) for v in value]
        fields[name] = value
    return Document(**fields)


def _child_call(
    url: str, settings: Settings, timeout: float
) -> tuple[list[str], dict[str, str], bytes]:
    """The child's command line, environment and stdin."""
    deadline = time.time() + max(timeout - _REPORT_MARGIN, timeout / 2)
    command = [
        *(sys.executable, "-P", "-m", "crawler.manual"),
        *("--settings-stdin", "--timeout", f"{timeout:g}", "--deadline-at", f"{deadline:.3f}"),
        *("--", url),
    ]
    # The code the child runs is this very package, wherever the caller's cwd is; its settings
    # come from stdin alone: regwatch's environment variables and settings file are left out.
    root = str(Path(__file__).resolve().parents[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGWATCH_")}
    env["REGWATCH_CONFIG"] = os.devnull
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    payload = json.dumps(settings_payload(settings), ensure_ascii=False).encode("utf-8")
    return command, env, payload


def _timed_out(url: str, timeout: float) -> ManualFetchError:
    return ManualFetchError(f"timed out after {timeout:g} s fetching {url}", "timeout")


def _read_answer(returncode: int, stdout: bytes, stderr: bytes, url: str) -> Document:
    """The child's answer as a Document, or the ManualFetchError it reports."""
    answer = None
    lines = stdout.decode("utf-8", "replace").strip().splitlines()
    if lines:
        try:
            answer = json.loads(lines[-1])
        except ValueError:
            answer = None
    if not isinstance(answer, dict):
        said = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        last = said[-1].strip() if said else "no output"
        log.warning("manual fetch of %s: child exited %s: %s", url, returncode, stderr[-2000:])
        raise ManualFetchError(f"the fetch of {url} failed (exit {returncode}): {last}", "crashed")
    if not answer.get("ok"):
        raise ManualFetchError(
            str(answer.get("message") or "unknown error"),
            str(answer.get("kind") or "error"),
            answer.get("status"),
        )
    log.info("manual fetch of %s: read with the %s extractor", url, answer.get("extractor"))
    return document_from_dict(answer["document"])


# -- the child: a one-URL crawl --------------------------------------------------------------


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
            self.outcome = _error("error", f"could not read {response.url}: {_what(exc)}")
        return []

    def failed(self, failure: Failure) -> None:
        self.outcome = failure_outcome(failure, self.url, self.regwatch, self.total)


def page_outcome(response: Response, settings: Settings) -> dict[str, Any]:
    """The answer for a fetched (2xx) page: its document, or why there is none."""
    url = response.url
    ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1").split(";")[0]
    ctype = ctype.strip().lower()
    if ctype and ctype not in HTML_TYPES:
        return _error("not_html", f"not an HTML page: {url} is {ctype}", response.status)
    head = response.body[:2048]
    if not isinstance(response, TextResponse) or b"\x00" in head or head.startswith(b"%PDF"):
        return _error("not_html", f"not an HTML page: {url} is a binary file", response.status)
    text = page_text(response)
    doc, extractor = extract_page(text, url, settings)
    if doc is None:
        from crawler.health import looks_like_challenge

        if looks_like_challenge(response):
            return _error(
                "challenge",
                f"{url} answered with an anti-bot challenge page, not the document",
                response.status,
            )
        return _error(
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
        return _error("timeout", str(exc))
    if isinstance(exc, HttpError):
        return _http_error(exc.response, settings)
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
    return _error(kind, message)


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


def _http_error(response: Response, settings: Settings) -> dict[str, Any]:
    """The answer for a non-2xx final response."""
    status, url = response.status, response.url
    if 300 <= status < 400:
        location = (response.headers.get(b"Location") or b"").decode("latin-1")
        scheme = location.split(":", 1)[0].lower() if ":" in location else ""
        if scheme and scheme not in ("http", "https"):
            return _error(
                "refused_scheme",
                f"refused: {url} redirects to {location[:200]!r}, not an http(s) address",
                status,
            )
        return _error(
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
    return _error(f"http_{status}", f"HTTP {status} from {url}: {why}", status)


def crawl_one(
    url: str, settings: Settings, *, deadline: float | None = None, total: float = 0.0
) -> dict[str, Any]:
    """Run the one-URL crawl in this process (once: it starts Twisted's reactor)."""
    from scrapy.crawler import CrawlerProcess

    from crawler.settings import scrapy_settings

    try:
        spider_url = Request(url).url
    except ValueError as exc:
        return _error("bad_url", f"not a usable URL ({exc}): {url[:120]!r}")
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
        middlewares["crawler.manual.DeadlineMiddleware"] = 60  # after the egress guard (50)
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
        return _error("error", f"the fetch of {url} ended without an answer ({reason})")
    return dict(outcome)


def base_settings() -> ScrapySettings:
    """:func:`crawler.run.base_settings` (a test keeps them equal), without importing
    ``crawler.run``, which brings the store and its migrations: half a second per fetch."""
    from crawler import settings as project_settings

    base = ScrapySettings()
    base.setmodule(project_settings, priority="project")
    return base


def source_for_host(host: str, settings: Settings) -> str | None:
    """The known source serving ``host``, if any."""
    return next((n for n, s in settings.sources.items() if s.allows_host(host)), None)


# -- extraction -------------------------------------------------------------------------------


def extract_page(page: str, url: str, settings: Settings) -> tuple[Document | None, str]:
    """The document on ``page`` and the extractor that read it (a source's name or
    ``generic``): a known source's detail-page parser first, else the generic one."""
    name = source_for_host(urlsplit(url).hostname or "", settings)
    module = f"crawler.spiders.{name}" if name else ""
    if name and importlib.util.find_spec(module) is not None:
        extract = getattr(importlib.import_module(module), "extract_document", None)
        try:
            doc = extract(page, url) if extract is not None else None
        except Exception as exc:  # that template did not fit: read the page generically
            log.warning("the %s parser failed on %s (%s); reading it generically", name, url, exc)
            doc = None
        if doc is not None:
            return dataclasses.replace(doc, source=SOURCE), name
    return extract_generic(page, url, settings.glossary.extra_path), "generic"


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z]{2,}")
_LATIN = re.compile(r"[A-Za-z]")
_DROPPED = (  # noqa: SIM905 - a word list reads better as words
    "script style noscript template nav iframe frame object embed select button textarea "
    "svg canvas map header footer aside"
).split()
_PARAGRAPHS = {"p", "pre", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "blockquote"}
_INLINE = frozenset(
    "span font strong b em i u s sub sup small big label br img code ins del strike abbr "  # noqa: SIM905
    "cite q mark nobr tt".split()
)
_NOISE = re.compile(
    r"(?:^|[-_])(?:nav|navbar|menu|breadcrumbs?|crumbs?|position|location|footer|foot|header|"
    r"share|sidebar|copyright|banner|toolbar|related|friendlinks?|links)(?:[-_]|$)",
    re.IGNORECASE,
)
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|——|--|\s[-–—]\s)\s*")
_SITE_NAME = re.compile(r"(?:网|网站|门户|官网|首页|政府|法院|检察院|委员会|办公厅|厅|局)$")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_TITLE_METAS = ("articletitle", "og:title", "dc.title")
_DATE_METAS = (
    "pubdate",
    "publishdate",
    "firstpublishedtime",
    "publishtime",
    "article:published_time",
    "og:release_date",
    "dc.date",
    "dc.date.issued",
    "dc.date.created",
)
_SITE_METAS = ("og:site_name", "sitename")
_DATE_LABEL = re.compile(
    r"(?:发布|发文|印发|公布|公开|发表|成文)?(?:时间|日期)\s*[:：]\s*([^\n]{4,40})"
)
_PUBLISHER_LABEL = re.compile(r"(?:来源|发布机构|发布单位)\s*[:：]\s*([^\s|｜/]{2,40})")
_NUMBER_LABEL = re.compile(r"(?:发文字号|文号)\s*[:：]\s*([^\s|｜]{3,40})")
_BARE_DATE = re.compile(
    r"^(?:(?:19|20)\d{2}|[〇○零O一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
    r"\s*[\d一二三四五六七八九十]{1,3}\s*日$"
)


def extract_generic(page: str, url: str, glossary_path: str = "") -> Document | None:
    """A Document from any article page; None without a title or a main text.

    The main text is the element whose own paragraphs hold the most Chinese text (Latin words
    count too, link text does not), after scripts, navigation, headers and footers are dropped.
    """
    root = Selector(text=page).root
    if not isinstance(getattr(root, "tag", None), str):
        return None
    metas = _metas(root)
    full = block_text(page)
    title = _title(root, metas)
    for bad in root.xpath("|".join(f"//{tag}" for tag in _DROPPED)):
        if bad.getparent() is not None:
            bad.drop_tree()
    main = _main_element(root)
    if main is None:
        return None
    body = block_text(Selector(root=main).get())
    if not title or _weight(body) < MIN_TEXT_WEIGHT:
        return None
    before = _text_before(full, body)
    published = _published(metas, before, full)
    day = published.astimezone(BEIJING).date() if published else None
    issuers = []
    if "关于" in title:
        head = title.split("关于", 1)[0]
        issuers = [i.chinese for i in load_glossary(glossary_path or None).issuers_in(head)]
    return Document(
        url=url,
        title=title,
        source=SOURCE,
        lang=_lang(root, body),
        published_at=published,
        issuers=issuers,
        doc_number=_doc_number(before, body, title),
        doc_type=detect_doc_type(title) or "",
        is_draft_for_comment=is_draft_for_comment(title, body),
        comment_deadline=find_comment_deadline(body, day),
        effective_date=find_effective_date(body, day),
        written_on=_signed_on(body),
        publisher=_publisher(metas, before),
        body_text=body,
        attachments=_attachments(main, url),
    )


def _weight(text: str) -> int:
    """How much text: Chinese characters plus Latin words."""
    return len(_CJK.findall(text)) + len(_WORD.findall(text))


def _squeeze(text: str) -> str:
    return _CJK_GAP.sub("", " ".join(text.split()))


def _metas(root: Any) -> dict[str, str]:
    """``<meta name|property=… content=…>`` by lower-case name, first one wins."""
    found: dict[str, str] = {}
    for meta in root.xpath("//meta[@content]"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        value = _squeeze(meta.get("content") or "")
        if key and value and key not in found:
            found[key] = value
    return found


def _title(root: Any, metas: dict[str, str]) -> str:
    """The ArticleTitle meta, an h1 that is not the site's name, og:title, <title>'s part that
    is not the site's name, or else the first heading (h2, h3, ``*title*`` class) that is."""
    parts = _TITLE_SEPARATORS.split(_squeeze(" ".join(root.xpath("//title//text()"))))
    parts = [p.strip() for p in parts if p.strip()]
    sites = {metas[k] for k in _SITE_METAS if k in metas} | set(parts[1:])

    def not_a_site(text: str) -> bool:
        return len(text) >= 4 and not any(text in site for site in sites)

    if metas.get("articletitle"):
        return metas["articletitle"]
    for h1 in root.xpath("//h1"):
        text = _squeeze(h1.text_content())
        if not_a_site(text):
            return text
    for key in _TITLE_METAS[1:]:
        if metas.get(key):
            return _main_part(_TITLE_SEPARATORS.split(metas[key]), sites)
    main = _main_part(parts, sites) if parts else ""
    if main and not _SITE_NAME.search(main):
        return main
    headings = root.xpath("//body//*[self::h2 or self::h3 or contains(@class, 'title')]")
    found = (_squeeze(h.text_content()) for h in headings)
    return next((text for text in found if not_a_site(text) and len(text) <= 200), main)


def _main_part(parts: Sequence[str], sites: set[str]) -> str:
    """The part of a ``title_site`` string that is the title, not the site's name."""
    parts = [p.strip() for p in parts if p.strip()]
    if len(parts) < 2:
        return parts[0] if parts else ""
    candidates = [p for p in parts if p not in sites - {parts[0]}] or parts
    for part in candidates:
        if len(part) >= 4 and not _SITE_NAME.search(part):
            return part
    return max(candidates, key=len)


def _own_text(el: Any) -> str:
    """An element's own text: its text, its inline children's own text, their tails."""
    pieces = [el.text or ""]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag.lower() in _INLINE:
            pieces.append(_own_text(child))
        pieces.append(child.tail or "")
    return "".join(pieces)


def _link_weight(el: Any) -> int:
    return sum(_weight(a.text_content()) for a in el.iter("a"))


def _noisy(el: Any) -> bool:
    names = f"{el.get('class') or ''} {el.get('id') or ''}".split()
    return any(_NOISE.search(name) for name in names)


def _main_element(root: Any) -> Any:
    """The element holding the main text: paragraphs score their container fully and its
    parent by half; navigation-like names and link-heavy blocks are marked down."""
    scores: dict[Any, float] = {}
    for el in root.iter():
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag or tag in _INLINE or tag in ("a", "html", "head", "title"):
            continue
        weight = _weight(_own_text(el))
        if not weight:
            continue
        container = el.getparent() if tag in _PARAGRAPHS else el
        if container is None:
            continue
        scores[container] = scores.get(container, 0.0) + weight
        parent = container.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0.0) + weight / 2
    best, best_score = None, 0.0
    for el, score in scores.items():
        total = _weight(el.text_content())
        if total:
            score *= 1 - min(_link_weight(el) / total, 1.0)
        if _noisy(el):
            score *= 0.2
        if score > best_score:
            best, best_score = el, score
    return best


def _text_before(full: str, body: str) -> str:
    """The page text above the main text (title, date line, source line)."""
    first = next((line for line in body.splitlines() if len(line) >= 4), "")
    at = full.find(first) if first else -1
    return full[:at] if at > 0 else ""


def _published(metas: dict[str, str], before: str, full: str) -> datetime | None:
    """A publication-date meta, else a dated label above the text (发布时间：…), else the
    first date above the text, else a dated label anywhere."""
    for key in _DATE_METAS:
        found = parse_datetime(metas[key]) if metas.get(key) else None
        if found:
            return found
    labelled = (parse_datetime(m.group(1)) for m in _DATE_LABEL.finditer(before))
    found = next((d for d in labelled if d), None) or (parse_datetime(before) if before else None)
    if found:
        return found
    labelled = (parse_datetime(m.group(1)) for m in _DATE_LABEL.finditer(full))
    return next((d for d in labelled if d), None)


def _signed_on(body: str) -> date | None:
    """The date standing alone on one of the last lines (the signature's 成文日期)."""
    for line in body.splitlines()[-4:][::-1]:
        if _BARE_DATE.match(line.strip()):
            return parse_date(line)
    return None


def _doc_number(before: str, body: str, title: str) -> str:
    """文号: a 发文字号 label above the text, a number heading the text, or one in the title."""
    match = _NUMBER_LABEL.search(before)
    if match and find_doc_number(match.group(1)):
        return match.group(1)
    return find_head_doc_number(body) or find_doc_number(title) or ""


def _publisher(metas: dict[str, str], before: str) -> str:
    match = _PUBLISHER_LABEL.search(before)
    return match.group(1) if match else metas.get("contentsource", "")


def _lang(root: Any, body: str) -> str:
    """``zh`` unless the text is mostly Latin letters (then the page's lang, or ``en``)."""
    cjk, latin = len(_CJK.findall(body)), len(_LATIN.findall(body))
    if cjk * 10 >= latin:
        return "zh"
    declared = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    primary = declared.strip().lower().split("-")[0]
    return primary if primary and primary != "zh" else "en"


def _attachments(main: Any, url: str) -> list[Attachment]:
    """Attachment links in the main text, else in the two blocks around it."""
    node = main
    for _ in range(3):
        found = attachments_in(Selector(root=node), url)
        if found or node.getparent() is None:
            return found
        node = node.getparent()
    return []


# -- plumbing ---------------------------------------------------------------------------------


def _error(kind: str, message: str, status: int | None = None) -> dict[str, Any]:
    return {"ok": False, "kind": kind, "message": _one_line(message), "status": status}


def _one_line(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= 400 else text[:399] + "…"


def _what(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip(": ")


def _timeout_words(text: str) -> bool:
    return bool(re.search(r"timeout|timed out|took longer", text, re.IGNORECASE))


def _quiet(level: str) -> None:
    for noisy in ("scrapy", "twisted", "filelock"):
        logging.getLogger(noisy).setLevel(level.upper())


def _own_stdout() -> IO[str]:
    """This process's stdout for the answer alone; anything else printed goes to stderr."""
    sys.stdout.flush()
    answer = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    return answer


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m crawler.manual URL``: print the document (or the error) as one JSON line."""
    parser = argparse.ArgumentParser(
        prog="python -m crawler.manual",
        description="Fetch one page through regwatch's crawler and print its document as JSON.",
    )
    parser.add_argument("url")
    parser.add_argument("--config", help="settings file (TOML); default as for regwatch")
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE"
    )
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds")
    parser.add_argument("--settings-stdin", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--deadline-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    out = _own_stdout()
    try:
        if args.settings_stdin:
            settings = settings_from_payload(json.loads(sys.stdin.buffer.read()))
        else:
            flags = dict(item.partition("=")[::2] for item in args.overrides)
            settings = load_settings(flags, config=args.config)
        logging.basicConfig(
            stream=sys.stderr,
            level=settings.general.log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        deadline = args.deadline_at or time.time() + args.timeout
        outcome = crawl_one(check_url(args.url), settings, deadline=deadline, total=args.timeout)
    except ManualFetchError as exc:
        outcome = _error(exc.kind, str(exc), exc.status)
    except (SettingsError, ValueError) as exc:
        outcome = _error("settings", f"bad settings for the fetch: {exc}")
    out.write(json.dumps(outcome, ensure_ascii=False) + "\n")
    out.flush()
    return 0 if outcome.get("ok") else 1


if __name__ == "__main__":  # run the module's own copy, so class names are crawler.manual's
    from crawler.manual import main as _main

    sys.exit(_main())
