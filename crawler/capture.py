"""``regwatch fixtures capture``: save one live page in the fixture format, marked ``real``.

The page is fetched by Scrapy with the crawler's own settings and middlewares, so capturing
obeys the same rules as crawling: the source's hosts only, public addresses only, robots.txt,
the size limit, at most ``crawl.max_redirects`` redirects. What is saved is what a spider would
see: the final status, the decompressed body and the headers that matter for replay.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Request, Response
from twisted.python.failure import Failure

from config import Settings
from config.sources import Source
from crawler.health import problem_for_failure
from crawler.replay.writer import write_fixture
from crawler.run import base_settings
from crawler.settings import scrapy_settings
from model.document import BEIJING

KEPT_HEADERS = ("Content-Type", "Last-Modified", "ETag", "Location", "Set-Cookie", "Retry-After")


class CaptureError(RuntimeError):
    """The page could not be captured; the message says why."""


@dataclass
class Captured:
    url: str
    status: int
    headers: dict[str, str | list[str]]
    body: bytes


def source_for(settings: Settings, url: str, name: str | None) -> Source:
    """The source ``url`` belongs to: the one named, or the one whose hosts include its host."""
    host = (urlsplit(url).hostname or "").lower()
    if name is not None:
        source = settings.sources.get(name)
        if source is None:
            raise CaptureError(f"unknown source {name!r}; known: {sorted(settings.sources)}")
        if not source.allows_host(host):
            raise CaptureError(f"{host} is not one of {name}'s hosts {source.hosts}")
        return source
    for source in settings.sources.values():
        if source.allows_host(host):
            return source
    raise CaptureError(f"{host} is not a host of any source; add it to a source's hosts first")


class CaptureSpider(scrapy.Spider):
    """Fetches one URL and keeps the response (whatever its status)."""

    name = "capture"
    halted = ""

    def __init__(self, url: str, source: Source, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url
        self.hosts = source.hosts
        self.result: Captured | None = None
        self.error = ""

    async def start(self) -> AsyncIterator[Request]:
        yield Request(
            self.url,
            callback=self.keep,
            errback=self.failed,
            meta={"handle_httpstatus_all": True},
            dont_filter=True,
        )

    def keep(self, response: Response) -> None:
        headers: dict[str, str | list[str]] = {}
        for name in KEPT_HEADERS:
            values = [v.decode("latin-1") for v in response.headers.getlist(name)]
            if values:
                headers[name] = values[0] if len(values) == 1 else values
        self.result = Captured(response.url, response.status, headers, response.body)

    def failed(self, failure: Failure) -> None:
        problem = problem_for_failure(failure, self.url)
        self.error = problem.detail if problem else failure.getErrorMessage()


def capture(
    settings: Settings, url: str, out: Path, *, source_name: str | None = None, note: str = ""
) -> Path:
    """Fetch ``url`` live and write it under ``out``; returns the body file written."""
    source = source_for(settings, url, source_name)
    crawl_settings = base_settings()
    crawl_settings.setdict(scrapy_settings(settings), priority="cmdline")
    crawl_settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    process = CrawlerProcess(crawl_settings, install_root_handler=False)
    crawler = process.create_crawler(CaptureSpider)
    process.crawl(crawler, url=url, source=source)
    process.start()
    spider = crawler.spider
    assert isinstance(spider, CaptureSpider)
    if spider.result is None:
        raise CaptureError(f"could not capture {url}: {spider.error or 'no response'}")
    got = spider.result
    return write_fixture(
        out,
        got.url,
        got.body,
        status=got.status,
        headers=got.headers,
        origin="real",
        origin_detail=note or f"captured live from {got.url} by `regwatch fixtures capture`",
        captured_at=datetime.now(BEIJING),
    )
