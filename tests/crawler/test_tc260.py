"""The tc260 spider on both site generations (SITES.md §4): the bundled snapshot's pages parsed
field by field, the list parsers of both generations and of the home page's links, the encoding
edge pages, the per-source TLS switch, and crawls end to end in a subprocess.

Pages are parsed from their raw bytes and headers (module fixtures), each detail page with the
entry its list gives, as the spider does, so the list's deadline reaches the document.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from crawler.attachments import read_attachment
from crawler.base import ListEntry
from crawler.encoding import looks_wrong, page_text
from crawler.replay.tree import FixtureTree
from crawler.replay.writer import write_fixture
from crawler.spiders.tc260 import (
    LEGACY,
    OLD_SECRETARIAT,
    PORTAL,
    SECRETARIAT,
    SuggestionEntry,
    Tc260Spider,
    doc_number,
    doc_type,
    extract_document,
    is_detail_url,
    legacy_entries,
    link_entries,
    next_legacy_page,
    portal_entries,
    suggestion_entries,
    tc260_numbers,
)
from model.document import Document
from storage import Store
from tests.crawler.govcn_pages import counts_in

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "fixtures" / "snapshot"
EDGE = ROOT / "fixtures" / "edge"
BEIJING = timezone(timedelta(hours=8))
SITE = "https://www.tc260.org.cn"
HOME = SITE + "/"
PORTAL_LIST = SITE + "/portal/suggestion"
LEGACY_LIST = SITE + "/front/bzzqyjList.html?postType=&start={}&length=10"
AUDIT = SITE + "/portal/suggestion-detail/3bb57023c00a464faf4c2f7b9a5524c7"
SBOM_DRAFT = SITE + "/portal/suggestion-detail/98e83c3febc44ac286fa5855fc269a65"
NEEDS = SITE + "/portal/article/2/fc57d34e37694e39b0c0c5e293e131d0"
REPORTS = SITE + "/portal/article/2/499c36b993b84fff893b8e2a54540fa2"
DEPLOY_GUIDE = SITE + "/portal/article/2/350674797091494180c26505fd095b4e"
CODING_GUIDE = SITE + "/portal/article/2/20250408101524"
SBOM_RELEASE = SITE + "/portal/article/2/267e851caadf4d7f834ede5e39a7e3cf"
GENAI_TEXT = SITE + "/portal/article/1/20250630122232"
TC260_003 = SITE + "/front/postDetail.html?id=20240229170301"
LABELLING = (
    SITE + "/front/bzzqyjDetail.html?id=20240914150822&norm_id=20240604093512&recode_id=58742"
)
PRETRAINING = (
    SITE + "/front/bzzqyjDetail.html?id=20231127144418&norm_id=20230816103321&recode_id=57652"
)
AUDIT_PDF = SITE + "/sysFile/downloadFile/e83fb6ca44834427bb498c5a090d33d4"
FEEDBACK_DOCX = SITE + "/sysFile/downloadFile/5b52a8b77ac14c169a6532325509c861"
AUDIT_NAME = "数据安全技术 个人信息保护合规审计专业机构能力要求"
LISTS = {HOME, PORTAL_LIST, LEGACY_LIST.format(0), LEGACY_LIST.format(10)}
PORTAL_PAGES = {
    AUDIT,
    SBOM_DRAFT,
    NEEDS,
    REPORTS,
    DEPLOY_GUIDE,
    CODING_GUIDE,
    SBOM_RELEASE,
    GENAI_TEXT,
}


def response_for(fixture) -> HtmlResponse:  # type: ignore[no-untyped-def]
    return HtmlResponse(url=fixture.url, body=fixture.body, headers=dict(fixture.headers))


def is_page(fixture) -> bool:  # type: ignore[no-untyped-def]
    content_type = str(fixture.headers.get("Content-Type", ""))
    return fixture.url.startswith(SITE) and content_type.startswith("text/html")


@pytest.fixture(scope="module")
def tree() -> FixtureTree:
    return FixtureTree.load(SNAPSHOT)


@pytest.fixture(scope="module")
def pages(tree: FixtureTree) -> dict[str, str]:
    return {f.url: page_text(response_for(f)) for f in tree if is_page(f)}


@pytest.fixture(scope="module")
def entries(pages: dict[str, str]) -> dict[str, ListEntry]:
    """Every list entry of the snapshot's lists, by detail URL (a 征求意见 row wins)."""
    found = {e.url: e for e in link_entries(pages[HOME], HOME, "notices")}
    for url in LISTS - {HOME}:
        found.update({e.url: e for e in suggestion_entries(pages[url], url, "suggestion")[1]})
    return found


@pytest.fixture(scope="module")
def docs(pages: dict[str, str], entries: dict[str, ListEntry]) -> dict[str, Document]:
    parsed = {
        url: extract_document(page, url, entries.get(url))
        for url, page in pages.items()
        if url not in LISTS
    }
    assert all(parsed.values()), [u for u, d in parsed.items() if d is None]
    return parsed  # type: ignore[return-value]


@pytest.fixture(scope="module")
def legacy_docs(docs: dict[str, Document]) -> dict[str, Document]:
    return {u: d for u, d in docs.items() if "/front/" in u}


# --- the snapshot: every page, and every listed entry has its page -----------------------------


def test_every_page_of_both_generations_is_extracted(docs: dict[str, Document]) -> None:
    assert set(docs) >= PORTAL_PAGES
    assert len([u for u in docs if "/front/bzzqyjDetail" in u]) == 12
    assert TC260_003 in docs


def test_every_listed_entry_has_a_saved_page(
    entries: dict[str, ListEntry], docs: dict[str, Document]
) -> None:
    assert len(entries) == 8 + 1 + 12  # home page, the other portal draft, legacy drafts
    assert set(entries) <= set(docs)


# --- portal generation, field by field ---------------------------------------------------------


def test_portal_title_from_the_heading(docs: dict[str, Document]) -> None:
    assert docs[AUDIT].title == (
        "关于国家标准《数据安全技术 个人信息保护合规审计专业机构能力要求》征求意见稿征求意见的通知"
    )


def test_portal_title_from_title_tag_without_the_site_name(docs: dict[str, Document]) -> None:
    assert docs[SBOM_DRAFT].title == (
        "关于国家标准《网络安全技术 软件物料清单数据格式》征求意见稿征求意见的通知"
    )
    assert docs[REPORTS].title.startswith("关于发布《智能驾驶网络和数据安全标准化研究》")
    for url in PORTAL_PAGES:
        assert "技术委员会" not in docs[url].title.split("》")[-1], url


def test_portal_published_at_from_the_page(docs: dict[str, Document]) -> None:
    assert docs[AUDIT].published_at == datetime(2026, 2, 11, tzinfo=BEIJING)
    assert docs[GENAI_TEXT].published_at == datetime(2025, 6, 30, 12, 22, tzinfo=BEIJING)
    assert docs[REPORTS].published_at == datetime(2026, 4, 3, tzinfo=BEIJING)


def test_portal_published_at_without_a_date_on_the_page(pages: dict[str, str]) -> None:
    """No date element: the date under the signature, so a re-check (no list entry) agrees
    with the first poll; with no signature either, the list's date."""
    listed = SuggestionEntry(SBOM_DRAFT, "t", "suggestion", "2025-07-10", deadline="2025-09-09")
    for entry in (listed, None):
        doc = extract_document(pages[SBOM_DRAFT], SBOM_DRAFT, entry)
        assert doc is not None and doc.published_at == datetime(2025, 7, 11, tzinfo=BEIJING)
    bare = "<div class='advice-c'><p>请于2026年3月1日前反馈。</p></div>"
    doc = extract_document(bare, AUDIT, SuggestionEntry(AUDIT, "标题", "s", "2026-01-05"))
    assert doc is not None and doc.title == "标题"
    assert doc.published_at == datetime(2026, 1, 5, tzinfo=BEIJING)
    assert extract_document(bare, AUDIT) is None  # no title anywhere


def test_portal_issuer_is_the_secretariat(docs: dict[str, Document]) -> None:
    for url in PORTAL_PAGES:
        assert docs[url].issuers == [SECRETARIAT], url


@pytest.mark.parametrize(
    ("url", "number"),
    [
        (NEEDS, "网安秘字〔2026〕44号"),
        (REPORTS, "网安秘字〔2026〕34号"),  # five TC260-TR numbers: the batch's 文号
        (DEPLOY_GUIDE, "TC260-PG-20266A"),
        (CODING_GUIDE, "TC260-PG-20252A"),  # not the GB 45438—2025 its body cites
        (SBOM_RELEASE, "GB/T 47020—2026"),
        (GENAI_TEXT, "GB/T 45654—2025"),  # not the TC260-003 its body cites
        (AUDIT, ""),
    ],
)
def test_portal_doc_number(docs: dict[str, Document], url: str, number: str) -> None:
    assert docs[url].doc_number == number


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (AUDIT, "标准"),
        (SBOM_DRAFT, "标准"),
        (SBOM_RELEASE, "标准"),
        (GENAI_TEXT, "标准"),
        (DEPLOY_GUIDE, "实践指南"),
        (CODING_GUIDE, "实践指南"),
        (NEEDS, "通知"),
        (REPORTS, "通知"),
    ],
)
def test_portal_doc_type(docs: dict[str, Document], url: str, kind: str) -> None:
    assert docs[url].doc_type == kind


def test_portal_drafts_are_flagged_and_notices_are_not(docs: dict[str, Document]) -> None:
    assert docs[AUDIT].is_draft_for_comment and docs[SBOM_DRAFT].is_draft_for_comment
    for url in (NEEDS, REPORTS, DEPLOY_GUIDE, CODING_GUIDE, SBOM_RELEASE, GENAI_TEXT):
        assert not docs[url].is_draft_for_comment, url


def test_portal_comment_deadline_is_the_lists(docs: dict[str, Document]) -> None:
    assert docs[AUDIT].comment_deadline == date(2026, 4, 12)
    assert docs[SBOM_DRAFT].comment_deadline == date(2025, 9, 9)


def test_the_lists_deadline_wins_over_the_bodys(pages: dict[str, str]) -> None:
    entry = SuggestionEntry(AUDIT, "t", "suggestion", "2026-02-11", deadline="2026-05-01")
    listed = extract_document(pages[AUDIT], AUDIT, entry)
    alone = extract_document(pages[AUDIT], AUDIT)  # a re-check has no list entry
    assert listed is not None and listed.comment_deadline == date(2026, 5, 1)
    assert alone is not None and alone.comment_deadline == date(2026, 4, 12)


def test_a_submission_date_in_a_notice_is_no_comment_deadline(docs: dict[str, Document]) -> None:
    assert "2026年5月6日17:00前" in docs[NEEDS].body_text
    assert docs[NEEDS].comment_deadline is None


def test_portal_effective_date(docs: dict[str, Document]) -> None:
    assert docs[SBOM_RELEASE].effective_date == date(2026, 8, 1)
    assert docs[GENAI_TEXT].effective_date == date(2025, 11, 1)
    assert docs[NEEDS].effective_date is None


def test_portal_written_on_and_publisher(docs: dict[str, Document]) -> None:
    assert docs[NEEDS].written_on == date(2026, 4, 16)
    assert docs[SBOM_RELEASE].written_on is None
    assert docs[NEEDS].publisher == "全国网络安全标准化技术委员会"


def test_portal_body_has_no_chrome_title_date_or_attachment_list(docs: dict[str, Document]) -> None:
    for url in PORTAL_PAGES:
        body = docs[url].body_text
        for chrome in ("版权所有", "当前位置", "更多", "项目计划", "发布时间", "发布日期"):
            assert chrome not in body, (url, chrome)
        assert docs[url].title not in body.splitlines(), url
    assert docs[AUDIT].body_text.startswith("各相关单位和专家：")
    assert "征求意见稿文本.pdf" not in docs[AUDIT].body_text
    assert docs[GENAI_TEXT].body_text.startswith("GB/T 45654—2025《")


def test_portal_body_is_not_doubled(docs: dict[str, Document]) -> None:
    for url in PORTAL_PAGES:
        longest = max(docs[url].body_text.splitlines(), key=len)
        assert docs[url].body_text.count(longest) == 1, url


def test_suggestion_attachments_take_the_extension_from_the_link_text(
    docs: dict[str, Document],
) -> None:
    draft, report = docs[AUDIT].attachments
    assert draft.url == AUDIT_PDF
    assert draft.name == f"《{AUDIT_NAME}》标准征求意见稿文本.pdf"
    assert (draft.extension, report.extension) == ("pdf", "pdf")
    assert report.url == SITE + "/sysFile/downloadFile/7381e1e3bff5405ab6dfc1eb943abc9e"
    assert [a.extension for a in docs[SBOM_DRAFT].attachments] == ["pdf", "docx"]


def test_article_attachments_in_the_text(docs: dict[str, Document]) -> None:
    [bundle] = docs[REPORTS].attachments
    assert (bundle.name, bundle.extension) == ("5项技术研究报告.rar", "rar")
    [needs] = docs[NEEDS].attachments
    assert needs.url == SITE + "/sysFile/downloadFile/ce31ca70f5d54633a94d53014466235a"
    [full_text] = docs[GENAI_TEXT].attachments  # in a div.list outside the text
    assert full_text.extension == "pdf"
    assert docs[SBOM_RELEASE].attachments == []


@pytest.mark.parametrize(
    ("variant", "html"),
    [
        (
            "A: named classes",
            "<html><head><title>站点</title></head><body>"
            "<div class='header'><h1 class='logo'>全国网络安全标准化技术委员会</h1></div>"
            "<div class='article'><h2 class='article-title'>关于发布某实践指南的通知</h2>"
            "<div class='article-info'><span class='article-date'>2026-03-02</span></div>"
            "<div class='article-content'><p>网安秘字〔2026〕20号</p><p>正文第一段。</p></div>"
            "</div></body></html>",
        ),
        (
            "B: no known class",
            "<html><head><title>关于发布某实践指南的通知-全国网络安全标准化技术委员会</title>"
            "</head><body><div class='x'><h3>关于发布某实践指南的通知</h3>"
            "<p>发布日期：2026-03-02</p></div><div class='y'><p>网安秘字〔2026〕20号</p>"
            "<p>正文第一段。</p><p>全国网络安全标准化技术委员会秘书处</p></div>"
            "<div class='footer'><p>版权所有</p></div></body></html>",
        ),
    ],
)
def test_both_article_markup_variants(variant: str, html: str) -> None:
    doc = extract_document(html, SITE + "/portal/article/2/20260302100000")
    assert doc is not None, variant
    assert doc.title == "关于发布某实践指南的通知"
    assert doc.published_at == datetime(2026, 3, 2, tzinfo=BEIJING)
    assert doc.body_text.splitlines()[:2] == ["网安秘字〔2026〕20号", "正文第一段。"]
    assert doc.doc_number == "网安秘字〔2026〕20号" and "版权所有" not in doc.body_text


def test_page_without_main_text_gives_nothing() -> None:
    html = "<html><head><title>全国网络安全标准化技术委员会</title></head><body></body></html>"
    assert extract_document(html, SITE + "/portal/article/2/20260302100000") is None


# --- legacy generation, field by field ---------------------------------------------------------


def test_legacy_title_is_the_first_line(legacy_docs: dict[str, Document]) -> None:
    assert legacy_docs[LABELLING].title == (
        "关于国家标准《网络安全技术 人工智能生成合成内容标识方法》征求意见稿征求意见的通知"
    )


def test_legacy_published_at_from_the_date_line(legacy_docs: dict[str, Document]) -> None:
    assert legacy_docs[LABELLING].published_at == datetime(2024, 9, 14, tzinfo=BEIJING)
    assert legacy_docs[TC260_003].published_at == datetime(2024, 2, 29, tzinfo=BEIJING)


def test_legacy_body_without_title_and_date_lines(legacy_docs: dict[str, Document]) -> None:
    for url, doc in legacy_docs.items():
        lines = doc.body_text.splitlines()
        assert lines[0].startswith("各有关单位"), url
        assert doc.title not in lines and "版权所有" not in doc.body_text, url
        assert doc.body_text.count(max(lines, key=len)) == 1, url


def test_legacy_issuer_follows_the_committee_name_of_the_page(
    legacy_docs: dict[str, Document],
) -> None:
    assert legacy_docs[PRETRAINING].issuers == [OLD_SECRETARIAT]
    assert legacy_docs[PRETRAINING].publisher == "全国信息安全标准化技术委员会"
    assert legacy_docs[LABELLING].issuers == [SECRETARIAT]
    old = [u for u, d in legacy_docs.items() if d.issuers == [OLD_SECRETARIAT]]
    assert len(old) == 7  # the drafts of 2022-2023


def test_legacy_drafts_are_standards_with_the_lists_deadline(
    legacy_docs: dict[str, Document],
) -> None:
    drafts = {u: d for u, d in legacy_docs.items() if "bzzqyjDetail" in u}
    assert all(d.is_draft_for_comment and d.doc_type == "标准" for d in drafts.values())
    assert all(d.doc_number == "" and d.effective_date is None for d in drafts.values())
    assert drafts[LABELLING].comment_deadline == date(2024, 11, 13)
    assert drafts[PRETRAINING].comment_deadline == date(2024, 1, 26)
    assert drafts[LABELLING].written_on == date(2024, 9, 14)  # the attachment list follows it


def test_legacy_deadline_from_the_body_on_a_recheck(pages: dict[str, str]) -> None:
    doc = extract_document(pages[PRETRAINING], PRETRAINING)  # no list entry
    assert doc is not None and doc.is_draft_for_comment
    assert doc.comment_deadline == date(2024, 1, 26)


def test_legacy_app_span_attachments(legacy_docs: dict[str, Document]) -> None:
    draft, report = legacy_docs[LABELLING].attachments
    assert draft.url == SITE + "/upload/2024-09-14/1726300127853017906.pdf"
    assert draft.name == "《网络安全技术 人工智能生成合成内容标识方法》征求意见稿.pdf"
    assert report.url == SITE + "/upload/2024-09-14/1726300139411052218.pdf"
    assert (draft.extension, report.extension) == ("pdf", "pdf")


def test_app_span_link_without_extension_in_the_url() -> None:
    html = (
        "<div class='news_end'><div class='news_end_title'>关于某标准的通知</div>"
        "<div class='news_end_time'>2023-05-29</div><p>正文。</p>"
        "<span id='APP_1'><a href='/front/download.html?fileId=88'>征求意见稿.docx</a></span>"
        "<span id='APP_3'><a href='javascript:void(0)'>编制说明.pdf</a></span></div>"
    )
    doc = extract_document(html, SITE + "/front/bzzqyjDetail.html?id=20230529170152")
    assert doc is not None
    [attachment] = doc.attachments
    assert attachment.url == SITE + "/front/download.html?fileId=88"
    assert (attachment.name, attachment.extension) == ("征求意见稿.docx", "docx")


def test_legacy_post_of_a_technical_document(legacy_docs: dict[str, Document]) -> None:
    post = legacy_docs[TC260_003]
    assert (post.doc_number, post.doc_type) == ("TC260-003", "技术文件")
    assert not post.is_draft_for_comment and post.comment_deadline is None
    [pdf] = post.attachments
    assert pdf.url == SITE + "/upload/2024-02-29/1709196318442035723.pdf"
    assert pdf.extension == "pdf"


# --- list parsers ------------------------------------------------------------------------------


def test_portal_list_of_the_snapshot(pages: dict[str, str]) -> None:
    generation, rows = suggestion_entries(pages[PORTAL_LIST], PORTAL_LIST, "suggestion")
    assert generation == PORTAL and len(rows) == 2  # the head row has no jumpDetail
    assert rows[0] == SuggestionEntry(
        url=AUDIT,
        title=f"关于国家标准《{AUDIT_NAME}》征求意见稿征求意见的通知",
        channel="suggestion",
        published="2026-02-11",
        deadline="2026-04-12",
    )


PORTAL_ID = "3bb57023c00a464faf4c2f7b9a5524c7"


@pytest.mark.parametrize(
    ("anchor", "deadline"),
    [
        (f"<a onclick=\"jumpDetail('{PORTAL_ID}','2026-04-12')\">标题</a>", "2026-04-12"),
        (f'<a onclick=\'jumpDetail( "{PORTAL_ID}" , "2026-04-12" )\'>标题</a>', "2026-04-12"),
        (
            f'<a onclick="jumpDetail(&#39;{PORTAL_ID}&#39;,&#39;2026-4-12&#39;);">标题</a>',
            "2026-04-12",
        ),
        (
            f"<a href=\"javascript:jumpDetail('{PORTAL_ID.upper()}','2026-04-12')\">标题</a>",
            "2026-04-12",
        ),
        (f"<a onclick=\"jumpDetail('{PORTAL_ID}')\">标题</a>", ""),
    ],
)
def test_jump_detail_calls_with_odd_spacing_and_quotes(anchor: str, deadline: str) -> None:
    html = f"<div class='item'>{anchor}<span>截止 2026-04-12</span><span>2026-02-11</span></div>"
    [row] = portal_entries(Selector(text=html), PORTAL_LIST, "suggestion")
    assert isinstance(row, SuggestionEntry)
    assert row.url == AUDIT and row.title == "标题"
    assert (row.deadline, row.published) == (deadline, "2026-02-11")


def test_rows_without_a_readable_jump_detail_are_skipped() -> None:
    html = (
        "<div class='item'><span>标题</span><span>发布日期</span></div>"
        "<div class='item'><a href='/portal/suggestion'>标题</a><span>2026-01-01</span></div>"
        "<div class='item'><a onclick=\"jumpDetail('a b','2026-04-12')\">坏</a></div>"
        f"<div class='item'><a onclick=\"jumpDetail('{PORTAL_ID}','2026-04-12')\">好</a></div>"
        "<div class='item'><a onclick=\"jumpDetail('2026-s-0042','2026-05-01')\">新编号</a></div>"
    )
    rows = portal_entries(Selector(text=html), PORTAL_LIST, "suggestion")
    assert [r.title for r in rows] == ["好", "新编号"]  # an id of another scheme is kept
    assert rows[1].url.endswith("/portal/suggestion-detail/2026-s-0042")


def test_a_page_with_no_recognisable_rows_has_no_generation() -> None:
    garbage = "<html><body><div class='new-layout'><p>系统升级中</p></div></body></html>"
    assert suggestion_entries(garbage, PORTAL_LIST, "suggestion") == ("", [])


def test_legacy_list_pages(pages: dict[str, str]) -> None:
    first = suggestion_entries(pages[LEGACY_LIST.format(0)], LEGACY_LIST.format(0), "legacy")
    second = suggestion_entries(pages[LEGACY_LIST.format(10)], LEGACY_LIST.format(10), "legacy")
    assert (first[0], len(first[1]), second[0], len(second[1])) == (LEGACY, 10, LEGACY, 2)
    row = first[1][0]
    assert isinstance(row, SuggestionEntry)
    assert (row.url, row.deadline, row.published) == (LABELLING, "2024-11-13", "")


def test_legacy_row_without_link_is_skipped() -> None:
    html = (
        "<ul class='list-group'><li class='list-group-item list_title_news'>无链接"
        "<span class='list_time'>[截至日期:2024-01-01]</span></li>"
        "<li class='list-group-item list_title_news'><a href='bzzqyjDetail.html?id=1&amp;x=2'>"
        "有链接</a><span class='list_time'>[截至日期:2024-3-5]</span></li></ul>"
    )
    [row] = legacy_entries(Selector(text=html), LEGACY_LIST.format(0), "legacy")
    assert row.url == SITE + "/front/bzzqyjDetail.html?id=1&x=2"
    assert isinstance(row, SuggestionEntry) and row.deadline == "2024-03-05"


def test_next_legacy_page_moves_start_and_keeps_the_rest() -> None:
    assert next_legacy_page(LEGACY_LIST.format(0)) == LEGACY_LIST.format(10)
    assert "start=30" in next_legacy_page(SITE + "/front/bzzqyjList.html?start=20&length=10")


def test_links_of_the_home_page(pages: dict[str, str]) -> None:
    rows = link_entries(pages[HOME], HOME, "notices")
    by_url = {r.url: r for r in rows}
    assert len(rows) == len(by_url) == 8  # the banner repeats one article: deduplicated
    assert set(by_url) == PORTAL_PAGES - {SBOM_DRAFT} | {TC260_003}
    assert by_url[DEPLOY_GUIDE].title.startswith("关于发布《网络安全标准实践指南——智能体")
    assert by_url[REPORTS].title.endswith("等5项技术研究报告的通知")  # the title attribute
    assert by_url[NEEDS].published == "2026-04-16"
    audit = by_url[AUDIT]
    assert isinstance(audit, SuggestionEntry) and audit.deadline == "2026-04-12"


@pytest.mark.parametrize(
    ("url", "wanted"),
    [
        (SITE + "/portal/article/2/20250828165129", True),
        (SITE + "/portal/article/303/4061772dcf684d8a96f395a4298e9e53", True),
        ("http://www.tc260.org.cn/front/postDetail.html?id=20250828165129", True),
        (LABELLING, True),
        (AUDIT, True),
        (SITE + "/portal/article/2", False),
        (SITE + "/portal/article/2/abc", False),
        (SITE + "/front/postDetail.html?id=123", False),
        ("https://www.cac.gov.cn/portal/article/2/20250828165129", False),
    ],
)
def test_is_detail_url(url: str, wanted: bool) -> None:
    assert is_detail_url(url) is wanted


# --- numbers and types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("《……》（TC260-PG-20252A）", ["TC260-PG-20252A"]),
        ("TC260-PG-202510A 与 TC260-PG-20257A", ["TC260-PG-202510A", "TC260-PG-20257A"]),
        ("技术文件TC260-003《生成式人工智能服务安全基本要求》", ["TC260-003"]),
        ("TC260-TR-005-2026《智能体安全标准化研究》", ["TC260-TR-005-2026"]),
        ("ＴＣ２６０－００３", ["TC260-003"]),
        ("TC260-003 和 TC260-003", ["TC260-003"]),
        ("TC260-PG-2024NA、TC2600-003、XTC260-003、TC260-0031", []),
    ],
)
def test_tc260_numbers(text: str, found: list[str]) -> None:
    assert tc260_numbers(text) == found


def test_doc_number_of_a_draft_is_never_a_cited_number() -> None:
    body = "各有关单位：\n本标准参考了TC260-003。"
    assert doc_number("关于国家标准《某标准》征求意见稿征求意见的通知", body, True) == ""
    assert doc_number("关于发布某文件的通知", "信安秘字〔2023〕12号\n正文", False) == (
        "信安秘字〔2023〕12号"
    )


def test_a_number_cited_in_the_text_is_not_the_documents_own() -> None:
    """Taken as its own, a cited plan's number would merge every draft citing it into one."""
    cited = "各有关单位：\n根据《2024年国家标准立项指南》（国标委发〔2024〕16号），现征求意见。"
    draft = "关于国家标准《数据安全技术 某要求》征求意见稿征求意见的通知"
    assert doc_number(draft, cited, True) == ""
    assert doc_number("关于发布某文件的通知", cited, False) == ""
    own = "网安秘字〔2026〕34号\n" + cited
    assert doc_number("关于发布某文件的通知", own, False) == "网安秘字〔2026〕34号"


@pytest.mark.parametrize(
    ("title", "number", "kind"),
    [
        ("关于国家标准《网络安全技术 某某要求》征求意见稿征求意见的通知", "", "标准"),
        ("关于发布《网络安全标准实践指南——某指引》的通知", "TC260-PG-20266A", "实践指南"),
        ("关于发布技术文件《某要求》的通知", "TC260-003", "技术文件"),
        ("关于发布《某研究》的通知", "TC260-TR-001-2026", "技术报告"),
        ("关于发布《某研究》等5项技术研究报告的通知", "网安秘字〔2026〕34号", "通知"),
    ],
)
def test_doc_type(title: str, number: str, kind: str) -> None:
    assert doc_type(title, number) == kind


# --- attachments as the site serves them -------------------------------------------------------


def test_an_msdownload_answer_holding_a_pdf_is_read_as_a_pdf(tree: FixtureTree) -> None:
    [fixture] = [f for f in tree if f.url == AUDIT_PDF]
    assert fixture.headers["Content-Type"] == "application/x-msdownload"
    assert "filename=" in str(fixture.headers["Content-Disposition"])
    read = read_attachment(fixture.body, "pdf")
    assert read.error == "" and "个人信息保护合规审计专业机构能力要求" in read.text


# --- encodings ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edge() -> dict[str, HtmlResponse]:
    return {f.url: response_for(f) for f in FixtureTree.load(EDGE) if f.url.startswith(SITE)}


@pytest.mark.parametrize(
    ("url", "title", "in_body"),
    [
        (AUDIT, f"关于国家标准《{AUDIT_NAME}》", "恳切希望"),
        (
            PRETRAINING,
            "关于国家标准《信息安全技术 生成式人工智能预训练和优化训练数据安全规范》",
            "信安标委网站",
        ),
        (
            REPORTS,
            "关于发布《智能驾驶网络和数据安全标准化研究》等5项技术研究报告的通知",
            "TC260-TR-004-2026",
        ),
    ],
    ids=["gbk-declared", "gbk-under-utf8-header", "gbk-no-charset"],
)
def test_gbk_pages_decode_exactly(
    edge: dict[str, HtmlResponse], url: str, title: str, in_body: str
) -> None:
    response = edge[url]
    doc = extract_document(page_text(response), url)
    assert doc is not None
    assert doc.title.startswith(title) and in_body in doc.body_text
    names = "".join(a.name for a in doc.attachments)
    assert (names and not looks_wrong(doc.title + doc.body_text + names)) or url == PRETRAINING


def test_gbk_under_a_utf8_header_fools_scrapy_alone(edge: dict[str, HtmlResponse]) -> None:
    """The control: the header is wrong, so plain decoding garbles the page."""
    assert looks_wrong(edge[PRETRAINING].text)
    doc = extract_document(page_text(edge[PRETRAINING]), PRETRAINING)
    assert doc is not None and doc.issuers == [OLD_SECRETARIAT]


# --- TLS ---------------------------------------------------------------------------------------


def test_tls_verification_can_be_turned_off_for_tc260() -> None:
    from scrapy.crawler import Crawler

    from config import load_settings
    from crawler.run import base_settings

    def verifies(flags: dict[str, str]) -> bool:
        settings = base_settings()
        settings.set("REGWATCH_SETTINGS", load_settings(flags, environ={}), priority="cmdline")
        return Crawler(Tc260Spider, settings).settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES")

    assert verifies({})
    assert not verifies({"sources.tc260.verify_tls": "false"})
    assert verifies({"sources.gov_cn.verify_tls": "false"})


# --- crawls end to end -------------------------------------------------------------------------


def crawl(db: Path, tree: Path, *flags: str) -> tuple[int, dict[str, int], str, str]:
    """``regwatch crawl tc260 --replay tree`` in its own process: code, counts, out, err."""
    args = [sys.executable, "-m", "cli", "--db", str(db)]
    for flag in ("crawl.autothrottle=false", *flags):
        args += ["--set", flag]
    done = subprocess.run(
        [*args, "crawl", "tc260", "--replay", str(tree)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    return done.returncode, counts_in(done.stdout, "tc260:"), done.stdout, done.stderr


def stored(db: Path) -> dict[str, Document]:
    with Store.open(str(db)) as store:
        return {d.url: d for d in store.list_documents()}


@pytest.mark.slow
def test_crawl_of_the_snapshot_then_nothing_new(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    code, counts, out, err = crawl(db, SNAPSHOT)
    assert code == 0, err
    assert (counts["new"], counts["failed"]) == (9, 0) and "state ok" in out
    docs = stored(db)
    assert set(docs) == PORTAL_PAGES | {TC260_003}
    assert docs[AUDIT].comment_deadline == date(2026, 4, 12)
    assert docs[SBOM_DRAFT].comment_deadline == date(2025, 9, 9)
    assert docs[REPORTS].doc_number == "网安秘字〔2026〕34号"
    read = {a.url: a for d in docs.values() for a in d.attachments}
    assert "个人信息保护合规审计专业机构能力要求" in read[AUDIT_PDF].text  # x-msdownload PDF
    assert "意见反馈表" in read[FEEDBACK_DOCX].text
    bundle = read[SITE + "/sysFile/downloadFile/65a2ac0e14a140f68bb382b7a6e00b0c"]
    assert bundle.sha256 and bundle.error == ""
    code, counts, out, err = crawl(db, SNAPSHOT)
    assert code == 0, err
    assert (counts["new"], counts["amended"], counts["failed"]) == (0, 0, 0)
    assert len(stored(db)) == 9


@pytest.mark.slow
def test_crawl_with_the_legacy_channel_enabled(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    flag = "sources.tc260.channels.legacy_suggestion.enabled=true"
    code, counts, out, err = crawl(db, SNAPSHOT, flag)
    assert code == 0, err
    assert (counts["new"], counts["failed"]) == (21, 0) and "state ok" in out
    docs = stored(db)
    legacy = {u: d for u, d in docs.items() if "bzzqyjDetail" in u}
    assert len(legacy) == 12  # page 2 (start=10) was read too
    assert legacy[LABELLING].comment_deadline == date(2024, 11, 13)
    assert legacy[PRETRAINING].issuers == [OLD_SECRETARIAT]
    texts = [a.text for a in legacy[LABELLING].attachments]
    assert all("人工智能生成合成内容标识方法" in t for t in texts) and len(texts) == 2


@pytest.mark.slow
def test_a_recheck_of_an_unchanged_page_is_no_amendment(tmp_path: Path) -> None:
    """The re-check has no list entry: deadline, date and title come from the page alone."""
    db = tmp_path / "r.db"
    snapshot = {f.url: f for f in FixtureTree.load(SNAPSHOT)}
    flags = (
        "sources.tc260.enabled_channels=suggestion",
        "attachments.download=false",
        "crawl.recheck_every_hours=0",
        "crawl.recheck_days=36500",
    )
    for poll in ("first", "second"):  # the same pages under new ETags: no 304 on re-check
        tree = tmp_path / poll
        for url in (PORTAL_LIST, AUDIT, SBOM_DRAFT):
            fixture = snapshot[url]
            write_fixture(
                tree,
                url,
                fixture.body,
                status=200,
                headers=dict(fixture.headers),
                origin="reconstructed",
                origin_detail="copy of the snapshot page (SITES.md §4.3)",
                etag=f"{poll}-{url.rsplit('/', 1)[-1]}",
            )
        code, counts, _, err = crawl(db, tree, *flags)
        assert code == 0, err
    assert (counts["new"], counts["amended"], counts["unchanged"], counts["failed"]) == (
        0,
        0,
        2,
        0,
    )
    docs = stored(db)
    assert docs[SBOM_DRAFT].comment_deadline == date(2025, 9, 9)
    assert docs[SBOM_DRAFT].version == 1


@pytest.mark.slow
def test_a_list_without_recognisable_rows_is_parse_suspect_and_loses_nothing(
    tmp_path: Path,
) -> None:
    good, bad, db = tmp_path / "good", tmp_path / "bad", tmp_path / "r.db"
    only = "sources.tc260.enabled_channels=suggestion"
    html = {"Content-Type": "text/html; charset=utf-8"}
    origin = {"origin": "reconstructed", "origin_detail": "test page following SITES.md §4.1"}
    snapshot = {f.url: f for f in FixtureTree.load(SNAPSHOT)}
    row = (
        f"<div class='item'><a onclick=\"jumpDetail('{PORTAL_ID}','2026-04-12')\">标题</a>"
        "<span>2026-02-11</span></div>"
    )
    write_fixture(good, PORTAL_LIST, row, status=200, headers=html, **origin)  # type: ignore[arg-type]
    write_fixture(good, AUDIT, snapshot[AUDIT].body, status=200, headers=html, **origin)  # type: ignore[arg-type]
    assert crawl(db, good, only, "attachments.download=false")[1]["new"] == 1
    page = "<html><body><div class='new-layout'><p>栏目改版</p></div></body></html>"
    write_fixture(bad, PORTAL_LIST, page, status=200, headers=html, **origin)  # type: ignore[arg-type]
    code, counts, out, err = crawl(db, bad, only)
    assert code == 1 and counts["failed"] == 1 and counts["new"] == 0
    assert "parse_suspect" in err + out
    [doc] = stored(db).values()
    assert doc.url == AUDIT and "withdrawn" not in doc.flags
