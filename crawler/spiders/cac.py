"""www.cac.gov.cn (中国网信网, 国家互联网信息办公室): lists from the JsonList API, then articles.

Every channel is ``/cms/JsonList?channelCode=…&perPage=20&pageno=1`` (SITES.md §3.1 a, §6.3),
answering ``{"list": [{"topic", "infourl", "pubtime"}, …], "totalRec": N}`` with
protocol-relative ``infourl`` (§3.2). Later pages are read only while a page holds nothing
already stored. Detail pages are the ``h1.title`` / ``span#pubtime`` / ``div#BodyLabel``
template, or the older ``#title`` / ``#content`` one (SITES.md §3.3); the issuing organs and
the 令 number are read from the title, the order header at the top of the body or the signature,
never from the "来源：" line, which names the publisher.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector
from scrapy.http import Request, Response

from crawler.base import ListEntry, RegwatchSpider
from crawler.extract import attachments_in, block_text, first_node
from crawler.parsing import (
    detect_doc_type,
    find_comment_deadline,
    find_doc_number,
    find_effective_date,
    is_draft_for_comment,
    parse_date,
    parse_datetime,
)
from crawler.urls import query_int, with_query
from model.document import Attachment, Document
from model.glossary import Glossary, load_glossary

log = logging.getLogger("regwatch.crawl")

LIST_HEADERS = {
    "Referer": "https://www.cac.gov.cn/",
    "X-Requested-With": "XMLHttpRequest",
    "Accept": "application/json, text/javascript, */*",
}
"""What the site's own list pages send to JsonList (SITES.md §3.1 a)."""

DEFAULT_PER_PAGE = 20
_SITE_SUFFIX = re.compile(
    r"\s*[_|｜\-—–]+\s*(?:中国网信网|中央网络安全和信息化委员会办公室|国家互联网信息办公室)\s*$"
)
_BODY_SELECTORS = ("#BodyLabel", "#content", ".TRS_Editor", ".article_con")
_CHROME_XPATH = ".//script | .//style | .//*[contains(@class, 'share') or contains(@id, 'share')]"
_URL_DAY = re.compile(r"/((?:19|20)\d{2})-(\d{1,2})/(\d{1,2})/")
_SOURCE_LABEL = re.compile(r"来\s*源\s*[:：]\s*([^\s|｜]+)")
_STANDALONE_DATE = re.compile(
    r"[0-9〇○零一二三四五六七八九]{4}\s*年\s*[0-9一二三四五六七八九十]{1,3}\s*月"
    r"\s*[0-9一二三四五六七八九十]{1,3}\s*日"
)
_ORDER_NUMBER = re.compile(r"[（(]?\s*(第\s*[0-9０-９一二三四五六七八九十百〇零]+\s*号)\s*[）)]?")
_INLINE_ORDER = re.compile(r"(.+?)\s*令\s*" + _ORDER_NUMBER.pattern)
_ORGAN_SUFFIXES = ("办公室", "委员会", "部", "局", "署", "院", "厅", "行", "会", "办")
_PRC = "中华人民共和国"
_HEAD_LINES = 12
"""How far into the body the order header (令 / 文号 lines) is looked for."""
_SIGNATURE_LINES = 6
_NOT_SIGNATURE = ("来源", "（来源", "(来源", "责任编辑", "【")


class CacSpider(RegwatchSpider):
    name = "cac"

    async def start(self) -> AsyncIterator[Request]:
        """Page 1 of every enabled channel's JsonList, then re-checks of recent documents."""
        for channel in self.channels_to_poll():
            yield self.list_request(
                channel.url, channel.name, callback=self.parse_list, headers=LIST_HEADERS
            )
        for request in self.recheck_requests():
            yield request

    def parse_list(self, response: Response) -> Iterator[Request]:
        """One JsonList page → detail requests, and the next page while everything is new.

        A channel code the API does not know (SITES.md §3.1: codes beyond A093702/A093703/
        A0937030x are unverified) answers an empty list or 404: the empty list is counted as
        0 entries, which the health rules turn into parse_suspect when the channel had entries
        before; a 404 is a fetch failure. Either way the other channels go on.
        """
        if self.list_unchanged(response):
            return
        channel = response.meta["channel"]
        page = int(response.meta.get("page", 1))
        try:
            listing = parse_json_list(response.body, response.url, channel)
        except ValueError as exc:
            self.unexpected_page(response, "list", str(exc)[:200])
            return
        if not listing.entries and page == 1:
            log.warning(
                "[%s] channel %s listed nothing (totalRec %s): is the channel code still served?",
                self.name,
                channel,
                listing.total,
            )
        self.list_parsed(response, len(listing.entries))
        more = listing.more_after(page) and self.next_page_wanted(listing.entries, page)
        yield from self.detail_requests(e for e in listing.entries if self.wanted(e))
        if more:
            yield self.page_request(
                page_url(response.url, page + 1),
                response,
                page + 1,
                callback=self.parse_list,
                headers=LIST_HEADERS,
            )

    def extract(self, page: str, url: str, entry: ListEntry | None) -> Document | None:
        return extract_document(page, url, entry)


# -- lists -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JsonListPage:
    """One parsed JsonList answer."""

    entries: list[ListEntry]
    total: int | None
    per_page: int

    def more_after(self, page: int) -> bool:
        """Whether totalRec says there is a page after ``page`` (never past the last one)."""
        return bool(self.entries) and self.total is not None and page * self.per_page < self.total


def parse_json_list(body: bytes, url: str, channel: str) -> JsonListPage:
    """Parse a JsonList answer; ValueError (with the reason) when it is not one.

    A UTF-8 BOM is tolerated; an HTML page (a challenge, an error page), truncated JSON or an
    object without a ``list`` array is refused. Rows without an ``infourl`` are skipped.
    """
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not the JSON list expected: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("list"), list):
        raise ValueError("JSON without a 'list' array")
    rows = data["list"]
    entries = [e for e in (_entry(row, url, channel) for row in rows) if e is not None]
    if rows and not entries:
        raise ValueError(f"none of the {len(rows)} rows has an infourl")
    return JsonListPage(entries, _integer(data.get("totalRec")), _per_page(url))


def _entry(row: Any, url: str, channel: str) -> ListEntry | None:
    """A row as a ListEntry; ``infourl`` resolved against the site root (it is usually
    protocol-relative, ``//www.cac.gov.cn/…``, sometimes a path)."""
    if not isinstance(row, dict):
        return None
    link = str(row.get("infourl") or "").strip()
    if not link:
        return None
    root = urlunsplit((*urlsplit(url)[:2], "/", "", ""))
    return ListEntry(
        url=urljoin(root, link),
        title=re.sub(r"\s+", " ", str(row.get("topic") or "")).strip(),
        channel=channel,
        published=str(row.get("pubtime") or ""),
    )


def _integer(value: Any) -> int | None:
    """totalRec as an int (it may come as a string); None when absent or not a number."""
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def _per_page(url: str) -> int:
    """``perPage`` of the request, as sent (the API's page size)."""
    return query_int(url, "perPage", DEFAULT_PER_PAGE)


def page_url(url: str, page: int) -> str:
    """The same JsonList URL asking for page ``page``; every other parameter kept as is."""
    return with_query(url, "pageno", str(page))


# -- detail pages ------------------------------------------------------------------------------


def extract_document(page: str, url: str, entry: ListEntry | None = None) -> Document | None:
    """Extract a Document from a CAC article page; None when title or body is missing."""
    sel = Selector(text=page)
    title = _parse_title(sel) or (entry.title if entry else "")
    node = _body_node(sel)
    body = _body_text(node) if node is not None else ""
    if not title or not body or node is None:
        return None
    published = _parse_published_at(sel, url, entry)
    day = published.date() if published else None
    lines = body.splitlines()
    doc_number = _parse_doc_number(lines)
    return Document(
        url=url,
        source="cac",
        title=title,
        lang="zh",
        published_at=published,
        issuers=_parse_issuers(title, doc_number, lines),
        doc_number=doc_number,
        doc_type=detect_doc_type(title) or "",
        is_draft_for_comment=is_draft_for_comment(title, body),
        comment_deadline=find_comment_deadline(body, day),
        effective_date=find_effective_date(body, day),
        written_on=_written_on(lines),
        publisher=_parse_publisher(sel),
        body_text=body,
        attachments=_parse_attachments(node, url),
    )


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _parse_title(sel: Selector) -> str:
    """``h1.title``, the older ``#title``, else ``<title>`` without the site name."""
    for css in ("h1.title", "#title"):
        text = _squeeze("".join(sel.css(f"{css} ::text").getall()))
        if text:
            return text
    return _SITE_SUFFIX.sub("", _squeeze(sel.css("title::text").get() or ""))


def _parse_published_at(sel: Selector, url: str, entry: ListEntry | None) -> datetime | None:
    """``span#pubtime``, else ``<meta name="PubDate">``, the list's pubtime, or the URL's day.

    The pubtime format is unverified (SITES.md §3.3): both ``YYYY年MM月DD日 HH:mm`` and
    ``YYYY-MM-DD HH:mm`` are read, as is anything else parse_datetime knows.
    """
    candidates = [
        "".join(sel.css("#pubtime ::text").getall()),
        *sel.xpath("//meta[translate(@name, 'PUBDATE', 'pubdate') = 'pubdate']/@content").getall(),
        entry.published if entry else "",
    ]
    for candidate in candidates:
        parsed = parse_datetime(candidate) if candidate.strip() else None
        if parsed:
            return parsed
    day = _URL_DAY.search(urlsplit(url).path)
    return parse_datetime("-".join(day.groups())) if day else None


def _parse_publisher(sel: Selector) -> str:
    """来源, the page's publisher (never an issuer).

    Markup unverified (SITES.md §3.3): ``#source`` (``<span id="source">来源：X</span>`` or just
    ``X``), else a "来源：X" in the info line around ``#pubtime``, else the first "来源：X" text
    outside the main body.
    """
    source = _squeeze(" ".join(sel.css("#source ::text").getall()))
    if source:
        found = _SOURCE_LABEL.search(source)
        return found.group(1) if found else source
    for xpath in ('//*[@id="pubtime"]/..', '//*[@id="pubtime"]/../..'):
        found = _SOURCE_LABEL.search(_squeeze(" ".join(sel.xpath(xpath).css("::text").getall())))
        if found:
            return found.group(1)
    outside_body = sel.xpath(
        "//body//text()[contains(., '来') and not(ancestor::script) and not(ancestor::*"
        "[@id='BodyLabel' or @id='content' or contains(@class, 'TRS_Editor')"
        " or contains(@class, 'article_con')])]"
    ).getall()
    for i, text in enumerate(outside_body):
        found = _SOURCE_LABEL.search(_squeeze(text + " " + "".join(outside_body[i + 1 : i + 2])))
        if found:
            return found.group(1)
    return ""


def _body_node(sel: Selector) -> Selector | None:
    """The main text: ``div#BodyLabel``, else the older ``#content``, ``.TRS_Editor`` or
    ``.article_con`` (SITES.md §3.3)."""
    return first_node(sel, _BODY_SELECTORS)


def _body_text(node: Selector) -> str:
    """The main text without scripts, styles or share widgets."""
    root = copy.deepcopy(node.root)
    root.tail = None
    for element in root.xpath(_CHROME_XPATH):
        element.drop_tree()
    return block_text(Selector(root=root, type="html").get())


def _parse_attachments(node: Selector, url: str) -> list[Attachment]:
    """Document links in the main text, whatever their href (SITES.md §3.3: the pattern is
    unverified; ``./P0….docx`` and ``/cms/…`` both seen in reconstructions), resolved against
    the page."""
    return attachments_in(node, url)


# -- 文号 and issuers --------------------------------------------------------------------------


def _parse_doc_number(lines: list[str]) -> str:
    """The 令 number from the order header (organs, 令, 第N号, often on separate lines), else
    a line at the top of the body that is a 文号 by itself (``法释〔2021〕15号``)."""
    return _order_number(lines[:_HEAD_LINES]) or _standalone_number(lines[:_HEAD_LINES])


def _order_number(head: list[str]) -> str:
    """``<organs>令第N号`` as gov.cn writes it: organs separated by one space, the
    ``中华人民共和国`` prefix dropped when several organs issue it jointly, no space in the
    number (SITES.md §3.3; the header is split over lines on CAC pages)."""
    for i, line in enumerate(head):
        flat = _squeeze(line).strip("（）()")
        inline = _INLINE_ORDER.fullmatch(flat)
        below = _ORDER_NUMBER.fullmatch(head[i + 1].strip()) if i + 1 < len(head) else None
        if inline:
            organs, number = inline.group(1).split(), inline.group(2)
        elif flat.endswith("令") and below:
            organs = flat[:-1].split() or _organ_lines_above(head, i)
            number = below.group(1)
        else:
            continue
        organs = _order_organs(organs)
        if organs:
            if len(organs) > 1:
                organs = [o.removeprefix(_PRC) or o for o in organs]
            return " ".join(organs) + "令" + re.sub(r"\s+", "", number)
    return ""


def _organ_lines_above(head: list[str], i: int) -> list[str]:
    """The organ names stacked one per line above a line holding only 令."""
    organs: list[str] = []
    for line in reversed(head[:i]):
        if not _organ_like(line.strip()):
            break
        organs.insert(0, line.strip())
    return organs


def _order_organs(tokens: list[str]) -> list[str]:
    """The issuing organs among the words before 令: the word next to 令 always, more words
    back while they name an organ (a title line above the header is not one)."""
    if not tokens:
        return []
    kept = [tokens[-1]]
    for token in reversed(tokens[:-1]):
        if not _organ_like(token):
            break
        kept.insert(0, token)
    return kept


def _standalone_number(head: list[str]) -> str:
    """A line that is nothing but a 文号 (brackets around it allowed)."""
    for line in head:
        bare = line.strip().strip("（）()")
        found = find_doc_number(bare)
        if found and found == bare:
            return found
    return ""


@functools.cache
def _glossary() -> Glossary:
    """The bundled glossary, read once (organ names are looked up word by word)."""
    return load_glossary()


def _organ_like(name: str) -> bool:
    """A glossary organ, or a short name ending like one (国家保密局, 国家安全部)."""
    if not name or len(name) > 30:
        return False
    return _glossary().issuer(name) is not None or name.endswith(_ORGAN_SUFFIXES)


def _canonical_organs(tokens: list[str]) -> list[str]:
    """Names as the glossary spells them (``国家网信办`` → 国家互联网信息办公室); names it
    lacks are kept when they look like an organ."""
    glossary = _glossary()
    names: list[str] = []
    for token in tokens:
        issuer = glossary.issuer(token) or glossary.issuer(token.removeprefix(_PRC))
        if issuer is not None:
            names.append(issuer.chinese)
        elif _organ_like(token):
            names.append(token)
    return list(dict.fromkeys(names))


def _organs_in(text: str) -> list[str]:
    """Organs named in ``text``: space-separated organ names as they stand, else every
    glossary organ found, in the order they appear."""
    tokens = [t for t in re.split(r"[\s、，,]+", text) if t]
    if tokens and all(_organ_like(t) for t in tokens):
        return _canonical_organs(tokens)
    found = _glossary().issuers_in(text)

    def position(chinese: str) -> int:
        issuer = _glossary().issuer(chinese)
        names = (chinese, *(issuer.aliases if issuer else ()))
        return min((text.find(n) for n in names if n in text), default=len(text))

    return sorted((i.chinese for i in found), key=position)


def _parse_issuers(title: str, doc_number: str, lines: list[str]) -> list[str]:
    """The issuing organs: named in the title, else in the 令 number, else in the signature
    at the end of the body, else the body that adopted a law (``…常务委员会…会议…通过``).

    The 来源 line is never read here: 中国网信网 publishes, it does not issue.
    """
    return (
        _title_issuers(title)
        or _order_issuers(doc_number)
        or _signature_issuers(lines)
        or _adopting_body(lines[:_HEAD_LINES])
    )


def _title_issuers(title: str) -> list[str]:
    """Organs before 关于 (``国家互联网信息办公室 国家市场监督管理总局关于…``), or organs
    the title starts with (``国家互联网信息办公室有关负责人就…答记者问``)."""
    if "关于" in title:
        head = title.split("关于", 1)[0].strip()
        if head:
            return _organs_in(head)
    return _leading_organs(title)


def _leading_organs(title: str) -> list[str]:
    """Glossary organs at the very start of the title, one after another."""
    glossary = _glossary()
    names = _organ_names()
    found: list[str] = []
    rest = title.strip()
    while True:
        name = next((n for n in names if rest.startswith(n)), None)
        if name is None:
            break
        found.append(glossary.issuer(name).chinese)  # type: ignore[union-attr]
        rest = rest[len(name) :].lstrip(" 、，,")
    return list(dict.fromkeys(found))


@functools.cache
def _organ_names() -> tuple[str, ...]:
    """Every glossary name and alias of an organ, longest first (so 国务院办公厅 beats 国务院)."""
    names = (n for i in _glossary().issuers.values() for n in (i.chinese, *i.aliases))
    return tuple(sorted(names, key=len, reverse=True))


def _order_issuers(doc_number: str) -> list[str]:
    """The organs of a 令 number (``国家互联网信息办公室 国家市场监督管理总局令第20号``)."""
    head, sep, _ = doc_number.partition("令第")
    return _canonical_organs(head.split()) if sep else []


def _signature_issuers(lines: list[str]) -> list[str]:
    """Organs named in the lines just above the last date standing on its own line."""
    dates = [i for i, line in enumerate(lines) if _STANDALONE_DATE.fullmatch(line.strip())]
    if not dates:
        return []
    block: list[str] = []
    for line in reversed(lines[max(0, dates[-1] - _SIGNATURE_LINES) : dates[-1]]):
        text = line.strip()
        if text.startswith(_NOT_SIGNATURE) or len(text) > 40 or re.search(r"[。；;，,：:]", text):
            break
        block.insert(0, text)
    return _organs_in(" ".join(block)) if block else []


def _adopting_body(head: list[str]) -> list[str]:
    """The body that adopted a law, from ``已由…常务委员会第N次会议…通过`` near the top."""
    for line in head:
        for sentence in re.split(r"[。；]", line):
            if "会议" in sentence and "通过" in sentence:
                found = _organs_in(sentence)
                if found:
                    return found
    return []


def _written_on(lines: list[str]) -> date | None:
    """The signing date: the first date standing on its own line (under the signature)."""
    for line in lines:
        if _STANDALONE_DATE.fullmatch(line.strip()):
            return parse_date(line)
    return None
