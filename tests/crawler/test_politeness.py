"""The crawl settings that keep regwatch polite and contained (RELIABILITY cases 9d, 11)."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Request, Response
from scrapy.settings import Settings as ScrapySettings

from config import load_settings
from crawler.run import base_settings
from crawler.settings import scrapy_settings


def crawl_settings() -> ScrapySettings:
    settings = base_settings()
    settings.setdict(scrapy_settings(load_settings(environ={})), priority="cmdline")
    return settings


def throttle(delay: float) -> tuple[AutoThrottle, SimpleNamespace]:
    """Scrapy's AutoThrottle under regwatch's settings, with one slot at ``delay`` seconds."""
    slot = SimpleNamespace(delay=delay, transferring=set())
    engine = SimpleNamespace(downloader=SimpleNamespace(slots={"www.gov.cn": slot}, _delay=0))
    crawler = SimpleNamespace(
        settings=crawl_settings(), signals=SimpleNamespace(connect=lambda *a, **k: None)
    )
    crawler.engine = engine
    extension = AutoThrottle(crawler)  # type: ignore[arg-type]
    extension._spider_opened(None)  # type: ignore[arg-type]
    return extension, slot


def answered(extension: AutoThrottle, status: int, latency: float) -> None:
    request = Request(
        "https://www.gov.cn/a", meta={"download_slot": "www.gov.cn", "download_latency": latency}
    )
    response = Response("https://www.gov.cn/a", status=status, request=request)
    extension._response_downloaded(response, request, None)  # type: ignore[arg-type]


def test_autothrottle_never_speeds_up_after_a_non_200_answer() -> None:
    for status in (429, 403, 503, 302):
        extension, slot = throttle(delay=20.0)
        answered(extension, status, latency=0.05)  # a fast error page
        assert slot.delay == 20.0, status
    extension, slot = throttle(delay=20.0)
    answered(extension, 200, latency=0.05)  # the control: a fast 200 does speed up
    assert slot.delay < 20.0
    extension, slot = throttle(delay=2.0)
    answered(extension, 503, latency=30.0)  # a slow error page still slows down
    assert slot.delay > 2.0


def test_retries_never_repeat_refusals_or_throttling() -> None:
    codes = set(crawl_settings().getlist("RETRY_HTTP_CODES"))
    assert codes.isdisjoint({403, 412, 429, 521})
    assert {500, 502, 503, 504}.issubset(codes)


def test_no_handlers_for_local_or_odd_schemes_and_no_consoles() -> None:
    settings = crawl_settings()
    handlers = settings.getdict("DOWNLOAD_HANDLERS")
    assert all(handlers[s] is None for s in ("file", "data", "ftp", "s3"))
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")


def test_regwatch_robots_policy_replaces_scrapys() -> None:
    middlewares = crawl_settings().getdict("DOWNLOADER_MIDDLEWARES")
    assert middlewares["scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"] is None
    assert middlewares["crawler.robots.RobotsPolicyMiddleware"] == 100
    assert middlewares["crawler.egress.GuardMiddleware"] < 100  # robots.txt is guarded too
