"""Attachment links: names and extensions, including file names hidden in query strings.

RELIABILITY case 13(e): a UTF-8 page linking an attachment whose name is GBK-encoded in the
query string, as older Chinese CMSs write download links.
"""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.extract import attachments_in, file_name_in

BASE = "https://www.miit.gov.cn/zwgk/zcwj/art/2026/art_1.html"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://x.cn/download.jsp?filename=%B9%A4%D2%B5%CA%FD%BE%DD.pdf", "工业数据.pdf"),
        (
            "https://x.cn/download.jsp?fileName=%E5%B7%A5%E4%B8%9A%E6%95%B0%E6%8D%AE.docx",
            "工业数据.docx",
        ),
        ("https://x.cn/files/%E9%99%84%E4%BB%B61.pdf", "附件1.pdf"),
        ("https://x.cn/files/%B8%BD%BC%FE2.wps", "附件2.wps"),
        ("https://x.cn/files/P020261118001.pdf", "P020261118001.pdf"),
    ],
    ids=["gbk-query", "utf8-query", "utf8-path", "gbk-path", "plain"],
)
def test_file_names_are_decoded_from_utf8_or_gb18030(url: str, name: str) -> None:
    assert file_name_in(url) == name


def test_a_gbk_query_name_gives_the_attachment_its_name_and_extension() -> None:
    page = (
        '<div id="UCAP-CONTENT"><p>附件：'
        '<a href="/cms/download.jsp?filename=%B9%A4%D2%B5%CA%FD%BE%DD.pdf"></a>'
        '<a href="/cms/download.jsp?id=7&amp;filename=%B1%ED.xlsx">反馈表</a></p></div>'
    )
    first, second = attachments_in(Selector(text=page).css("#UCAP-CONTENT")[0], BASE)
    assert (first.name, first.extension) == ("工业数据.pdf", "pdf")
    assert (
        first.url
        == "https://www.miit.gov.cn/cms/download.jsp?filename=%B9%A4%D2%B5%CA%FD%BE%DD.pdf"
    )
    assert (second.name, second.extension) == ("反馈表", "xlsx")
    assert "\ufffd" not in first.name + second.name
