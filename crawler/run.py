"""Running spiders from regwatch: in replay mode or live, with a summary per source."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings as ScrapySettings
from scrapy.spiderloader import SpiderLoader

from config import Settings
from crawler import settings as project_settings
from crawler.replay.server import ReplayServer
from crawler.report import TROUBLE, SourceReport, source_reports
from crawler.settings import scrapy_settings
from storage import Store

log = logging.getLogger("regwatch.crawl")
COUNTERS = ("new", "amended", "sighted", "unchanged", "withdrawn", "failed")


@dataclass(frozen=True)
class SourceSummary:
    """What one crawl of one source did."""

    source: str
    counts: dict[str, int]
    finish_reason: str
    responses: int = 0
    response_bytes: int = 0
    state: str = "ok"
    reason: str = ""

    @property
    def troubled(self) -> bool:
        """True when the source could not be polled properly (see crawler.report.TROUBLE)."""
        return self.state in TROUBLE or bool(self.counts.get("failed"))

    def line(self) -> str:
        """``gov_cn: 12 new, … (finished; 21 responses, 155620 bytes) state ok``."""
        parts = ", ".join(f"{self.counts.get(k, 0)} {k}" for k in COUNTERS)
        traffic = f"{self.responses} responses, {self.response_bytes} bytes"
        state = f"state {self.state}" + (f": {self.reason}" if self.reason else "")
        return f"{self.source}: {parts} ({self.finish_reason}; {traffic}) {state}"


def base_settings() -> ScrapySettings:
    """Scrapy's settings with regwatch's project module applied."""
    settings = ScrapySettings()
    settings.setmodule(project_settings, priority="project")
    return settings


def spider_names() -> list[str]:
    """Every spider regwatch has, by slug."""
    return sorted(SpiderLoader.from_settings(base_settings()).list())


def run_crawl(
    settings: Settings, sources: Sequence[str] = (), *, replay: Path | None = None
) -> list[SourceSummary]:
    """Crawl the given sources (default all) once and summarise each.

    With ``replay``, a replay server serves that saved-page tree on 127.0.0.1 and every
    request goes there; spiders and storage still see the real URLs.
    """
    names = list(sources) or [n for n in spider_names() if _enabled(settings, n)]
    unknown = set(names) - set(spider_names())
    if unknown:
        raise ValueError(f"unknown source(s) {sorted(unknown)}; known: {spider_names()}")
    missing = [n for n in names if n not in settings.sources]
    if missing:
        raise ValueError(f"source(s) {missing} have a spider but no entry in the sources settings")
    with ExitStack() as stack:
        replay_url = _loopback(settings.crawl.replay_url) if settings.crawl.replay_url else None
        if replay is not None:
            replay_url = stack.enter_context(ReplayServer(replay)).base_url
        crawl_settings = base_settings()
        crawl_settings.setdict(scrapy_settings(settings, replay_url=replay_url), priority="cmdline")
        _quiet(settings.crawl.log_level)
        process = CrawlerProcess(crawl_settings, install_root_handler=False)
        _quiet(settings.crawl.log_level)  # Scrapy resets its loggers while starting
        crawlers = {name: process.create_crawler(name) for name in names}
        for crawler in crawlers.values():
            process.crawl(crawler)
        process.start()
    with Store.open(settings.database_url(), busy_timeout=settings.database.busy_timeout) as store:
        reports = {r.name: r for r in source_reports(settings, store, datetime.now(UTC), names)}
    return [
        _summary(name, crawler.stats.get_stats() if crawler.stats else {}, reports.get(name))
        for name, crawler in crawlers.items()
    ]


def _enabled(settings: Settings, name: str) -> bool:
    source = settings.sources.get(name)
    return source is None or source.enabled


def _quiet(level: str) -> None:
    for noisy in ("scrapy", "twisted", "filelock"):
        logging.getLogger(noisy).setLevel(level.upper())


def _loopback(url: str) -> str:
    """The replay URL, refused unless it points at this machine's loopback."""
    host = urlsplit(url).hostname or ""
    if not (host == "localhost" or host == "::1" or host.startswith("127.")):
        raise ValueError(f"crawl.replay_url must be a loopback address, not {url!r}")
    return url


def _summary(name: str, stats: dict[str, object], report: SourceReport | None) -> SourceSummary:
    counts = {k: int(stats.get(f"regwatch/{k}", 0)) for k in COUNTERS}  # type: ignore[call-overload]
    return SourceSummary(
        name,
        counts,
        str(stats.get("finish_reason", "not started")),
        responses=int(stats.get("downloader/response_count", 0)),  # type: ignore[call-overload]
        response_bytes=int(stats.get("downloader/response_bytes", 0)),  # type: ignore[call-overload]
        state=report.health.state if report else "unknown",
        reason=report.health.reason if report else "",
    )
