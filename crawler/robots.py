"""robots.txt, read the way RFC 9309 asks, stricter than Scrapy's default.

Per host, once per run, before its first request:

* 2xx: the rules are parsed (Protego) and obeyed for the product token ``regwatch``; a file
  with no rules we understand (garbage) allows everything, as the RFC says.
* 4xx (404 and friends): no restrictions.
* 5xx after retries, a timeout or any other failure to fetch it: the host is "unreachable",
  so nothing on it is crawled this run (RFC 9309 §2.3.1.4); the next poll asks again.

A disallowed page raises :class:`RobotsDisallowed`, so it is reported (``robots_disallowed``)
rather than silently skipped; an unreachable robots.txt raises :class:`RobotsUnavailable`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Self
from urllib.parse import urlsplit

from protego import Protego
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler.egress import AddressRefused, address_refusal_for

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

log = logging.getLogger("regwatch.crawl")
PRODUCT_TOKEN = "regwatch"


class RobotsDisallowed(IgnoreRequest):
    """robots.txt disallows this URL."""


class RobotsUnavailable(IgnoreRequest):
    """robots.txt could not be fetched (5xx, timeout, network error): no crawl of the host."""


@dataclass(frozen=True)
class Verdict:
    """What a host's robots.txt said: rules (None: no restrictions) or why it is unreachable."""

    rules: Protego | None = None
    unreachable: str = ""
    refused: str = ""


class RobotsPolicyMiddleware:
    """Downloader middleware applying :mod:`crawler.robots`' policy to every request."""

    PRIORITY = 1000  # robots.txt jumps the queue

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.verdicts: dict[str, Verdict] = {}
        self.waiting: dict[str, list[Deferred[Verdict]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt"):
            return
        parts = urlsplit(request.url)
        if parts.scheme not in ("http", "https"):
            return
        verdict = await self.verdict(f"{parts.scheme}://{parts.netloc}", request)
        if verdict.refused:
            raise AddressRefused(verdict.refused)
        if verdict.unreachable:
            raise RobotsUnavailable(
                f"robots.txt of {parts.netloc} unreachable ({verdict.unreachable}): "
                "nothing on this host is crawled this run"
            )
        if verdict.rules is not None and not verdict.rules.can_fetch(request.url, PRODUCT_TOKEN):
            raise RobotsDisallowed(f"robots.txt of {parts.netloc} disallows {request.url}")

    async def verdict(self, base: str, request: Request) -> Verdict:
        """The verdict for the host at ``base``, fetching robots.txt on first use."""
        if base in self.verdicts:
            return self.verdicts[base]
        if base in self.waiting:  # robots.txt is being fetched for another request
            mine: Deferred[Verdict] = Deferred()
            self.waiting[base].append(mine)
            return await maybe_deferred_to_future(mine)
        self.waiting[base] = []
        robots = Request(
            f"{base}/robots.txt",
            priority=self.PRIORITY,
            meta={"dont_obey_robotstxt": True, "channel": request.meta.get("channel", "")},
            callback=NO_CALLBACK,
        )
        try:
            assert self.crawler.engine is not None
            verdict = judge(await self.crawler.engine.download_async(robots))
        except Exception as exc:  # any failure to fetch it means "unreachable"
            refused = address_refusal_for(base)
            verdict = (
                Verdict(refused=refused)
                if refused
                else Verdict(unreachable=f"{type(exc).__name__}: {exc}".strip(": "))
            )
        if verdict.unreachable:
            log.error("robots.txt of %s unreachable: %s", base, verdict.unreachable)
        self.verdicts[base] = verdict
        for waiter in self.waiting.pop(base):
            waiter.callback(verdict)
        return verdict


def judge(response: Response) -> Verdict:
    """The verdict a robots.txt response gives (RFC 9309 §2.3.1)."""
    if 200 <= response.status < 300:
        text = response.body.decode("utf-8", errors="replace")
        return Verdict(rules=Protego.parse(text))
    if 400 <= response.status < 500:
        return Verdict()
    return Verdict(unreachable=f"HTTP {response.status}")
