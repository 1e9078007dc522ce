"""Scrapy settings for regwatch's spiders: polite by default, and readable in one place.

``scrapy crawl gov_cn`` from the repository root reads these; ``regwatch crawl`` starts from
them too and applies regwatch's own settings (``crawl.*``, the database, replay) on top via
:func:`scrapy_settings`.
"""

from __future__ import annotations

from typing import Any

from config import Settings, load_settings

BOT_NAME = "regwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Politeness: obey robots.txt (crawler/robots.py: RFC 9309, 5xx means no crawl), one request
# at a time per site, a delay, AutoThrottle (which never speeds up after a non-200 answer).
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Limits: a request is abandoned after 30 s; nothing larger than 10 MiB is read.
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 2
# 429 is not retried here: it means "wait", so the source goes to `throttled` (crawler/health.py).
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
DOWNLOAD_VERIFY_CERTIFICATES = True

# Egress (crawler/egress.py): only the source's hosts, http(s) only, public addresses only,
# checked again on the address actually connected to. No file:, data:, ftp: or s3: handlers.
TWISTED_DNS_RESOLVER = "crawler.egress.GuardedResolver"
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}

# Nothing listens for remote control; no telnet console.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 300}
# Closest to the spider: a parser exception is recorded as a failure of its channel.
SPIDER_MIDDLEWARES = {"crawler.base.CallbackErrors": 950}
DOWNLOADER_MIDDLEWARES = {
    "crawler.egress.GuardMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.RobotsPolicyMiddleware": 100,
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,  # GuardMiddleware is stricter
    "crawler.replay.middleware.ReplayMiddleware": 950,
}
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "WARNING"


def scrapy_settings(settings: Settings, *, replay_url: str | None = None) -> dict[str, Any]:
    """The Scrapy settings that follow from regwatch's settings."""
    crawl = settings.crawl
    values: dict[str, Any] = {
        "USER_AGENT": crawl.user_agent,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(crawl.download_delay, 0.0),
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_domain,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "RETRY_TIMES": crawl.retries,
        "REDIRECT_MAX_TIMES": crawl.max_redirects,
        "DOWNLOAD_MAXSIZE": crawl.max_response_bytes,
        "LOG_LEVEL": crawl.log_level.upper(),
        "REGWATCH_SETTINGS": settings,
    }
    if replay_url:  # saved pages on loopback: no site to be polite to, unless asked
        values.update(REPLAY_URL=replay_url, AUTOTHROTTLE_ENABLED=False)
        if "crawl.download_delay" not in settings.origins:
            values["DOWNLOAD_DELAY"] = 0
    return values


# `scrapy crawl` from the repository root: apply regwatch's settings (file, environment).
globals().update({k: v for k, v in scrapy_settings(load_settings()).items()})


def _bundled_public_suffix_list() -> None:
    """Scrapy's cookie middleware would download the public suffix list on first use; the
    copy bundled with tldextract is enough, and a crawler makes no request it was not told to."""
    from scrapy.downloadermiddlewares import cookies
    from tldextract import TLDExtract

    cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


_bundled_public_suffix_list()
