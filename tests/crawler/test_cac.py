"""The cac spider (www.cac.gov.cn, SITES.md §3): JsonList lists, paging, article pages, health.

Extraction runs on the bundled snapshot's saved pages, parsed from their raw bytes and
headers; every page has its expected facts in ``PAGES``. The list parser and the paging rule
run in process against a real store; the end-to-end crawls run ``regwatch crawl cac`` in a
subprocess, each on a database of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from config import load_settings
from config.sources import build, catalogue
from crawler.base import ListEntry
from crawler.encoding import page_text
from crawler.replay.tree import FixtureTree
from crawler.replay.writer import write_fixture
from crawler.spiders import gov_cn
from crawler.spiders.cac import CacSpider, extract_document, page_url, parse_json_list
from model.document import Document
from model.health import BLOCKED, FETCH_FAILED, OK, PARSE_SUSPECT, ChannelHealth
from storage import Store
from tests.crawler.govcn_pages import counts_in

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "fixtures" / "snapshot"
EDGE = ROOT / "fixtures" / "edge"
SITE = "https://www.cac.gov.cn/"
BEIJING = timezone(timedelta(hours=8))
JSON = "application/json;charset=UTF-8"
CHALLENGE = "<html><script>document.cookie='__jsl_clearance=1';location.reload()</script></html>"
NO_ORGAN_TITLE = "<h1 class=title>关于开展专项行动的通知</h1>"
GBK_LINE = "编码测试：堃、镕、喆（GBK 收录而 GB2312 未收录的字）。"
GB18030_LINE = "编码测试：𠀀（U+20000，仅 GB18030 可编码）、堃、镕、喆。"
CAC = "国家互联网信息办公室"
LIST = "https://www.cac.gov.cn/cms/JsonList?channelCode={}&perPage=20&pageno={}"


def cac(path: str) -> str:
    return SITE + path


ORDER_20 = cac("2025-10/17/c_1762453556731323.htm")  # joint 令第20号, 年月日 pubtime
AUDIT = cac("2025-02/14/c_1741283756361944.htm")  # 令第18号, dashed pubtime, 来源 in the info line
CERT_DRAFT = cac("2025-01/03/c_1737656756691368.htm")  # draft, PDF linked by /cms/… path
DATA_FLOWS = cac("2024-03/22/c_1712852756672097.htm")  # 令第16号
INTERVIEW = cac("2024-03/22/c_1712853056764430.htm")  # 答记者问, share widget in the body
GENAI_DRAFT = cac("2023-04/11/c_1682963756599420.htm")  # draft, ./P0….docx
ALGORITHMS = cac("2022-01/04/c_1643045756409934.htm")  # organs stacked one per line
REVIEW = cac("2022-01/04/c_1643045156415535.htm")  # thirteen organs on one line
PIPL = cac("2021-08/20/c_1631211956398557.htm")  # 主席令, no organ in the title
FACE = cac("2021-07/28/c_1629215756467010.htm")  # 法释〔2021〕15号
STRATEGY = cac("2016-12/27/c_1484562356965717.htm")  # older template, date only in meta
CSL = cac("2016-11/07/c_1480269356092191.htm")  # older template with span#pubtime
SEVEN_ORGANS = cac("2026-09/04/c_1790271981702331.htm")  # 中央网信办 alias in the title


@dataclass(frozen=True)
class Page:
    """What every bundled page must give."""

    path: str
    published: str
    doc_number: str
    issuers: tuple[str, ...]
    doc_type: str
    draft: bool
    deadline: str | None
    effective: str | None
    publisher: str = "中国网信网"


JOINT_8 = (
    "国家互联网信息办公室 国家发展和改革委员会 工业和信息化部 公安部 国家安全部 财政部 "
    "商务部 中国人民银行 国家市场监督管理总局 国家广播电视总局 中国证券监督管理委员会 "
    "国家保密局 国家密码管理局"
)
NPCSC = ("全国人民代表大会常务委员会",)
# fmt: off
PAGES = [
    Page("2026-09/04/c_1790271981702331.htm", "2026-09-04 17:20", "", ("中央网络安全和信息化委员会办公室",), "方案", False, None, None),  # noqa: E501
    Page("2026-09/03/c_1790185079976128.htm", "2026-09-03 17:12", "", (), "通知", False, None, None),  # noqa: E501
    Page("2026-09/02/c_1790099041364574.htm", "2026-09-02 17:18", "", ("中央网络安全和信息化委员会办公室",), "", False, None, None),  # noqa: E501
    Page("2026-09/01/c_1790011556066214.htm", "2026-09-01 17:00", "", (), "", False, None, None),
    Page("2025-10/17/c_1762453556731323.htm", "2025-10-17 18:00", "国家互联网信息办公室 国家市场监督管理总局令第20号", (CAC, "国家市场监督管理总局"), "办法", False, None, "2026-01-01"),  # noqa: E501
    Page("2025-02/14/c_1741283756361944.htm", "2025-02-14 17:30", "国家互联网信息办公室令第18号", (CAC,), "办法", False, None, "2025-05-01"),  # noqa: E501
    Page("2025-01/03/c_1737656756691368.htm", "2025-01-03 18:00", "", (CAC,), "通知", True, "2025-02-03", None),  # noqa: E501
    Page("2024-03/22/c_1712853056764430.htm", "2024-03-22 16:05", "", (CAC,), "答记者问", False, None, None),  # noqa: E501
    Page("2024-03/22/c_1712852756672097.htm", "2024-03-22 16:00", "国家互联网信息办公室令第16号", (CAC,), "规定", False, None, "2024-03-22"),  # noqa: E501
    Page("2023-10/24/c_1699896356517898.htm", "2023-10-24 17:00", "中华人民共和国国务院令第766号", ("国务院",), "条例", False, None, "2024-01-01", "新华社"),  # noqa: E501
    Page("2023-09/28/c_1697649956944457.htm", "2023-09-28 17:00", "", (CAC,), "通知", True, "2023-10-15", None),  # noqa: E501
    Page("2023-04/11/c_1682963756599420.htm", "2023-04-11 17:30", "", (CAC,), "通知", True, "2023-05-10", None),  # noqa: E501
    Page("2023-02/24/c_1678983956248498.htm", "2023-02-24 16:00", "国家互联网信息办公室令第13号", (CAC,), "办法", False, None, "2023-06-01"),  # noqa: E501
    Page("2022-09/09/c_1664472356447751.htm", "2022-09-09 17:00", "", (), "规定", False, None, "2022-09-30"),  # noqa: E501
    Page("2022-06/30/c_1658337956403316.htm", "2022-06-30 17:00", "", (CAC,), "通知", True, "2022-07-29", None),  # noqa: E501
    Page("2022-01/04/c_1643045756409934.htm", "2022-01-04 17:10", "国家互联网信息办公室 工业和信息化部 公安部 国家市场监督管理总局令第9号", (CAC, "工业和信息化部", "公安部", "国家市场监督管理总局"), "规定", False, None, "2022-03-01"),  # noqa: E501
    Page("2022-01/04/c_1643045156415535.htm", "2022-01-04 17:00", JOINT_8 + "令第8号", tuple(JOINT_8.split()), "办法", False, None, "2022-02-15"),  # noqa: E501
    Page("2021-11/14/c_1638638756872440.htm", "2021-11-14 17:00", "", (CAC,), "通知", True, "2021-12-13", None),  # noqa: E501
    Page("2021-10/29/c_1637256356820451.htm", "2021-10-29 17:00", "", (CAC,), "通知", True, "2021-11-28", None),  # noqa: E501
    Page("2021-08/20/c_1631211956398557.htm", "2021-08-20 18:00", "中华人民共和国主席令第九十一号", NPCSC, "法", False, None, "2021-11-01", "新华社"),  # noqa: E501
    Page("2021-08/20/c_1631208356326280.htm", "2021-08-20 17:00", "国家互联网信息办公室 国家发展和改革委员会 工业和信息化部 公安部 交通运输部令第7号", (CAC, "国家发展和改革委员会", "工业和信息化部", "公安部", "交通运输部"), "规定", False, None, "2021-10-01"),  # noqa: E501
    Page("2021-07/28/c_1629215756467010.htm", "2021-07-28 15:30", "法释〔2021〕15号", ("最高人民法院",), "规定", False, None, "2021-08-01", "最高人民法院"),  # noqa: E501
    Page("2021-06/10/c_1625081156052582.htm", "2021-06-10 19:00", "中华人民共和国主席令第八十四号", NPCSC, "法", False, None, "2021-09-01", "新华社"),  # noqa: E501
    Page("2019-12/20/c_1578590756587227.htm", "2019-12-20 17:00", "国家互联网信息办公室令第5号", (CAC,), "规定", False, None, "2020-03-01"),  # noqa: E501
    Page("2019-08/23/c_1568309156110513.htm", "2019-08-23 17:00", "国家互联网信息办公室令第4号", (CAC,), "规定", False, None, "2019-10-01"),  # noqa: E501
    Page("2017-05/02/c_1495473956261294.htm", "2017-05-02 17:00", "国家互联网信息办公室令第1号", (CAC,), "规定", False, None, "2017-06-01"),  # noqa: E501
    Page("2016-12/27/c_1484562356965717.htm", "2016-12-27 10:00", "", (), "", False, None, None),
    Page("2016-11/07/c_1480269356092191.htm", "2016-11-07 17:30", "中华人民共和国主席令第五十三号", NPCSC, "法", False, None, "2017-06-01", "新华社"),  # noqa: E501
]
# fmt: on
BY_URL = {cac(p.path): p for p in PAGES}


def response_for(fixture: Any) -> TextResponse:
    return HtmlResponse(url=fixture.url, body=fixture.body, headers=dict(fixture.headers))


@pytest.fixture(scope="module")
def tree() -> FixtureTree:
    return FixtureTree.load(SNAPSHOT)


@pytest.fixture(scope="module")
def topics(tree: FixtureTree) -> dict[str, ListEntry]:
    """Every list entry of every bundled JsonList answer, by URL."""
    found: dict[str, ListEntry] = {}
    for fixture in tree:
        if "/cms/JsonList" in fixture.url:
            for entry in parse_json_list(fixture.body, fixture.url, "x").entries:
                found[entry.url] = entry
    return found


@pytest.fixture(scope="module")
def docs(tree: FixtureTree) -> dict[str, Document]:
    pages = [f for f in tree if f.url.startswith(SITE) and f.url.endswith(".htm")]
    parsed = {f.url: extract_document(page_text(response_for(f)), f.url) for f in pages}
    assert all(parsed.values()), [u for u, d in parsed.items() if d is None]
    return parsed  # type: ignore[return-value]


# -- the bundled pages, field by field ---------------------------------------------------------


def test_every_bundled_page_is_in_the_table(docs: dict[str, Document]) -> None:
    assert set(docs) == set(BY_URL)


def test_every_listed_entry_has_its_page_and_every_page_is_listed(
    docs: dict[str, Document], topics: dict[str, ListEntry]
) -> None:
    assert set(topics) == set(docs)


@pytest.mark.parametrize("url", sorted(BY_URL))
def test_title_is_the_listed_topic(
    docs: dict[str, Document], topics: dict[str, ListEntry], url: str
) -> None:
    assert docs[url].title == topics[url].title


@pytest.mark.parametrize("url", sorted(BY_URL))
def test_published_at(docs: dict[str, Document], url: str) -> None:
    expected = datetime.strptime(BY_URL[url].published, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)
    assert docs[url].published_at == expected


@pytest.mark.parametrize("url", sorted(BY_URL))
def test_doc_number(docs: dict[str, Document], url: str) -> None:
    assert docs[url].doc_number == BY_URL[url].doc_number


@pytest.mark.parametrize("url", sorted(BY_URL))
def test_issuers(docs: dict[str, Document], url: str) -> None:
    assert tuple(docs[url].issuers) == BY_URL[url].issuers


@pytest.mark.parametrize("url", sorted(BY_URL))
def test_doc_type_and_draft_flag(docs: dict[str, Document], url: str) -> None:
    doc = docs[url]
    assert (doc.doc_type, doc.is_draft_for_comment) == (BY_URL[url].doc_type, BY_URL[url].draft)


@pytest.mark.parametrize("url", sorted(BY_URL))
def test_comment_deadline_and_effective_date(docs: dict[str, Document], url: str) -> None:
    doc, want = docs[url], BY_URL[url]
    assert (str(doc.effective_date) if doc.effective_date else None) == want.effective
    assert (str(doc.comment_deadline) if doc.comment_deadline else None) == want.deadline


@pytest.mark.parametrize("url", sorted(BY_URL))
def test_publisher(docs: dict[str, Document], url: str) -> None:
    assert docs[url].publisher == BY_URL[url].publisher


def test_pubtime_in_both_formats_is_read(tree: FixtureTree) -> None:
    """SITES.md §3.3 leaves the span#pubtime format unverified: the snapshot has both."""
    raw = {f.url: f.body.decode() for f in tree if f.url in (ORDER_20, AUDIT)}
    assert '<span id="pubtime">2025年10月17日 18:00</span>' in raw[ORDER_20]
    assert '<span id="pubtime">2025-02-14 17:30</span>' in raw[AUDIT]


def test_date_only_in_meta_pubdate_on_the_older_template(docs: dict[str, Document]) -> None:
    assert docs[STRATEGY].published_at == datetime(2016, 12, 27, 10, 0, tzinfo=BEIJING)
    assert docs[STRATEGY].body_text.startswith("经中央网络安全和信息化领导小组批准")


def test_joint_order_number_equals_the_gov_cn_spelling(
    docs: dict[str, Document], tree: FixtureTree
) -> None:
    """The header reads "国家互联网信息办公室 国家市场监督管理总局令" / "第20号" on CAC."""
    assert docs[ORDER_20].body_text.startswith(
        "国家互联网信息办公室 国家市场监督管理总局令\n第20号"
    )
    gov = next(f for f in tree if f.url.endswith("202510/content_7043652.htm"))
    gov_doc = gov_cn.extract_document(page_text(response_for(gov)), gov.url)
    assert gov_doc is not None
    assert docs[ORDER_20].doc_number == gov_doc.doc_number


def test_order_header_with_one_organ_per_line(docs: dict[str, Document]) -> None:
    assert docs[ALGORITHMS].body_text.startswith(
        "国家互联网信息办公室\n中华人民共和国工业和信息化部\n中华人民共和国公安部"
    )
    assert docs[ALGORITHMS].doc_number == (
        "国家互联网信息办公室 工业和信息化部 公安部 国家市场监督管理总局令第9号"
    )


@pytest.mark.parametrize(
    "gov_path, cac_url",
    [
        ("202510/content_7043652.htm", ORDER_20),
        ("202501/content_6996937.htm", CERT_DRAFT),
        ("202403/content_6940917.htm", DATA_FLOWS),
    ],
)
def test_documents_also_on_gov_cn_have_the_same_facts(
    docs: dict[str, Document], tree: FixtureTree, gov_path: str, cac_url: str
) -> None:
    """Same title, 文号, issuers and day, so storage merges the two sightings."""
    gov = next(f for f in tree if f.url.endswith(gov_path))
    theirs = gov_cn.extract_document(page_text(response_for(gov)), gov.url)
    mine = docs[cac_url]
    assert theirs is not None and mine.published_at and theirs.published_at
    assert (mine.title, mine.doc_number, mine.issuers) == (
        theirs.title,
        theirs.doc_number,
        theirs.issuers,
    )
    assert mine.published_at.date() == theirs.published_at.date()


def test_publisher_is_never_taken_for_an_issuer(docs: dict[str, Document]) -> None:
    """来源：中国网信网 / 新华社 name who published the page, not who issued the document."""
    for doc in docs.values():
        assert not {"中国网信网", "新华社"} & set(doc.issuers), doc.url
    assert docs[STRATEGY].publisher == "中国网信网" and docs[STRATEGY].issuers == []


def test_issuers_of_a_law_are_the_body_that_adopted_it(docs: dict[str, Document]) -> None:
    """No organ in the title, and the 主席令 names none: the adoption sentence does."""
    assert docs[PIPL].title == "中华人民共和国个人信息保护法"
    assert docs[PIPL].issuers == ["全国人民代表大会常务委员会"]


def test_alias_in_the_title_is_spelled_as_in_the_glossary(docs: dict[str, Document]) -> None:
    assert docs[SEVEN_ORGANS].title.startswith("中央网信办等七部门")
    assert docs[SEVEN_ORGANS].issuers == ["中央网络安全和信息化委员会办公室"]


def test_organs_missing_from_the_glossary_are_kept(docs: dict[str, Document]) -> None:
    assert "国家安全部" in docs[REVIEW].issuers and "国家保密局" in docs[REVIEW].issuers
    assert len(docs[REVIEW].issuers) == 13


def test_relative_docx_attachment_is_resolved_against_the_page(docs: dict[str, Document]) -> None:
    [docx] = docs[GENAI_DRAFT].attachments
    assert docx.url == cac("2023-04/11/P020230411396245187253.docx")
    assert (docx.name, docx.extension) == ("生成式人工智能服务管理办法（征求意见稿）.docx", "docx")


def test_absolute_cms_attachment_path_is_resolved(docs: dict[str, Document]) -> None:
    [pdf] = docs[CERT_DRAFT].attachments
    assert pdf.url == cac("cms/attachment/2025-01/03/P020250103605826381144.pdf")
    assert (pdf.name, pdf.extension) == ("个人信息出境个人信息保护认证办法（征求意见稿）", "pdf")


def test_only_the_two_drafts_have_attachments(docs: dict[str, Document]) -> None:
    assert {u for u, d in docs.items() if d.attachments} == {GENAI_DRAFT, CERT_DRAFT}


def test_written_on_is_the_date_under_the_signature(docs: dict[str, Document]) -> None:
    assert docs[ORDER_20].written_on == date(2025, 10, 14)
    assert docs[CERT_DRAFT].written_on == date(2025, 1, 3)
    assert docs[INTERVIEW].written_on is None


def test_body_has_no_chrome_no_script_and_no_share_widget(docs: dict[str, Document]) -> None:
    chrome = ("分享到", "shareTitle", "纠错", "主办单位", "当前位置", "来源", "首页", "打印")
    for doc in docs.values():
        assert not [c for c in chrome if c in doc.body_text], doc.url
        assert "\ufffd" not in doc.body_text and "_中央网络" not in doc.title


def test_share_widget_and_script_inside_the_body_are_dropped(tree: FixtureTree) -> None:
    raw = next(f for f in tree if f.url == INTERVIEW).body.decode()
    body = raw.split('id="BodyLabel">', 1)[1]
    assert "bdsharebuttonbox" in body and "<script" in body  # the page does carry them
    doc = extract_document(raw, INTERVIEW)
    assert doc is not None and doc.body_text.count("\n") == 2


def test_body_is_not_duplicated(docs: dict[str, Document]) -> None:
    for doc in docs.values():
        longest = max(doc.body_text.splitlines(), key=len)
        assert doc.body_text.count(longest) == 1, doc.url


def test_every_page_is_from_cac_in_beijing_time(docs: dict[str, Document]) -> None:
    for doc in docs.values():
        assert doc.source == "cac" and doc.lang == "zh"
        assert doc.published_at is not None and doc.published_at.utcoffset() == timedelta(hours=8)


# -- detail variants not in the snapshot -------------------------------------------------------


def page(body: str, *, head: str = "", info: str = "", title: str = "") -> str:
    """A minimal current-template article page."""
    return (
        f"<html><head><meta charset='utf-8'>{head}</head><body><div class='main'>"
        f"{title or '<h1 class=title>促进和规范数据跨境流动规定</h1>'}"
        f"<div class='info'>{info}</div>"
        f"<div id='BodyLabel'>{body}</div></div></body></html>"
    )


def test_source_span_without_the_label() -> None:
    html = page("<p>正文。</p>", info="<span id='pubtime'>2024-03-22 16:00</span>"
                "<span id='source'>国家互联网信息办公室网站</span>")  # fmt: skip
    doc = extract_document(html, DATA_FLOWS)
    assert doc is not None and doc.publisher == "国家互联网信息办公室网站"


def test_source_as_plain_text_in_the_info_line() -> None:
    info = "<span id='pubtime'>2024年03月22日 16:00</span>　来源： 国家互联网信息办公室"
    doc = extract_document(page("<p>正文。</p>", info=info), DATA_FLOWS)
    assert doc is not None
    assert doc.publisher == "国家互联网信息办公室"
    assert doc.issuers == []  # the 来源 names the publisher; the page names no issuer


def test_issuers_from_the_signature_when_the_title_names_none() -> None:
    body = (
        "<p>现将有关事项通知如下。</p><p>（来源：中国网信网）</p>"
        "<p>国家互联网信息办公室</p><p>2025年1月3日</p>"
    )
    doc = extract_document(page(body, title=NO_ORGAN_TITLE), CERT_DRAFT)
    assert doc is not None and doc.issuers == [CAC]


def test_no_issuer_from_a_signature_block_interrupted_by_running_text() -> None:
    body = "<p>国家互联网信息办公室</p><p>特此通知。</p><p>2025年1月3日</p>"
    doc = extract_document(page(body, title=NO_ORGAN_TITLE), CERT_DRAFT)
    assert doc is not None and doc.issuers == []


def test_order_number_on_one_line_and_in_brackets() -> None:
    doc = extract_document(page("<p>国家互联网信息办公室令（第16号）</p><p>正文。</p>"), DATA_FLOWS)
    assert doc is not None and doc.doc_number == "国家互联网信息办公室令第16号"


def test_a_number_cited_in_running_text_is_not_the_documents_number() -> None:
    body = "<p>根据《人工智能生成合成内容标识办法》（国信办通字〔2025〕2号），现通知如下。</p>"
    doc = extract_document(page(body), DATA_FLOWS)
    assert doc is not None and doc.doc_number == ""


def test_date_falls_back_to_meta_then_list_then_url() -> None:
    meta = "<meta name='pubdate' content='2024-03-22 16:00'>"
    assert extract_document(page("<p>正文</p>", head=meta), DATA_FLOWS).published_at == datetime(  # type: ignore[union-attr]
        2024, 3, 22, 16, 0, tzinfo=BEIJING
    )
    entry = ListEntry(DATA_FLOWS, "x", "A093703", "2024-03-22 15:59:00")
    listed = extract_document(page("<p>正文</p>"), DATA_FLOWS, entry)
    assert listed is not None and listed.published_at == datetime(
        2024, 3, 22, 15, 59, tzinfo=BEIJING
    )
    from_url = extract_document(page("<p>正文</p>"), DATA_FLOWS)
    assert from_url is not None and from_url.published_at == datetime(2024, 3, 22, tzinfo=BEIJING)


def test_title_from_the_head_without_the_site_name() -> None:
    html = (
        "<html><head><title>网络安全审查办法_中央网络安全和信息化委员会办公室</title></head>"
        "<body><div id='content'><p>正文。</p></div></body></html>"
    )
    doc = extract_document(html, REVIEW)
    assert doc is not None and doc.title == "网络安全审查办法"


def test_page_without_main_text_gives_nothing() -> None:
    html = (
        "<html><head><title>网信办_中国网信网</title></head><body><p>页面已改版</p></body></html>"
    )
    assert extract_document(html, DATA_FLOWS) is None


_TAGS = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div id='BodyLabel'>",
        "<div id='content'>",
        "</div>",
        "<h1 class='title'>",
        "</h1>",
        "<span id='pubtime'>",
        "<span id='source'>来源：",
        "</span>",
        "<a href='./P0.docx'>",
        "<script>",
        "令",
        "第20号",
        "2025年1月3日",
        "<br>",
        "<meta name='PubDate' content='2026-13-45 99:99'>",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_TAGS, st.text(max_size=12)), max_size=40))
def test_random_html_gives_a_document_or_none_never_an_exception(parts: list[str]) -> None:
    doc = extract_document("".join(parts), "https://www.cac.gov.cn/2025-01/03/c_1.htm")
    assert doc is None or (doc.title and doc.body_text)


# -- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, line",
    [
        ("charset-header-gbk.htm", "编码测试：堃、镕、喆（GBK 收录而 GB2312 未收录的字）。"),
        (
            "charset-header-utf8-body-gbk.htm",
            "编码测试：堃、镕、喆（GBK 收录而 GB2312 未收录的字）。",
        ),
        ("charset-none-gbk-body.htm", "编码测试：堃、镕、喆（GBK 收录而 GB2312 未收录的字）。"),
        (
            "charset-meta-gb2312-gb18030-char.htm",
            "编码测试：𠀀（U+20000，仅 GB18030 可编码）、堃、镕、喆。",
        ),
    ],
)
def test_edge_encodings_decode_exactly(name: str, line: str) -> None:
    [fixture] = [f for f in FixtureTree.load(EDGE) if f.url == cac("edge/" + name)]
    assert not fixture.body.isascii() and b"\xe5\xa0\x83" not in fixture.body  # 堃 not as UTF-8
    doc = extract_document(page_text(response_for(fixture)), fixture.url)
    assert doc is not None
    assert doc.title == "促进和规范数据跨境流动规定"
    assert line in doc.body_text.splitlines()
    assert doc.doc_number == "国家互联网信息办公室令第16号" and doc.publisher == "中国网信网"


# -- the list parser ---------------------------------------------------------------------------


def listing(rows: list[dict[str, Any]], total: Any = None, **extra: Any) -> bytes:
    data: dict[str, Any] = {"list": rows, **extra}
    if total is not None:
        data["totalRec"] = total
    return json.dumps(data, ensure_ascii=False).encode()


def row(link: str, topic: str = "标题", pubtime: str = "2025-01-03 18:00:00") -> dict[str, str]:
    return {"topic": topic, "infourl": link, "pubtime": pubtime}


def test_protocol_relative_and_relative_infourls_become_absolute_https() -> None:
    rows = [
        row("//www.cac.gov.cn/2025-01/03/c_1.htm"),
        row("/2016-12/27/c_2.htm"),
        row("2016-11/07/c_3.htm"),
        row("https://www.cac.gov.cn/2016-11/07/c_4.htm"),
    ]
    parsed = parse_json_list(listing(rows, 4), LIST.format("A093703", 1), "A093703")
    assert [e.url for e in parsed.entries] == [
        cac("2025-01/03/c_1.htm"),
        cac("2016-12/27/c_2.htm"),
        cac("2016-11/07/c_3.htm"),
        cac("2016-11/07/c_4.htm"),
    ]
    first = parsed.entries[0]
    assert (first.title, first.channel, first.published) == (
        "标题",
        "A093703",
        "2025-01-03 18:00:00",
    )


def test_utf8_bom_is_tolerated_and_totalrec_may_be_a_string() -> None:
    body = b"\xef\xbb\xbf" + listing([row("//www.cac.gov.cn/2025-01/03/c_1.htm")], "21")
    parsed = parse_json_list(body, LIST.format("A09370304", 1), "A09370304")
    assert (len(parsed.entries), parsed.total, parsed.per_page) == (1, 21, 20)
    assert parsed.more_after(1) and not parsed.more_after(2)


@pytest.mark.parametrize(
    "body",
    [
        b"<html><head><script>document.cookie='__jsl_clearance=1';</script></head></html>",
        listing([row("//www.cac.gov.cn/2025-01/03/c_1.htm")], 1)[:40],
        b'{"data": [], "totalRec": 0}',
        b'{"list": {"topic": "x"}}',
        json.dumps({"list": [{"topic": "无链接"}], "totalRec": 1}).encode(),
        b"\xd5\xfe\xb2\xdf",
    ],
    ids=["html", "truncated", "no-list", "list-not-array", "no-infourl", "not-utf8"],
)
def test_bad_answers_are_refused(body: bytes) -> None:
    with pytest.raises(ValueError):
        parse_json_list(body, LIST.format("A093703", 1), "A093703")


def test_empty_list_is_an_answer_not_an_error() -> None:
    parsed = parse_json_list(b'{"list":[],"totalRec":0}', LIST.format("A093705", 1), "A093705")
    assert parsed.entries == [] and parsed.total == 0 and not parsed.more_after(1)


def test_next_page_url_keeps_every_other_parameter() -> None:
    url = "https://www.cac.gov.cn/cms/JsonList?channelCode=A093703&perPage=20&condition=0&pageno=1"
    assert page_url(url, 2) == (
        "https://www.cac.gov.cn/cms/JsonList?channelCode=A093703&perPage=20&condition=0&pageno=2"
    )


def test_all_twelve_channels_are_saved_with_consistent_totals(tree: FixtureTree) -> None:
    channels = build(catalogue())["cac"].channels.values()
    saved = {f.url: f for f in tree if "/cms/JsonList" in f.url}
    for channel in channels:
        first = parse_json_list(saved[channel.url].body, channel.url, channel.name)
        pages = [first]
        while pages[-1].more_after(len(pages)):
            url = page_url(channel.url, len(pages) + 1)
            pages.append(parse_json_list(saved[url].body, url, channel.name))
        assert sum(len(p.entries) for p in pages) == first.total, channel.name
    assert len(saved) == 13  # twelve first pages and page 2 of A093703


# -- paging, in process against a real store ---------------------------------------------------


@pytest.fixture
def spider(tmp_path: Path) -> Iterator[CacSpider]:
    with make_spider(tmp_path) as made:
        yield made


@contextmanager
def make_spider(tmp_path: Path, **flags: Any) -> Iterator[CacSpider]:
    """A cac spider on a fresh SQLite store, outside any crawl (its callbacks called directly)."""
    regwatch = load_settings({"database.url": str(tmp_path / "r.db"), **flags}, environ={})
    crawler = get_crawler(CacSpider, {"REGWATCH_SETTINGS": regwatch})
    made = CacSpider.from_crawler(crawler)
    try:
        yield made
    finally:
        made.store.close()


def entries_on(page: int, n: int = 20) -> list[dict[str, str]]:
    return [
        row(f"//www.cac.gov.cn/2025-01/03/c_{page}{i:03d}.htm", f"文件{page}-{i}") for i in range(n)
    ]


def answer(channel: str, page: int, body: bytes) -> TextResponse:
    url = LIST.format(channel, page)
    request = Request(url, meta={"channel": channel, "page": page})
    return TextResponse(
        url, body=body, request=request, headers={"Content-Type": "application/json"}
    )


def page_requests(out: list[Any]) -> list[Request]:
    return [r for r in out if isinstance(r, Request) and "/cms/JsonList" in r.url]


def test_first_poll_reads_page_two_when_page_one_is_all_new(spider: CacSpider) -> None:
    out = list(spider.parse_list(answer("A093703", 1, listing(entries_on(1), 23))))
    [nxt] = page_requests(out)
    assert nxt.url == LIST.format("A093703", 2)
    assert nxt.meta["page"] == 2 and nxt.meta["channel"] == "A093703"
    assert nxt.headers.get("X-Requested-With") == b"XMLHttpRequest"
    assert len(out) == 21  # twenty detail pages, then page 2


def test_page_ending_in_a_stored_document_reads_no_further(spider: CacSpider) -> None:
    rows = entries_on(1)
    spider.store.save_document(
        Document(url="https:" + rows[-1]["infourl"], title="旧", source="cac")
    )
    out = list(spider.parse_list(answer("A093703", 1, listing(rows, 60))))
    assert page_requests(out) == [] and len(out) == 19  # the stored one is not fetched again


def test_a_stored_item_pinned_above_new_ones_does_not_stop_paging(spider: CacSpider) -> None:
    rows = entries_on(1)
    spider.store.save_document(
        Document(url="https:" + rows[0]["infourl"], title="置顶", source="cac")
    )
    out = list(spider.parse_list(answer("A093703", 1, listing(rows, 60))))
    assert [r.url for r in page_requests(out)] == [LIST.format("A093703", 2)]


def test_after_a_troubled_poll_every_page_up_to_the_cap_is_read(tmp_path: Path) -> None:
    """An entry whose page failed last time may sit below stored ones: look again."""
    rows = entries_on(1)
    with make_spider(tmp_path) as first:
        first.store.save_document(
            Document(url="https:" + rows[-1]["infourl"], title="旧", source="cac")
        )
        first.store.save_health(
            [ChannelHealth("cac", "A093703", state="fetch_failed", reason="HTTP 500")]
        )
    with make_spider(tmp_path) as again:
        out = list(again.parse_list(answer("A093703", 1, listing(rows, 60))))
    assert [r.url for r in page_requests(out)] == [LIST.format("A093703", 2)]


def test_a_page_beyond_totalrec_is_never_requested(spider: CacSpider) -> None:
    assert (
        page_requests(list(spider.parse_list(answer("A093703", 1, listing(entries_on(1), 20)))))
        == []
    )
    last = list(spider.parse_list(answer("A093703", 2, listing(entries_on(2, 3), 23))))
    assert page_requests(last) == [] and len(last) == 3


def test_an_empty_page_stops_paging_even_if_totalrec_says_more(spider: CacSpider) -> None:
    assert page_requests(list(spider.parse_list(answer("A093703", 2, listing([], 400))))) == []


def test_max_list_pages_caps_paging(tmp_path: Path) -> None:
    with make_spider(tmp_path, **{"crawl.max_list_pages": 2}) as capped:
        second = list(capped.parse_list(answer("A093703", 2, listing(entries_on(2), 400))))
        assert page_requests(second) == [] and len(second) == 20
        first = list(capped.parse_list(answer("A093703", 1, listing(entries_on(1), 400))))
        assert [r.url for r in page_requests(first)] == [LIST.format("A093703", 2)]


def test_garbage_list_is_parse_suspect_and_a_challenge_is_blocked(spider: CacSpider) -> None:
    assert list(spider.parse_list(answer("A093703", 1, b'{"list": null}'))) == []
    challenge = (
        b"<html><script>document.cookie='__jsl_clearance=1';location.reload()</script></html>"
    )
    assert list(spider.parse_list(answer("A093705", 1, challenge))) == []
    [suspect] = spider.health.channels["A093703"].problems
    [blocked] = spider.health.channels["A093705"].problems
    assert (suspect.state, blocked.state) == (PARSE_SUSPECT, BLOCKED)
    assert spider.halted


# -- end to end --------------------------------------------------------------------------------


def crawl(db: Path, tree: Path, *flags: str) -> tuple[int, dict[str, int], str]:
    """``regwatch crawl cac --replay tree`` in its own process: exit code, counts, output."""
    args = [sys.executable, "-m", "cli", "--db", str(db), "--set", "crawl.autothrottle=false"]
    for flag in flags:
        args += ["--set", flag]
    done = subprocess.run(
        [*args, "crawl", "cac", "--replay", str(tree)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    return done.returncode, counts_in(done.stdout, "cac:"), done.stdout + done.stderr


def documents(db: Path) -> list[Document]:
    with Store.open(str(db)) as store:
        return store.list_documents()


def health(db: Path) -> dict[str, ChannelHealth]:
    with Store.open(str(db)) as store:
        return {h.channel: h for h in store.channel_health("cac")}


# The snapshot is frozen on 2026-11-20: whether it looks stale depends on today's date, which is
# not what these tests are about, so the stale judgement is switched off.
NOT_STALE = "health.stale_min_documents=100000"


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_snapshot_crawled_twice_second_crawl_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    code, first, out = crawl(db, SNAPSHOT, NOT_STALE)
    assert code == 0, out
    assert (first["new"], first["failed"]) == (len(PAGES), 0)
    assert "state ok" in out
    stored = {d.url: d for d in documents(db)}
    assert set(stored) == set(BY_URL)
    assert stored[ORDER_20].doc_number == "国家互联网信息办公室 国家市场监督管理总局令第20号"
    assert stored[CERT_DRAFT].comment_deadline == date(2025, 2, 3)
    [docx] = stored[GENAI_DRAFT].attachments
    assert docx.sha256 and "第一条" in docx.text and "生成式人工智能" in docx.text
    [pdf] = stored[CERT_DRAFT].attachments
    assert pdf.sha256 and "个人信息保护认证" in pdf.text
    assert {h.state for h in health(db).values()} == {OK}

    code, second, out = crawl(db, SNAPSHOT, NOT_STALE)
    assert code == 0, out
    assert (second["new"], second["amended"], second["sighted"], second["failed"]) == (0, 0, 0, 0)
    assert second["responses"] <= 13  # robots.txt and twelve 304s: no page 2, no detail page
    assert len(documents(db)) == len(PAGES)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_first_poll_of_one_channel_reads_its_second_page(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    code, counts, out = crawl(db, SNAPSHOT, NOT_STALE, "sources.cac.enabled_channels=A093703")
    assert code == 0, out
    urls = {d.url for d in documents(db)}
    assert counts["new"] == 23 and {STRATEGY, CSL} <= urls  # both only on page 2
    assert health(db)["A093703"].last_listed == 23


def write(root: Path, url: str, body: bytes | str, status: int = 200, ctype: str = "") -> None:
    write_fixture(
        root,
        url,
        body,
        status=status,
        headers={"Content-Type": ctype or "text/html; charset=utf-8"},
        origin="reconstructed",
        origin_detail="test page following SITES.md §3.1/§3.3",
    )


ARTICLE = cac("2026-11/18/c_1795000000000001.htm")
ARTICLE_HTML = page(
    "<p>为规范网络数据处理活动，现向社会公开征求意见。</p><p>意见反馈截止时间为2026年12月18日。</p>",
    info="<span id='pubtime'>2026-11-18 17:00</span><span id='source'>来源：中国网信网</span>",
    title="<h1 class='title'>国家互联网信息办公室关于某办法（征求意见稿）公开征求意见的通知</h1>",
)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_unknown_channel_codes_leave_a_clear_health_record(tmp_path: Path) -> None:
    """SITES.md §3.1: codes beyond A093702/A093703/A0937030x are unverified. A 404 is
    fetch_failed, an empty list after a list with entries is parse_suspect; the rest works."""
    tree, db = tmp_path / "tree", tmp_path / "r.db"
    write(
        tree,
        LIST.format("A093703", 1),
        listing([row("//www.cac.gov.cn/2026-11/18/c_1795000000000001.htm")], 1),
        ctype=JSON,
    )
    write(tree, ARTICLE, ARTICLE_HTML)
    write(tree, LIST.format("A093708", 1), b'{"list":[],"totalRec":0}', ctype=JSON)
    # A093705 has no fixture: the replay server answers 404, as the site would for a bad code
    with Store.open(str(db)) as store:
        before = datetime(2026, 11, 19, tzinfo=UTC)
        store.save_health([ChannelHealth("cac", "A093708", checked_at=before, last_listed=5)])
    code, counts, out = crawl(
        db, tree, NOT_STALE, "sources.cac.enabled_channels=A093703,A093705,A093708"
    )
    assert code == 1, out
    assert counts["new"] == 1 and counts["failed"] == 1
    states = {name: h.state for name, h in health(db).items()}
    assert states == {"A093703": OK, "A093705": FETCH_FAILED, "A093708": PARSE_SUSPECT}
    assert "404" in health(db)["A093705"].reason
    assert "0 entries" in health(db)["A093708"].reason
    [doc] = documents(db)
    assert doc.comment_deadline == date(2026, 12, 18) and doc.is_draft_for_comment


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "status, body",
    [
        (403, "<html><body><h1>访问受限</h1><p>您的访问被拒绝</p></body></html>"),
        (521, CHALLENGE),
        (200, CHALLENGE),
    ],
    ids=["403", "521-jiasule", "200-challenge"],
)
def test_challenge_on_the_list_blocks_the_source_and_loses_nothing(
    tmp_path: Path, status: int, body: str
) -> None:
    tree, db = tmp_path / "tree", tmp_path / "r.db"
    with Store.open(str(db)) as store:
        store.save_document(
            Document(url=ARTICLE, title="已收录的文件", source="cac", body_text="正文")
        )
    write(tree, LIST.format("A093703", 1), body, status=status)
    code, counts, out = crawl(db, tree, NOT_STALE, "sources.cac.enabled_channels=A093703")
    assert code == 1 and counts["failed"] == 1, out
    assert "state blocked" in out
    assert health(db)["A093703"].state == BLOCKED
    [doc] = documents(db)
    assert doc.url == ARTICLE and "withdrawn" not in doc.flags


def test_an_entry_on_another_site_is_not_fetched(spider: CacSpider) -> None:
    """A list may link a page on another site (a 解读 on www.gov.cn): not this source's to
    fetch, and asking would only fail the channel on every poll."""
    rows = [*entries_on(1, 2), row("//www.gov.cn/zhengce/202501/content_1.htm", "解读")]
    out = list(spider.parse_list(answer("A093703", 1, listing(rows, 3))))
    fetched = [r.url for r in out if isinstance(r, Request)]
    assert len(fetched) == 2 and not any("www.gov.cn" in u for u in fetched)
