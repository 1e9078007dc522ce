"""www.gov.cn (中国政府网): the State Council portal and its policy library.

Lists are the static JSON feeds behind the column pages (SITES.md §1.1 a); detail pages are
the policy-library template (``div.policyLibraryOverview_header`` table), the older
``table.bd1`` template, or news-type interpretation pages (SITES.md §1.3).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

from parsel import Selector
from scrapy.http import Request, Response

from crawler.base import ListEntry, RegwatchSpider
from crawler.encoding import page_text
from crawler.extract import attachments_in, block_text, cell_pairs, label_table
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

# Channels are data: a name, the JSON feed and what it holds. Enable them in gov_cn.channels.
CHANNELS = {
    "zuixin": "https://www.gov.cn/zhengce/zuixin/ZUIXINZHENGCE.json",  # 最新政策
    "bmwj": "https://www.gov.cn/zhengce/zhengceku/bmwj/TONGYONGGAILAN.json",  # 部门文件
    "gwywj": "https://www.gov.cn/zhengce/zhengceku/gwywj/TONGYONGGAILAN.json",  # 国务院文件
    "jiedu": "https://www.gov.cn/zhengce/jiedu/ZCJD_QZ.json",  # 政策解读
}
_TITLE_SUFFIX = re.compile(r"_[^_]*_?中国政府网$")


class GovCnSpider(RegwatchSpider):
    name = "gov_cn"
    allowed_domains: ClassVar[list[str]] = ["www.gov.cn", "gov.cn"]

    async def start(self) -> AsyncIterator[Request]:
        """The enabled channels' feeds, then re-checks of recent documents."""
        unknown = set(self.settings_obj.gov_cn.channels) - set(CHANNELS)
        if unknown:
            self.logger.error(
                "unknown gov_cn channels %s; known: %s", sorted(unknown), sorted(CHANNELS)
            )
        for channel in self.settings_obj.gov_cn.channels:
            if channel in CHANNELS:
                yield self.list_request(CHANNELS[channel], channel, callback=self.parse_list)
        for request in self.recheck_requests():
            yield request

    def parse_list(self, response: Response) -> Iterator[Request]:
        """A JSON feed: an array of {TITLE, URL, DOCRELPUBTIME}, newest first."""
        if self.list_unchanged(response):
            return
        channel = response.meta["channel"]
        try:
            rows = json.loads(response.text.lstrip("\ufeff"))
            entries = [self._entry(row, channel) for row in rows]
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            self.fail(channel, f"unreadable list {response.url}: {exc!r}")
            return
        self.list_parsed(response)
        wanted = [e for e in entries if self._wanted(e.title)]
        self.count("listed", len(entries))
        yield from self.detail_requests(wanted)

    def _entry(self, row: dict[str, Any], channel: str) -> ListEntry:
        return ListEntry(
            url=str(row["URL"]).strip(),
            title=str(row.get("TITLE", "")).strip(),
            channel=channel,
            published=str(row.get("DOCRELPUBTIME", "")),
        )

    def _wanted(self, title: str) -> bool:
        keywords = self.settings_obj.gov_cn.keywords
        return not keywords or any(k.lower() in title.lower() for k in keywords)

    def parse_detail(self, response: Response) -> Iterator[Document]:
        """A detail page → one Document (nothing when the page is not a document page)."""
        if self.detail_status_handled(response):
            return
        doc = extract_document(page_text(response), response.url, response.meta.get("entry"))
        if doc is None:
            self.fail(
                response.meta.get("channel", ""),
                f"no title or main text found at {response.url} (layout changed?)",
            )
            return
        self.detail_fetched(response)
        yield doc


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
