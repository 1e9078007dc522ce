"""Pages in GBK/GB18030 or with a wrong declared charset decode exactly (RELIABILITY 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.encoding import looks_wrong, page_text
from crawler.replay.tree import FixtureTree
from crawler.spiders.gov_cn import extract_document

EDGE = Path(__file__).resolve().parents[2] / "fixtures" / "edge"
TITLE = "促进和规范数据跨境流动规定"


@pytest.fixture(scope="module")
def pages() -> dict[str, HtmlResponse]:
    return {
        f.url.rsplit("/", 1)[-1]: HtmlResponse(url=f.url, body=f.body, headers=f.headers)
        for f in FixtureTree.load(EDGE)
        if f.url.endswith(".htm")
    }


@pytest.mark.parametrize(
    "name",
    [
        "charset-gb2312-with-gb18030-char.htm",
        "charset-none-gbk-body.htm",
        "charset-header-utf8-body-gbk.htm",
        "charset-meta-gbk-body-utf8-bom.htm",
    ],
)
def test_title_decodes_exactly(pages: dict[str, HtmlResponse], name: str) -> None:
    response = pages[name]
    doc = extract_document(page_text(response), response.url)
    assert doc is not None
    assert doc.title == TITLE
    assert not looks_wrong(doc.title + doc.body_text)


def test_gb18030_only_character_survives(pages: dict[str, HtmlResponse]) -> None:
    text = page_text(pages["charset-gb2312-with-gb18030-char.htm"])
    assert "\U00020000" in text


def test_scrapy_alone_trusts_a_wrong_header(pages: dict[str, HtmlResponse]) -> None:
    """The control: without re-detection a GBK body under a utf-8 header is garbled."""
    assert looks_wrong(pages["charset-header-utf8-body-gbk.htm"].text)


def test_malformed_page_without_main_text_is_not_a_document(pages: dict[str, HtmlResponse]) -> None:
    response = pages["malformed-no-ucap-content.htm"]
    assert extract_document(page_text(response), response.url) is None


@pytest.mark.parametrize("text", ["工业和信息化部关于……的通知", "GB/T 35273—2020", ""])
def test_clean_text_does_not_look_wrong(text: str) -> None:
    assert not looks_wrong(text)
