"""www.tc260.org.cn (全国网络安全标准化技术委员会, TC260): standards drafts, notices, guides.

Follows SITES.md §4 and §6.4. The site has two generations and one parser interface covers
both: a channel of format ``suggestions`` is a 征求意见 list, read as the new portal's
``/portal/suggestion`` (``div.item`` rows with ``jumpDetail('<id>','<deadline>')``, §4.1) or
the legacy ``/front/bzzqyjList.html`` (``li.list_title_news`` rows with "[截至日期:…]",
paged by ``start``), whichever markup the page has. A channel of format ``links`` reads every
article link of a page (the home page: no column list URL is known, §4.1 unverified).
Detail pages are the portal suggestion template (``div.info`` / ``div.advice-c`` and the
``div.list`` of attachments whose extension is only in the link text, §4.3), the portal
article template (markup unverified: a robust heading and body choice), or the legacy
``div.news_end`` template with ``span#APP_n`` and ``/upload/…`` attachments.

The deadline a 征求意见 list gives is the comment deadline, carried to the detail page in
a :class:`SuggestionEntry`, and it wins over a date read in the body.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import parse_qsl, urljoin, urlsplit

from parsel import Selector
from scrapy.http import Request, Response, TextResponse

from crawler.base import ListEntry, RegwatchSpider
from crawler.encoding import page_text
from crawler.extract import attachments_in, block_text, extension_of, file_name_in
from crawler.parsing import (
    detect_doc_type,
    find_comment_deadline,
    find_effective_date,
    find_head_doc_number,
    is_draft_for_comment,
    parse_date,
    parse_datetime,
)
from crawler.urls import query_int, with_query
from model.document import Attachment, Document

HOST = "www.tc260.org.cn"
SITE = f"https://{HOST}/"
COMMITTEE = "全国网络安全标准化技术委员会"
OLD_COMMITTEE = "全国信息安全标准化技术委员会"
SECRETARIAT = COMMITTEE + "秘书处"
OLD_SECRETARIAT = OLD_COMMITTEE + "秘书处"
LEGACY_PAGE_LENGTH = 10
PORTAL = "portal"
LEGACY = "legacy"

_JUMP_DETAIL = re.compile(
    r"jumpDetail\s*\(\s*(?P<q>['\"]?)\s*(?P<id>[0-9A-Za-z_-]{6,64})\s*(?P=q)"
    r"(?:\s*,\s*(?P<q2>['\"]?)\s*(?P<deadline>[^'\",)]*?)\s*(?P=q2))?\s*[,)]"
)
_DATE = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}(?!\d)\s*日?")
_DATE_LINE = re.compile(
    r"^\s*(?:(?:发布|发文|更新)?(?:时间|日期)\s*[:：]\s*)?"
    r"(?:19|20)\d{2}\s*[-./年]\s*\d{1,2}\s*[-./月]\s*\d{1,2}\s*日?"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
)
_LABELLED_DATE = re.compile(r"(?:发布|发文|更新)(?:时间|日期)\s*[:：]\s*(" + _DATE.pattern + ")")
_DEADLINE_WORD = re.compile(r"截[止至]")
_TC260_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])TC260-(?:PG-\d{5,6}[A-Z]|TR-\d{3}-\d{4}|\d{3})(?![A-Za-z0-9])"
)
_TC260_KIND = {"PG": "实践指南", "TR": "技术报告"}
_GB_NUMBER = re.compile(r"(?<![A-Za-z])GB(?:/[TZ])?\s*\d+(?:\.\d+)?\s*[—–-]\s*\d{4}(?!\d)")
_HEAD_LINES = 5
_INNER_TITLE = re.compile(r"《([^《》]+)》")
_SITE_SUFFIX = re.compile(
    r"\s*(?:[-_|｜—–]+\s*)?(?:全国(?:网络|信息)安全标准化技术委员会|TC260)[^-_|｜—–]*$"
)
_ARTICLE_PATH = re.compile(r"^/portal/article/\d+/(?:\d{14}|[0-9A-Fa-f]{32})/?$")
# Ids seen are 32 hex digits; any URL-safe id of another length is accepted too, so a change
# of id scheme does not silently drop drafts for comment.
_SUGGESTION_PATH = re.compile(r"^/portal/suggestion-detail/[0-9A-Za-z_-]{6,64}/?$")
_LEGACY_ID = re.compile(r"^\d{14}$")
_TITLE_NODES = (
    "div.news_end_title",
    ".detail-title",
    ".article-title",
    ".advice-title",
    "h1",
    "h2",
    ".title",
)
_BODY_NODES = (
    "div.info",
    "div.advice-c",
    "div.article-content",
    "div.detail-content",
    "div.content",
    "div.TRS_Editor",
    "article",
)
_DATE_NODES = (
    "[class*=date]",
    "[class*=time]",
    "[class*=Date]",
    "[class*=Time]",
)
_ATTACHMENT_LINKS = "a[href*='/sysFile/downloadFile/'], a[href*='/upload/']"


@dataclass(frozen=True)
class SuggestionEntry(ListEntry):
    """A 征求意见 list row: its deadline (YYYY-MM-DD) is the comment deadline."""

    deadline: str = ""


class Tc260Spider(RegwatchSpider):
    name = "tc260"

    async def start(self) -> AsyncIterator[Request]:
        """The enabled channels' lists, then re-checks of recent documents."""
        for channel in self.channels_to_poll():
            parse = self.parse_links if channel.format == "links" else self.parse_suggestions
            yield self.list_request(
                channel.url, channel.name, callback=parse, headers={"Referer": SITE}
            )
        for request in self.recheck_requests():
            yield request

    def parse_suggestions(self, response: Response) -> Iterator[Request]:
        """A 征求意见 list of either generation, recognised by its markup (SITES.md §4.1)."""
        if self.list_unchanged(response):
            return
        channel = response.meta["channel"]
        page = response.meta.get("page", 1)
        text = _text_of(response)
        generation, entries = suggestion_entries(text, response.url, channel)
        if not entries and not (generation == LEGACY and page > 1):
            why = "no 征求意见 items (neither the portal div.item nor the /front/ list markup)"
            self.unexpected_page(response, "list", why)
            return
        self.list_parsed(response, len(entries))
        yield from self.detail_requests([e for e in entries if self.wanted(e)])
        # The portal list's paging parameters were never seen (SITES.md §4.1, unverified):
        # only its first page is read. The legacy list pages by ``start`` in steps of
        # ``length``, and a short page is the last one.
        full = generation == LEGACY and len(entries) >= _page_length(response.url)
        if full and self.next_page_wanted(entries, page):
            yield self.page_request(
                next_legacy_page(response.url),
                response,
                page + 1,
                callback=self.parse_suggestions,
                headers={"Referer": response.url},
            )

    def parse_links(self, response: Response) -> Iterator[Request]:
        """Every article (and suggestion) link of a page such as the home page."""
        if self.list_unchanged(response):
            return
        entries = link_entries(_text_of(response), response.url, response.meta["channel"])
        if not entries:
            self.unexpected_page(response, "list", "no article or suggestion links found")
            return
        self.list_parsed(response, len(entries))
        yield from self.detail_requests([e for e in entries if self.wanted(e)])

    def extract(self, page: str, url: str, entry: ListEntry | None) -> Document | None:
        return extract_document(page, url, entry)


def _text_of(response: Response) -> str:
    """The page decoded by :func:`page_text`; "" for a body that is not text (no markup)."""
    return page_text(response) if isinstance(response, TextResponse) else ""


# --- lists ------------------------------------------------------------------------------------


def suggestion_entries(page: str, url: str, channel: str) -> tuple[str, list[ListEntry]]:
    """(generation, entries) of a 征求意见 list page; generation "" when neither is seen."""
    sel = Selector(text=page)
    entries = portal_entries(sel, url, channel)
    if entries:
        return PORTAL, entries
    entries = legacy_entries(sel, url, channel)
    if entries or sel.css("ul.list-group"):
        return LEGACY, entries
    return "", []


def portal_entries(sel: Selector, url: str, channel: str) -> list[ListEntry]:
    """Rows of the portal list: ``jumpDetail('<32 hex>','<deadline>')`` anchors.

    The anchor's ``div.item`` (else its parent) gives the published date in its last date
    ``span``. A row without a readable ``jumpDetail`` call is skipped: it has no detail page.
    """
    found: dict[str, ListEntry] = {}
    for anchor in sel.css("a[onclick*=jumpDetail], a[href*=jumpDetail]"):
        call = (anchor.attrib.get("onclick") or "") + " " + (anchor.attrib.get("href") or "")
        match = _JUMP_DETAIL.search(call)
        if match is None:
            continue
        detail = urljoin(url, f"/portal/suggestion-detail/{match['id'].lower()}")
        row = anchor.xpath("ancestor::div[contains(concat(' ', @class, ' '), ' item ')][1]")
        container = row[0] if row else anchor.xpath("..")[0]
        entry = SuggestionEntry(
            url=detail,
            title=_link_title(anchor),
            channel=channel,
            published=_last_date_span(container, anchor),
            deadline=_iso(match["deadline"] or ""),
        )
        found.setdefault(detail, entry)
    return list(found.values())


def legacy_entries(sel: Selector, url: str, channel: str) -> list[ListEntry]:
    """Rows of ``/front/bzzqyjList.html``: a link and "[截至日期:YYYY-MM-DD]"."""
    found: dict[str, ListEntry] = {}
    for row in sel.css("ul.list-group > li.list_title_news, li.list-group-item.list_title_news"):
        anchor = row.css("a[href]")
        if not anchor:
            continue
        href = (anchor[0].attrib.get("href") or "").strip()
        if not href or href.lower().startswith("javascript"):
            continue
        detail = urljoin(url, href)
        deadline = " ".join(row.css("span.list_time ::text").getall())
        entry = SuggestionEntry(
            url=detail,
            title=_link_title(anchor[0]),
            channel=channel,
            deadline=_iso(deadline),
        )
        found.setdefault(detail, entry)
    return list(found.values())


def link_entries(page: str, url: str, channel: str) -> list[ListEntry]:
    """Article, legacy post and suggestion links of a page, deduplicated, in page order.

    Titles come from the link text, or from the ``title`` attribute when that is longer
    (home-page lists cut long titles); a date in a ``span`` beside the link is kept.
    """
    sel = Selector(text=page)
    found: dict[str, ListEntry] = {}
    for entry in portal_entries(sel, url, channel):
        found[entry.url] = entry
    for anchor in sel.css("a[href]"):
        target = urljoin(url, (anchor.attrib.get("href") or "").strip())
        if not is_detail_url(target):
            continue
        entry = ListEntry(
            url=target,
            title=_link_title(anchor),
            channel=channel,
            published=_last_date_span(anchor.xpath("..")[0], anchor),
        )
        known = found.get(target)
        if known is None or (not known.title and entry.title):
            found[target] = entry
    return list(found.values())


def is_detail_url(url: str) -> bool:
    """Whether ``url`` is a TC260 document page: a portal article or suggestion, or a
    legacy ``postDetail`` / ``bzzqyjDetail`` page."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() != HOST:
        return False
    if _ARTICLE_PATH.match(parts.path) or _SUGGESTION_PATH.match(parts.path):
        return True
    query = dict(parse_qsl(parts.query))
    if parts.path == "/front/postDetail.html":
        return bool(_LEGACY_ID.match(query.get("id", "")))
    if parts.path == "/front/bzzqyjDetail.html":
        return bool(_LEGACY_ID.match(query.get("id", "")))
    return False


def next_legacy_page(url: str) -> str:
    """The legacy list URL with ``start`` moved on by ``length`` (other parameters kept)."""
    start = query_int(url, "start", 0)
    return with_query(url, "start", str(start + _page_length(url)))


def _page_length(url: str) -> int:
    """The ``length`` (rows per page) a legacy list URL asks for."""
    return query_int(url, "length", LEGACY_PAGE_LENGTH)


def _link_title(anchor: Selector) -> str:
    """The link text, or its ``title`` attribute when that is longer (a cut title)."""
    text = " ".join(block_text(anchor.get()).split())
    attribute = " ".join((anchor.attrib.get("title") or "").split())
    return attribute if len(attribute) > len(text) else text


def _last_date_span(container: Selector, anchor: Selector) -> str:
    """The last ``span`` holding a date in ``container``, outside the link itself."""
    link_spans = set(anchor.css("span").getall())
    dates = [
        " ".join(span.css("::text").getall()).strip()
        for span in container.css("span")
        if span.get() not in link_spans
    ]
    dates = [d for d in dates if _DATE.search(d) and not _DEADLINE_WORD.search(d)]
    return _iso(dates[-1]) if dates else ""


def _iso(text: str) -> str:
    """The first date in ``text`` as YYYY-MM-DD, or ""."""
    day = parse_date(text) if text else None
    return day.isoformat() if day else ""


# --- detail pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Page:
    """What one detail template yields before the facts are worked out."""

    title: str
    date_text: str
    body: str
    attachments: list[Attachment]
    suggestion: bool


def extract_document(page: str, url: str, entry: ListEntry | None = None) -> Document | None:
    """A Document from a TC260 detail page of either generation; None without title or body."""
    sel = Selector(text=page)
    parsed = _legacy_page(sel, url) if sel.css("div.news_end") else _portal_page(sel, url)
    title = parsed.title or (entry.title if entry else "")
    if not title or not parsed.body:
        return None
    body = parsed.body
    signed = _signed_on(body)
    published = _published_at(parsed.date_text, signed, entry)
    day = published.date() if published else None
    draft = (
        parsed.suggestion or isinstance(entry, SuggestionEntry) or is_draft_for_comment(title, body)
    )
    number = doc_number(title, body, draft)
    old_name = _uses_old_name(title + "\n" + body)
    return Document(
        url=url,
        source="tc260",
        title=title,
        lang="zh",
        published_at=published,
        issuers=[OLD_SECRETARIAT if old_name else SECRETARIAT],
        doc_number=number,
        doc_type=doc_type(title, number),
        is_draft_for_comment=draft,
        comment_deadline=_comment_deadline(entry, body, day) if draft else None,
        effective_date=find_effective_date(body, day),
        written_on=signed,
        publisher=OLD_COMMITTEE if old_name else COMMITTEE,
        body_text=body,
        attachments=parsed.attachments,
    )


def _legacy_page(sel: Selector, url: str) -> _Page:
    """``div.news_end``: a title line, a date line ``YYYY-MM-DD``, then the body paragraphs."""
    block = sel.css("div.news_end")[0]
    lines = block_text(block.get()).splitlines()
    heading = _first_text(block, _TITLE_NODES)
    title_at = lines.index(heading) if heading in lines else (0 if lines else -1)
    date_at = next((i for i, line in enumerate(lines[:6]) if _DATE_LINE.match(line)), -1)
    title = lines[title_at] if title_at >= 0 else ""
    body = "\n".join(line for i, line in enumerate(lines) if i not in (title_at, date_at))
    return _Page(
        title=title,
        date_text=lines[date_at] if date_at >= 0 else "",
        body=body,
        attachments=_legacy_attachments(block, url),
        suggestion="/front/bzzqyjDetail" in url,
    )


def _legacy_attachments(block: Selector, url: str) -> list[Attachment]:
    """Links in the body plus the ``span#APP_n`` download links, whose extension may be
    known only from the link text."""
    found = {a.url: a for a in attachments_in(block, url)}
    for anchor in block.css("span[id^=APP_] a[href]"):
        href = (anchor.attrib.get("href") or "").strip()
        target = urljoin(url, href)
        if not href or urlsplit(target).scheme not in ("http", "https") or target in found:
            continue
        name = " ".join(block_text(anchor.get()).split()) or file_name_in(target)
        found[target] = Attachment(name=name, url=target, extension=extension_of(target, name))
    return list(found.values())


def _portal_page(sel: Selector, url: str) -> _Page:
    """A portal suggestion or article page.

    The suggestion body is ``div.info`` (else ``div.advice-c``, SITES.md §4.3). The article
    template was never seen (SITES.md §4.1, unverified): the body is the first known content
    container, else the element holding the most paragraphs; the title the page heading,
    else ``<title>`` without the site name.
    """
    suggestion = bool(_SUGGESTION_PATH.match(urlsplit(url).path))
    container = _body_container(sel)
    title = _portal_title(sel)
    body = _body_text(container, title) if container is not None else ""
    return _Page(
        title=title,
        date_text=_page_date(sel),
        body=body,
        attachments=_portal_attachments(sel, container, url),
        suggestion=suggestion,
    )


def _body_container(sel: Selector) -> Selector | None:
    """The main-text element: a known container, else the one with the most paragraphs."""
    for css in _BODY_NODES:
        for node in sel.css(css):
            if block_text(node.get()):
                return node
    best, most = None, 1
    for node in sel.xpath("//div | //section | //td"):
        paragraphs = len(node.xpath("./p"))
        if paragraphs > most:
            best, most = node, paragraphs
    return best


def _body_text(container: Selector, title: str) -> str:
    """Text of the main container without what a broad container also holds: the attachment
    list, the date line and the heading repeating the title."""
    html = container.get()
    nested = container.css(", ".join(("div.list", *_DATE_NODES)))
    headings = container.css("h1, h2, h3, h4, [class*=title]")
    nested += [h for h in headings if " ".join(block_text(h.get()).split()) == title]
    for node in nested:
        html = html.replace(node.get(), "\n", 1)
    return block_text(html)


def _portal_title(sel: Selector) -> str:
    """The page heading (not the site name), else ``<title>`` without the site suffix."""
    heading = _first_text(sel, _TITLE_NODES)
    if heading:
        return heading
    title = " ".join((sel.css("title::text").get() or "").split())
    return _SITE_SUFFIX.sub("", title).strip()


def _first_text(sel: Selector, selectors: tuple[str, ...]) -> str:
    """The first non-empty text of the given selectors that is not the committee's name."""
    for css in selectors:
        for node in sel.css(css):
            text = " ".join(block_text(node.get()).split())
            if text and not _is_site_name(text):
                return text
    return ""


def _is_site_name(text: str) -> bool:
    """Whether a heading is only the site's name (a logo), not a document title."""
    bare = re.sub(r"[\s（）()]|TC260|SAC/TC\s*260", "", text)
    return bare in ("", COMMITTEE, OLD_COMMITTEE, "首页")


def _page_date(sel: Selector) -> str:
    """A publication date shown on the page: a date/time element, else "发布时间：…"."""
    for css in _DATE_NODES:
        for node in sel.css(css):
            text = " ".join(node.css("::text").getall())
            if _DATE.search(text) and not _DEADLINE_WORD.search(text):
                return text
    labelled = _LABELLED_DATE.search(" ".join(sel.css("body ::text").getall()))
    return labelled.group(1) if labelled else ""


def _portal_attachments(sel: Selector, container: Selector | None, url: str) -> list[Attachment]:
    """Files in the attachment list, the main text and any download link on the page.

    ``/sysFile/downloadFile/<id>`` URLs carry no extension: it is read from the link text
    (``…征求意见稿文本.pdf``), SITES.md §4.3.
    """
    found: dict[str, Attachment] = {}
    scopes = [*sel.css("div.list"), *([container] if container is not None else [])]
    for scope in scopes:
        for attachment in attachments_in(scope, url):
            found.setdefault(attachment.url, attachment)
    for anchor in sel.css(_ATTACHMENT_LINKS):
        target = urljoin(url, (anchor.attrib.get("href") or "").strip())
        name = " ".join(block_text(anchor.get()).split()) or file_name_in(target)
        extension = extension_of(target, name)
        if extension and target not in found:
            found[target] = Attachment(name=name, url=target, extension=extension)
    return list(found.values())


# --- facts ------------------------------------------------------------------------------------


def doc_number(title: str, body: str, draft: bool) -> str:
    """The number of the instrument a page releases, else the notice's 文号.

    The instrument's number is a national standard's (``GB/T 47020—2026``) or TC260's own (a
    practice guide ``TC260-PG-20252A``, a technical document ``TC260-003``, a report
    ``TC260-TR-005-2026``) named once in the title, else a TC260 number named once in the
    first lines of the body (national standards the body cites are what the guide serves,
    not what it is). A page naming several releases a batch, known by its 文号
    (``网安秘字〔2026〕34号``, on a line under the title). A draft has no number of its own
    yet: a number in its text is a reference, so a draft only ever gets a 文号.
    """
    head = "\n".join(body.splitlines()[:_HEAD_LINES])
    if not draft:
        for numbers in (instrument_numbers(title), tc260_numbers(head)):
            if len(numbers) == 1:
                return numbers[0]
            if numbers:
                break
    return find_head_doc_number(head, len(head))


def instrument_numbers(text: str) -> list[str]:
    """National-standard and TC260 document numbers in ``text``, each once, in order."""
    folded = unicodedata.normalize("NFKC", text)
    found = [(m.start(), m.group()) for m in _TC260_NUMBER.finditer(folded)]
    found += [(m.start(), m.group()) for m in _GB_NUMBER.finditer(text)]
    return list(dict.fromkeys(number for _, number in sorted(found)))


def tc260_numbers(text: str) -> list[str]:
    """TC260 document numbers in ``text``, each once, in order of appearance."""
    found = _TC260_NUMBER.findall(unicodedata.normalize("NFKC", text))
    return list(dict.fromkeys(found))


def doc_type(title: str, number: str = "") -> str:
    """标准 or 实践指南 when the title names one (inside 《》 or bare), else the kind a TC260
    number says, else the title's own type (通知 for notices)."""
    inner = _INNER_TITLE.search(title)
    for candidate in ([inner.group(1)] if inner else []) + [title]:
        kind = detect_doc_type(candidate)
        if kind in ("标准", "实践指南"):
            return kind
    if number.startswith("TC260-"):
        part = number.split("-")[1]
        return _TC260_KIND.get(part, "技术文件")
    return detect_doc_type(title) or ""


def _published_at(date_text: str, signed: date | None, entry: ListEntry | None) -> datetime | None:
    """The page's date, else the date under the signature, else the list's date.

    What the page says comes first because a re-check has no list entry: a document whose
    date came from the list on the first poll and from nowhere on a re-check would look
    amended (the stored fingerprint includes the publication time).
    """
    for candidate in (
        date_text,
        signed.isoformat() if signed else "",
        entry.published if entry else "",
    ):
        moment = parse_datetime(candidate) if candidate else None
        if moment is not None:
            return moment
    return None


def _comment_deadline(entry: ListEntry | None, body: str, day: date | None) -> date | None:
    """The list's deadline (the site's own field), else one stated in the body."""
    listed = parse_date(entry.deadline) if isinstance(entry, SuggestionEntry) else None
    return listed or find_comment_deadline(body, day)


def _signed_on(body: str) -> date | None:
    """The date line under the signature of a notice (its 成文日期): the last line of the
    body holding only a date (an attachment list may follow it)."""
    for line in body.splitlines()[::-1]:
        if _DATE_LINE.match(line):
            return parse_date(line)
    return None


def _uses_old_name(text: str) -> bool:
    """Whether the page names the committee by its former name only."""
    return OLD_COMMITTEE in text and COMMITTEE not in text
