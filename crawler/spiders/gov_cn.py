"""www.gov.cn (中国政府网): the State Council portal and its policy library.

Lists are the static JSON feeds behind the column pages (SITES.md §1.1 a), or an RSS feed
(channel ``format = "rss"``, §1.5); the channels are data in ``config/data/sources.toml``.
Detail pages are the policy-library template (``div.policyLibraryOverview_header`` table),
the older ``table.bd1`` template, or news-type interpretation pages (SITES.md §1.3).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

from parsel import Selector
from scrapy.http import Request, Response

from crawler.base import ListEntry, RegwatchSpider
from crawler.extract import attachments_in, block_text, cell_pairs, label_table
from crawler.feeds import FeedError, parse_feed
from crawler.parsing import (
    detect_doc_type,
    find_comment_deadline,
    find_effective_date,
    is_draft_for_comment,
    parse_date,
    parse_datetime,
)
from model.document import Document
from model.glossary import load_glossary

_TITLE_SUFFIX = re.compile(r"_[^_]*_?中国政府网$")


class GovCnSpider(RegwatchSpider):
    name = "gov_cn"

    async def start(self) -> AsyncIterator[Request]:
        """The enabled channels' lists, then re-checks of recent documents."""
        for channel in self.channels_to_poll():
            parse = self.parse_rss if channel.format == "rss" else self.parse_list
            yield self.list_request(channel.url, channel.name, callback=parse)
        for request in self.recheck_requests():
            yield request

    def parse_list(self, response: Response) -> Iterator[Request]:
        """A JSON feed: an array of {TITLE, URL, DOCRELPUBTIME}, newest first."""
        if self.list_unchanged(response):
            return
        channel = response.meta["channel"]
        try:
            rows = json.loads(response.body.decode("utf-8-sig"))
            entries = [self._entry(row, channel) for row in rows]
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            self.unexpected_page(response, "list", f"not the JSON list expected: {exc!r}"[:200])
            return
        yield from self._listed(response, entries)

    def parse_rss(self, response: Response) -> Iterator[Request]:
        """An RSS or Atom feed, parsed with entity expansion and DTDs refused."""
        if self.list_unchanged(response):
            return
        channel = response.meta["channel"]
        try:
            items = parse_feed(response.body, response.url)
        except FeedError as exc:
            self.unexpected_page(response, "list", str(exc))
            return
        entries = [ListEntry(i.link, i.title, channel, i.published) for i in items]
        yield from self._listed(response, entries)

    def _listed(self, response: Response, entries: list[ListEntry]) -> Iterator[Request]:
        self.list_parsed(response, len(entries))
        wanted = [e for e in entries if self.wanted(e)]
        yield from self.detail_requests(wanted)

    def _entry(self, row: dict[str, Any], channel: str) -> ListEntry:
        return ListEntry(
            url=str(row["URL"]).strip(),
            title=str(row.get("TITLE", "")).strip(),
            channel=channel,
            published=str(row.get("DOCRELPUBTIME", "")),
        )

    def extract(self, page: str, url: str, entry: ListEntry | None) -> Document | None:
        return extract_document(page, url, entry)


def extract_document(page: str, url: str, entry: ListEntry | None = None) -> Document | None:
    """Extract a Document from a gov.cn detail page; None when title or body is missing."""
    sel = Selector(text=page)
    meta = _parse_metadata(sel)
    title = _parse_title(sel, meta) or (entry.title if entry else "")
    body = _parse_body(sel)
    if not title or not body:
        return None
    published = _parse_published_at(sel, meta, entry)
    day = published.date() if published else None
    return Document(
        url=url,
        source="gov_cn",
        title=title,
        lang="zh",
        published_at=published,
        issuers=_parse_issuers(meta, title),
        doc_number=meta.get("发文字号", ""),
        doc_type=meta.get("公文种类", "") or detect_doc_type(title) or "",
        is_draft_for_comment=is_draft_for_comment(title, body),
        comment_deadline=find_comment_deadline(body, day),
        effective_date=find_effective_date(body, day),
        written_on=parse_date(meta.get("成文日期", "")),
        publisher=_parse_publisher(sel, meta),
        subject=meta.get("主题分类", ""),
        body_text=body,
        attachments=_parse_attachments(sel, url),
    )


def _parse_metadata(sel: Selector) -> dict[str, str]:
    """The labelled metadata table (policy library, or the older ``table.bd1``)."""
    table = sel.css("div.policyLibraryOverview_header table") or sel.css("table.bd1")
    return label_table(cell_pairs(table[0])) if table else {}


def _parse_title(sel: Selector, meta: dict[str, str]) -> str:
    """标题 from the table, else the share title, h1, or <title> without the site suffix."""
    for candidate in (
        meta.get("标题"),
        sel.css("div.share-title::text").get(),
        sel.css("h1::text").get(),
    ):
        if candidate and candidate.strip():
            return candidate.strip()
    return _TITLE_SUFFIX.sub("", (sel.css("title::text").get() or "").strip())


def _parse_published_at(sel: Selector, meta: dict[str, str], entry: ListEntry | None) -> Any:
    """``firstpublishedtime`` meta, else 发布日期, the page date line, or the list's date."""
    candidates = (
        sel.css('meta[name="firstpublishedtime"]::attr(content)').get(),
        meta.get("发布日期"),
        sel.css("div.pages-date::text").get(),
        entry.published if entry else None,
    )
    for candidate in candidates:
        parsed = parse_datetime(candidate) if candidate else None
        if parsed:
            return parsed
    return None


def _parse_issuers(meta: dict[str, str], title: str) -> list[str]:
    """发文机关 (space-separated when several), else issuers named at the start of the title."""
    if meta.get("发文机关"):
        return meta["发文机关"].split()
    head = title.split("关于", 1)[0] if "关于" in title else ""
    return [i.chinese for i in load_glossary().issuers_in(head)]


def _parse_publisher(sel: Selector, meta: dict[str, str]) -> str:
    """来源: the table row, or the "来源：…" line of a news-type page."""
    if meta.get("来源"):
        return meta["来源"]
    line = " ".join(
        sel.css("div.pages-date *::text, div.pages-date::text, span.font-zyygwj::text").getall()
    )
    match = re.search(r"来源[:：]\s*(\S+)", line)
    return match.group(1) if match else ""


def _parse_body(sel: Selector) -> str:
    """Main text from ``#UCAP-CONTENT`` only (the mobile copy repeats it)."""
    body = sel.css("#UCAP-CONTENT")
    return block_text(body[0].get()) if body else ""


def _parse_attachments(sel: Selector, url: str) -> list[Any]:
    """Document links in the main text, relative ``./P0….pdf`` resolved against the page."""
    body = sel.css("#UCAP-CONTENT")
    return attachments_in(body[0], url) if body else []
