"""The gov_cn spider's extraction, on the bundled snapshot's saved pages.

Pages are parsed once (module fixture) from their raw bytes and headers, so Scrapy's own
encoding detection runs; then one short test per field, and invariants over every page.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse, TextResponse

from config.sources import build, catalogue
from crawler.replay.tree import FixtureTree
from crawler.spiders.gov_cn import extract_document
from model.document import Document

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "fixtures" / "snapshot"
BEIJING = timezone(timedelta(hours=8))
LABEL_RULE = "https://www.gov.cn/zhengce/zhengceku/202503/content_7014286.htm"
DRAFT = "https://www.gov.cn/zhengce/zhengceku/202409/content_6974623.htm"
OLD_LAYOUT = "https://www.gov.cn/zhengce/content/2021-08/17/content_5631671.htm"
INTERVIEW = "https://www.gov.cn/zhengce/2021-08/17/content_5631690.htm"
REAL_PAGE = "https://www.gov.cn/zhengce/zhengceku/202609/content_7082302.htm"


def response_for(fixture) -> TextResponse:  # type: ignore[no-untyped-def]
    headers = {k: v for k, v in fixture.headers.items()}
    return HtmlResponse(url=fixture.url, body=fixture.body, headers=headers)


@pytest.fixture(scope="module")
def tree() -> FixtureTree:
    return FixtureTree.load(SNAPSHOT)


@pytest.fixture(scope="module")
def docs(tree: FixtureTree) -> dict[str, Document]:
    feeds = {c.url for c in build(catalogue())["gov_cn"].channels.values()}
    pages = [
        f for f in tree if "www.gov.cn" in f.url and f.url.endswith(".htm") and f.url not in feeds
    ]
    parsed = {f.url: extract_document(response_for(f).text, f.url) for f in pages}
    assert all(parsed.values()), [u for u, d in parsed.items() if d is None]
    return parsed  # type: ignore[return-value]


def test_every_detail_page_is_extracted(docs: dict[str, Document]) -> None:
    assert len(docs) >= 15


def test_title_comes_from_the_metadata_table(docs: dict[str, Document]) -> None:
    assert docs[LABEL_RULE].title == (
        "国家互联网信息办公室 工业和信息化部 公安部 国家广播电视总局关于印发"
        "《人工智能生成合成内容标识办法》的通知"
    )


def test_published_at_is_firstpublishedtime_in_beijing_time(docs: dict[str, Document]) -> None:
    assert docs[LABEL_RULE].published_at == datetime(2025, 3, 14, 17, 20, tzinfo=BEIJING)


def test_issuers_are_split(docs: dict[str, Document]) -> None:
    assert docs[LABEL_RULE].issuers == [
        "国家互联网信息办公室",
        "工业和信息化部",
        "公安部",
        "国家广播电视总局",
    ]


def test_doc_number(docs: dict[str, Document]) -> None:
    assert docs[LABEL_RULE].doc_number == "国信办通字〔2025〕2号"


def test_doc_type(docs: dict[str, Document]) -> None:
    assert docs[LABEL_RULE].doc_type == "通知"


def test_effective_date(docs: dict[str, Document]) -> None:
    assert docs[LABEL_RULE].effective_date == date(2025, 9, 1)


def test_relative_attachment_is_resolved(docs: dict[str, Document]) -> None:
    [pdf] = docs[LABEL_RULE].attachments
    assert pdf.url == "https://www.gov.cn/zhengce/zhengceku/202503/P020250314573840261592.pdf"
    assert (pdf.name, pdf.extension) == ("人工智能生成合成内容标识办法.pdf", "pdf")


def test_draft_for_comment_and_deadline(docs: dict[str, Document]) -> None:
    draft = docs[DRAFT]
    assert draft.is_draft_for_comment is True
    assert draft.comment_deadline == date(2024, 10, 14)
    assert [a.extension for a in draft.attachments] == ["docx"]


def test_older_table_bd1_layout(docs: dict[str, Document]) -> None:
    old = docs[OLD_LAYOUT]
    assert (old.title, old.doc_number, old.issuers) == (
        "关键信息基础设施安全保护条例",
        "国令第745号",
        ["国务院"],
    )
    assert old.effective_date == date(2021, 9, 1)
    assert old.body_text.startswith("中华人民共和国国务院令")


def test_news_type_interpretation_page(docs: dict[str, Document]) -> None:
    page = docs[INTERVIEW]
    assert page.title.endswith("答记者问")
    assert page.doc_type == "答记者问"
    assert page.published_at == datetime(2021, 8, 17, 17, 5, tzinfo=BEIJING)


def test_real_page_issuers_and_no_number(docs: dict[str, Document]) -> None:
    real = docs[REAL_PAGE]
    assert real.issuers[0] == "中国人民银行" and len(real.issuers) == 8
    assert real.doc_number == "" and real.doc_type == "意见"
    assert real.published_at == datetime(2026, 9, 28, 21, 50, tzinfo=BEIJING)


@pytest.mark.parametrize("field", ["title", "body_text"])
def test_no_mojibake_or_site_suffix(docs: dict[str, Document], field: str) -> None:
    for doc in docs.values():
        value = getattr(doc, field)
        assert "\ufffd" not in value and "Ã" not in value and "_中国政府网" not in value


def test_body_is_never_doubled_by_the_mobile_copy(docs: dict[str, Document]) -> None:
    for doc in docs.values():
        longest = max(doc.body_text.splitlines(), key=len)
        assert doc.body_text.count(longest) == 1, doc.url


def test_every_page_has_a_beijing_time_and_a_source(docs: dict[str, Document]) -> None:
    for doc in docs.values():
        assert doc.source == "gov_cn"
        assert doc.published_at is not None and doc.published_at.utcoffset() == timedelta(hours=8)


def test_attachment_urls_are_absolute(docs: dict[str, Document]) -> None:
    for doc in docs.values():
        for attachment in doc.attachments:
            assert attachment.url.startswith("https://www.gov.cn/"), attachment.url


def test_page_without_main_text_gives_nothing() -> None:
    html = "<html><head><title>x_中国政府网</title></head><body><p>布局已更改</p></body></html>"
    assert extract_document(html, "https://www.gov.cn/x.htm") is None


_TAGS = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<table>",
        "</table>",
        "<td>",
        "<div id='UCAP-CONTENT'>",
        "</div>",
        "<h1>",
        "<a href='./P0.pdf'>",
        "<script>",
        "<!--",
        "<br>",
        "<meta name='firstpublishedtime' content='2026-13-45-99:99:99'>",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_TAGS, st.text(max_size=20)), max_size=40))
def test_random_html_gives_a_document_or_none_never_an_exception(parts: list[str]) -> None:
    doc = extract_document("".join(parts), "https://www.gov.cn/zhengce/x.htm")
    assert doc is None or (doc.title and doc.body_text)


def test_written_on_publisher_and_subject(docs: dict[str, Document]) -> None:
    rule = docs[LABEL_RULE]
    assert rule.written_on == date(2025, 3, 7)
    assert rule.publisher and rule.subject
    assert docs[INTERVIEW].publisher == "新华社"
