"""Item pipeline: every extracted Document goes to the store; outcomes are counted."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy.crawler import Crawler

from crawler.base import RegwatchSpider
from model.document import Document

log = logging.getLogger("regwatch.crawl")


class StorePipeline:
    """Save each Document in its own transaction, so a crash loses at most the one in flight."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        spider = self.crawler.spider
        if not isinstance(item, Document) or not isinstance(spider, RegwatchSpider):
            return item
        result = spider.store.save_document(item)
        spider.stored(item, result.outcome)
        if result.outcome in ("new", "amended"):
            log.info("[%s] %s: %s", spider.name, result.outcome, item.title)
        return item
