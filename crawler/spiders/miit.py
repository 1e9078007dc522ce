"""www.miit.gov.cn (工业和信息化部): column pages read through the jpaas unit API, and search.

Follows SITES.md §2 and the recommendation of §6.2. A column page is a JavaScript shell
(§2.1 a): its ``script[parseType=buildstatic]`` names the unit API and carries the query
(``queryData``); the list is the HTML fragment in the API's ``data.html``. The Elasticsearch
search API (§2.1 b) is a second route (channel ``format = "search"``). Detail pages are the
``#con_con`` template of §2.3. Challenge answers (403/412/521, or a 200 page setting a cookie
from a script, §2.4) put the source in ``blocked``; nothing here tries to get past them.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from parsel import Selector
from scrapy.http import Request, Response, TextResponse
from w3lib.html import remove_tags, remove_tags_with_content

from crawler.base import ListEntry, RegwatchSpider
from crawler.encoding import page_text
from crawler.extract import attachments_in, block_text, cell_pairs, first_node, label_table
from crawler.parsing import (
    detect_doc_type,
    find_comment_deadline,
    find_effective_date,
    find_head_doc_number,
    is_draft_for_comment,
    parse_date,
    parse_datetime,
)
from crawler.urls import query_int, query_value, with_query
from model.document import Attachment, Document
from model.glossary import Issuer, load_glossary

UNIT_API_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
"""The unit API path every column page seen so far names (SITES.md §2.1 a); used only when a
page's script has no ``url`` attribute."""
API_ACCEPT = "application/json, text/plain, */*"
MIIT_HOSTS = ("www.miit.gov.cn", "wap.miit.gov.cn", "jyhwzhq.miit.gov.cn")
"""Hosts attachments are served from (SITES.md §2.3); the same list as the source's hosts."""
HEAD_CHARS = 200
"""How much of the body's start holds the 文号 line (after the title, before the addressees)."""
BODY_SELECTORS = ("#con_con", ".xxgk_con", ".article_con", ".con_text")
LIST_CONTAINERS = ("clist_con", "lmy_main_rb")

_PAIR = re.compile(
    r"""['"]?(?P<key>[A-Za-z_$][\w$]*)['"]?\s*:\s*"""
    r"""(?:'(?P<sq>(?:[^'\\]|\\.)*)'|"(?P<dq>(?:[^"\\]|\\.)*)"|(?P<bare>[^,'"}\s][^,}]*))"""
)
_ESCAPED = re.compile(r"\\(.)")
_SOURCE_LINE = re.compile(r"来\s*源\s*[:：]\s*([^\s|｜:：]+)")
_SIGNATURE_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")
_WEBSITE = re.compile(r"网站$|门户$|网$")

NextPage = Callable[[Response, list[ListEntry]], Request]


class ListError(ValueError):
    """A list answer that is not the JSON or HTML expected."""


class MiitSpider(RegwatchSpider):
    name = "miit"

    async def start(self) -> AsyncIterator[Request]:
        """Each channel's column page or search query, then re-checks of recent documents."""
        self.column_urls: dict[str, str] = {}
        for channel in self.channels_to_poll():
            if channel.format == "search":
                yield self.list_request(channel.url, channel.name, callback=self.parse_search)
            else:
                yield self.column_request(channel.url, channel.name)
        for request in self.recheck_requests():
            yield request

    # -- column pages (SITES.md §2.1 a) ----------------------------------------------------

    def column_request(self, url: str, channel: str) -> Request:
        """A plain GET of the column shell: it does not change when its list does, so a 304
        on it must never skip the list (only the API answer is fetched conditionally)."""
        self.column_urls[channel] = url
        return Request(
            url,
            callback=self.parse_column,
            errback=self.on_error,
            dont_filter=True,
            meta={"channel": channel},
        )

    def parse_column(self, response: Response) -> Iterator[Request]:
        """The column shell → the unit API request, with the page as Referer.

        Scrapy's cookie middleware sends the shell's Set-Cookie back on the API call, as a
        browser would (SITES.md §2.4: the API refuses bare requests).
        """
        channel = response.meta["channel"]
        script = build_script(_selector(response))
        api_url = unit_api_url(response.url, script) if script is not None else None
        if api_url is None:
            why = "no script[parseType=buildstatic] with a readable queryData"
            self.unexpected_page(response, "list", why)
            return
        self.column_urls[channel] = response.url
        yield self.list_request(
            api_url, channel, callback=self.parse_unit, headers=self._api_headers(channel)
        )

    def parse_unit(self, response: Response) -> Iterator[Request]:
        """A unit API answer: list entries in ``data.html``; then maybe the next page."""
        if self.list_unchanged(response):
            return
        channel = response.meta["channel"]
        try:
            entries = unit_entries(response.body, response.url, channel)
        except ListError as exc:
            self.unexpected_page(response, "list", str(exc))
            return
        yield from self._listed(response, entries, self._next_unit_page)

    def _next_unit_page(self, response: Response, entries: list[ListEntry]) -> Request:
        """Page N+1 through ``paramJson`` (SITES.md §2.1 a, unverified for MIIT: a server that
        ignores it answers page 1 again, which :meth:`_listed` notices and stops on)."""
        page = response.meta.get("page", 1) + 1
        size = response.meta.get("page_size") or len(entries)
        return self.page_request(
            with_page_param(response.url, page, size),
            response,
            page,
            callback=self.parse_unit,
            headers=self._api_headers(response.meta["channel"]),
            meta={"seen": _seen(response, entries), "page_size": size},
        )

    def _api_headers(self, channel: str) -> dict[str, str]:
        referer = self.column_urls.get(channel, "")
        return {"Referer": referer, "Accept": API_ACCEPT} if referer else {"Accept": API_ACCEPT}

    # -- search API (SITES.md §2.1 b) --------------------------------------------------------

    def parse_search(self, response: Response) -> Iterator[Request]:
        """A search API answer (either result shape), deduplicated by URL; then maybe ``p+1``."""
        if self.list_unchanged(response):
            return
        channel = response.meta["channel"]
        try:
            entries, total = search_entries(response.body, response.url, channel)
        except ListError as exc:
            self.unexpected_page(response, "list", str(exc))
            return
        size = _page_size(response.url) or len(entries)
        more = total is None or response.meta.get("page", 1) * size < total
        yield from self._listed(response, entries, self._next_search_page if more else None)

    def _next_search_page(self, response: Response, entries: list[ListEntry]) -> Request:
        page = response.meta.get("page", 1) + 1
        return self.page_request(
            with_query_param(response.url, "p", str(page)),
            response,
            page,
            callback=self.parse_search,
            meta={"seen": _seen(response, entries)},
        )

    # -- both list routes --------------------------------------------------------------------

    def _listed(
        self, response: Response, entries: list[ListEntry], next_page: NextPage | None
    ) -> Iterator[Request]:
        """Count the entries, request the wanted details, and follow the next page (when the
        list has one) while :meth:`next_page_wanted` says so. A later page holding only URLs
        already listed means the server ignored the page parameter: it is not counted and
        paging stops there."""
        page = response.meta.get("page", 1)
        seen = set(response.meta.get("seen", ()))
        if page > 1 and entries and {e.url for e in entries} <= seen:
            return
        self.list_parsed(response, len(entries))
        yield from self.detail_requests([e for e in entries if self.wanted(e)])
        if next_page is not None and self.next_page_wanted(entries, page):
            yield next_page(response, entries)

    # -- detail pages (SITES.md §2.3) --------------------------------------------------------

    def extract(self, page: str, url: str, entry: ListEntry | None) -> Document | None:
        return extract_document(page, url, entry)


# -- the column shell ---------------------------------------------------------------------------


def _selector(response: Response) -> Selector:
    """The page parsed (an empty one when the answer is not text, e.g. a binary file)."""
    text = page_text(response) if isinstance(response, TextResponse) else ""
    return Selector(text=text or "<html></html>")


def build_script(sel: Selector) -> dict[str, str] | None:
    """Attributes (names lower-cased) of the list's ``script[parseType=buildstatic]``.

    lxml lower-cases attribute names when parsing HTML (``parsetype``, ``querydata``), so
    names are compared without case. A script inside the list container is preferred over
    one elsewhere on the page (SITES.md §2.1 a: ``div.clist_con``, ``div.lmy_main_rb``).
    """
    found = []
    for script in sel.xpath("//script"):
        attrs = {k.lower(): v for k, v in script.attrib.items()}
        if attrs.get("parsetype", "").strip().lower() == "buildstatic":
            container = " ".join(script.xpath("ancestor::div/@class").getall())
            found.append((not any(c in container for c in LIST_CONTAINERS), attrs))
    return min(found, key=lambda item: item[0])[1] if found else None


def parse_query_data(text: str | None) -> dict[str, str]:
    """``queryData`` (pseudo-JSON, usually single-quoted) as request parameters.

    Tolerant: real JSON, single or double quotes, unquoted keys, escaped quotes, HTML
    entities, trailing commas and bare values (``null``, numbers) are all read; anything
    unreadable gives ``{}``.
    """
    text = html.unescape(text or "").strip()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return {str(key): _param(value) for key, value in data.items()}
    params = {}
    for m in _PAIR.finditer(text):
        quoted = m["sq"] if m["sq"] is not None else m["dq"]
        value = _ESCAPED.sub(r"\1", quoted) if quoted is not None else m["bare"].strip()
        params[m["key"]] = value
    return params


def _param(value: Any) -> str:
    """A JSON value as a query parameter, spelled as the page's script would send it."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(value)  # null, true, false, numbers


def unit_api_url(column_url: str, script: dict[str, str]) -> str | None:
    """The unit API URL for a column page's build script; None when queryData is unreadable."""
    params = parse_query_data(script.get("querydata"))
    if not params:
        return None
    path = (script.get("url") or "").strip() or UNIT_API_PATH
    return urljoin(column_url, path) + "?" + urlencode(params)


def with_query_param(url: str, name: str, value: str) -> str:
    """``url`` with query parameter ``name`` set to ``value`` (added when absent)."""
    return with_query(url, name, value)


def with_page_param(url: str, page: int, size: int) -> str:
    """The unit API URL for page ``page``: ``paramJson={"pageNo":N,"pageSize":M}``, keeping
    any other keys (and the page size) of a ``paramJson`` the page already had."""
    try:
        param = json.loads(query_value(url, "paramJson") or "{}")
    except ValueError:
        param = {}
    if not isinstance(param, dict):
        param = {}
    param = {**param, "pageNo": page, "pageSize": param.get("pageSize") or size}
    return with_query_param(url, "paramJson", json.dumps(param, separators=(",", ":")))


def unit_entries(body: bytes, api_url: str, channel: str) -> list[ListEntry]:
    """Entries of a unit API answer: ``.page-content li`` of ``data.html``."""
    answer = _json(body)
    if not isinstance(answer, dict) or answer.get("success") is False:
        raise ListError(f"the unit API did not answer success: {_brief(answer)}")
    data = answer.get("data")
    fragment = data.get("html") if isinstance(data, dict) else None
    if not isinstance(fragment, str):
        raise ListError("the unit API answer has no data.html")
    sel = Selector(text=fragment or "<div></div>")
    if not sel.css(".page-content"):
        raise ListError("data.html has no .page-content list")
    return [e for li in sel.css(".page-content li") if (e := _unit_entry(li, api_url, channel))]


def _unit_entry(li: Selector, base: str, channel: str) -> ListEntry | None:
    """One ``li``: ``a[title]`` (else the link text), href (absolute or site-relative), date."""
    link = li.css("a[href]")
    if not link:
        return None
    href = (link[0].attrib.get("href") or "").strip()
    title = link[0].attrib.get("title") or " ".join(link[0].css("::text").getall())
    day = " ".join(li.css("span.fr::text").getall()).strip()
    if not href or href.startswith(("javascript:", "#")):
        return None
    return ListEntry(urljoin(base, href), " ".join(title.split()), channel, day)


# -- the search API -----------------------------------------------------------------------------


def search_entries(body: bytes, url: str, channel: str) -> tuple[list[ListEntry], int | None]:
    """Entries of a search answer (``groupData`` or flat shape), each URL once, and the
    ``totalCount`` when the answer gives one."""
    answer = _json(body)
    if not isinstance(answer, dict) or not _succeeded(answer):
        raise ListError(f"the search API did not answer success: {_brief(answer)}")
    data = answer.get("data")
    result = data.get("searchResult") if isinstance(data, dict) else None
    if not isinstance(result, dict) or not isinstance(result.get("dataResults"), list):
        raise ListError("the search answer has no data.searchResult.dataResults")
    rows = result["dataResults"]
    parts = urlsplit(url)
    site = f"{parts.scheme}://{parts.netloc}/"
    entries: dict[str, ListEntry] = {}
    for item in _search_items(rows):
        entry = _search_entry(item, site, channel)
        if entry is not None and entry.url not in entries:
            entries[entry.url] = entry
    if rows and not entries:
        raise ListError("no search result has a url")
    total = str(result.get("totalCount", ""))
    return list(entries.values()), int(total) if total.isdigit() else None


def _succeeded(answer: dict[str, Any]) -> bool:
    """``success`` true and ``code`` 200, where the answer has them."""
    if "success" in answer and answer["success"] is not True:
        return False
    return "code" not in answer or str(answer["code"]) == "200"


def _search_items(rows: list[Any]) -> Iterator[dict[str, Any]]:
    """The ``data`` objects of ``dataResults[].groupData[].data`` and ``dataResults[].data``."""
    for row in rows:
        if not isinstance(row, dict):
            continue
        groups = row.get("groupData")
        for holder in groups if isinstance(groups, list) else [row]:
            data = holder.get("data") if isinstance(holder, dict) else None
            if isinstance(data, dict):
                yield data


def _search_entry(item: dict[str, Any], site: str, channel: str) -> ListEntry | None:
    """One result: title without ``<em>`` highlights, site-relative url made absolute."""
    url = str(item.get("url") or "").strip()
    if not url:
        return None
    title = html.unescape(remove_tags(str(item.get("title") or item.get("title_text") or "")))
    published = str(item.get("deploytime") or item.get("jsearch_date") or "")
    return ListEntry(urljoin(site, url), " ".join(title.split()), channel, published)


def _page_size(url: str) -> int:
    """The ``pg`` (page size) of a search URL, or 0."""
    return query_int(url, "pg", 0)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ListError(f"not the JSON expected: {exc!r}"[:200]) from exc


def _brief(answer: Any) -> str:
    """A short rendering of an error answer for the health record."""
    return json.dumps(answer, ensure_ascii=False)[:120]


def _seen(response: Response, entries: list[ListEntry]) -> list[str]:
    """URLs listed so far on this list (earlier pages and this one)."""
    return [*response.meta.get("seen", ()), *(e.url for e in entries)]


# -- detail pages -------------------------------------------------------------------------------


def extract_document(page: str, url: str, entry: ListEntry | None = None) -> Document | None:
    """Extract a Document from an MIIT detail page; None when title or body is missing."""
    sel = Selector(text=page)
    body_sel = _body(sel)
    title = _title(sel) or (entry.title if entry else "")
    body = block_text(remove_tags_with_content(body_sel.get(), ("iframe",))) if body_sel else ""
    if not title or not body:
        return None
    table = _metadata(sel)
    published = _published_at(sel, table, entry)
    day = published.date() if published else None
    publisher = _publisher(sel, table)
    return Document(
        url=url,
        source="miit",
        title=title,
        lang="zh",
        published_at=published,
        issuers=_issuers(table, title, publisher),
        doc_number=table.get("发文字号", "") or head_doc_number(body),
        doc_type=detect_doc_type(title) or "",
        is_draft_for_comment=is_draft_for_comment(title, body),
        comment_deadline=find_comment_deadline(body, day),
        effective_date=find_effective_date(body, day),
        written_on=parse_date(table.get("成文日期", "")) or _signature_date(body),
        publisher=publisher,
        subject=table.get("分类", ""),
        body_text=body,
        attachments=_attachments(body_sel, url) if body_sel else [],
    )


def _body(sel: Selector) -> Selector | None:
    """The main text: ``#con_con``, else an older template's container."""
    return first_node(sel, BODY_SELECTORS)


def _title(sel: Selector) -> str:
    """``h1#con_title``, else ``<meta name="ArticleTitle">``."""
    heading = " ".join(" ".join(sel.css("#con_title ::text").getall()).split())
    return heading or (sel.css('meta[name="ArticleTitle"]::attr(content)').get() or "").strip()


def _metadata(sel: Selector) -> dict[str, str]:
    """The labelled metadata table (发文机关, 发文字号, 成文日期, 发布日期, 发布机构, 分类) that a
    third-party copy of a real 网络安全管理局 page shows above the title. SITES.md §2.3 does
    not know it (文号 "not a field on the page"), so every field also has another source."""
    for table in sel.css("table"):
        pairs = label_table(cell_pairs(table))
        if "发文字号" in pairs or "成文日期" in pairs:
            return pairs
    return {}


def _published_at(sel: Selector, table: dict[str, str], entry: ListEntry | None) -> Any:
    """``#con_time`` ("发布时间：YYYY-MM-DD HH:mm"), else PubDate, 发布日期 or the list date."""
    candidates = (
        " ".join(sel.css("#con_time ::text").getall()),
        sel.css('meta[name="PubDate"]::attr(content)').get(),
        table.get("发布日期"),
        entry.published if entry else None,
    )
    for candidate in candidates:
        parsed = parse_datetime(candidate) if candidate else None
        if parsed:
            return parsed
    return None


def _publisher(sel: Selector, table: dict[str, str]) -> str:
    """来源 from the ``div.cinfo`` line, else ``<meta name="ContentSource">`` or 发布机构."""
    line = " ".join(sel.css("div.cinfo ::text").getall())
    match = _SOURCE_LINE.search(line)
    if match and line[match.end() : match.end() + 1] not in (":", "："):  # not the next label
        return match.group(1)
    meta = (sel.css('meta[name="ContentSource"]::attr(content)').get() or "").strip()
    return meta or table.get("发布机构", "")


def _issuers(table: dict[str, str], title: str, publisher: str) -> list[str]:
    """发文机关 from the table, else organs named at the start of the title, else the 来源
    when it names an issuing organ (a bureau by its short name, never a website)."""
    if table.get("发文机关"):
        return table["发文机关"].replace("、", " ").split()
    from_title = title_issuers(title)
    if from_title:
        return from_title
    organ = source_issuer(publisher)
    return [organ.chinese] if organ else []


def title_issuers(title: str) -> list[str]:
    """Issuing organs before 关于 in the title, in the order named; none when the title
    starts by quoting another document (《…》解读)."""
    head = title.split("关于", 1)[0] if "关于" in title else ""
    if not head or head.lstrip().startswith("《"):
        return []
    found = load_glossary().issuers_in(head)
    return [i.chinese for i in sorted(found, key=lambda i: _position(head, i))]


def _position(text: str, issuer: Issuer) -> int:
    return min((text.find(n) for n in (issuer.chinese, *issuer.aliases) if n in text), default=0)


def source_issuer(publisher: str) -> Issuer | None:
    """The organ a 来源 names exactly: the ministry, or one of its bureaus by its short name
    (网络安全管理局 → 工业和信息化部网络安全管理局). A website (…网站) is no issuer."""
    name = publisher.strip()
    if not name or _WEBSITE.search(name):
        return None
    glossary = load_glossary()
    return glossary.issuer(name) or glossary.issuer("工业和信息化部" + name)


def head_doc_number(body: str) -> str:
    """The 文号 on a line of its own at the top of the body (see find_head_doc_number)."""
    return find_head_doc_number(body, HEAD_CHARS)


def _signature_date(body: str) -> date | None:
    """The date under the issuer's name at the foot of a notice (its 成文日期)."""
    lines = [line.strip() for line in body.splitlines()]
    glossary = load_glossary()
    for before, line in itertools.pairwise(lines):
        if _SIGNATURE_DATE.fullmatch(line) and glossary.issuer(before):
            return parse_date(line)
    return None


def _attachments(body: Selector, url: str) -> list[Attachment]:
    """Document links in the text on MIIT's hosts, relative links resolved against the page."""
    return [a for a in attachments_in(body, url) if urlsplit(a.url).hostname in MIIT_HOSTS]


__all__ = [
    "MiitSpider",
    "build_script",
    "extract_document",
    "head_doc_number",
    "parse_query_data",
    "search_entries",
    "unit_api_url",
    "unit_entries",
    "with_page_param",
]
