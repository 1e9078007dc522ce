"""The miit spider: list parsers, detail extraction, and crawls end to end.

Detail pages and list answers come from the bundled snapshot (fixtures/snapshot/www.miit.gov.cn,
SITES.md §2) and the encoding cases from fixtures/edge/www.miit.gov.cn. Crawls run as
``regwatch crawl miit`` in their own process: on the snapshot, on small trees written here
(paging variants, challenge and drifted pages), and live against the fault server on loopback
(the cookie and Referer the unit API call carries).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parsel import Selector
from scrapy.http import HtmlResponse, TextResponse

from config import load_settings
from config.sources import build, catalogue
from crawler.base import ListEntry
from crawler.encoding import page_text
from crawler.replay.server import ReplayServer
from crawler.replay.tree import FixtureTree
from crawler.replay.writer import write_fixture
from crawler.spiders.miit import (
    API_ACCEPT,
    ListError,
    MiitSpider,
    build_script,
    extract_document,
    head_doc_number,
    parse_query_data,
    search_entries,
    source_issuer,
    unit_api_url,
    unit_entries,
    with_page_param,
)
from model.document import Document
from storage import Store
from tests.crawler.faultserver import FaultServer
from tests.crawler.govcn_pages import ROOT, counts_in

SNAPSHOT = ROOT / "fixtures" / "snapshot"
EDGE = ROOT / "fixtures" / "edge"
BEIJING = timezone(timedelta(hours=8))
SITE = "https://www.miit.gov.cn"
UNIT = f"{SITE}/api-gateway/jpaas-publish-server/front/page/build/unit"
UNIT_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
ATTACH = "/cms_files/filemanager/1226211233/attach"

RISK_TZ = f"{SITE}/zwgk/zcwj/wjfb/tz/art/2024/art_43195d83d08e8b98af7922526b6de23a.html"
RISK_WAJ = f"{SITE}/jgsj/waj/wjfb/art/2024/art_11de6d5c94f0f0b785f878cf90aef334.html"
MGMT_WAJ = f"{SITE}/jgsj/waj/wjfb/art/2022/art_e4d9ba53a8014d85a4f80d47272f486d.html"
VULN_WAJ = f"{SITE}/jgsj/waj/wjfb/art/2021/art_96c2d3de7a6f400ea1d8522b7893db7a.html"
APP_TZ = f"{SITE}/zwgk/zcwj/wjfb/tz/art/2023/art_920db564162e4312916a01bed6540ad8.html"
APP_XGJ = f"{SITE}/jgsj/xgj/wjfb/art/2023/art_dd783a581c9644a4aee10afa582811db.html"
JIEDU = f"{SITE}/zwgk/zcjd/art/2023/art_39b4f1acc36745b98478e0ec3e07128d.html"
DRAFT = f"{SITE}/gzcy/yjzj/art/2021/art_22dd8a5473606b59bdf414087932bd16.html"
AUTO_TZ = f"{SITE}/zwgk/zcwj/wjfb/tz/art/2023/art_5b45bda37ac82e1a04f9f50f4879a2a2.html"
STEEL_YJ = f"{SITE}/zwgk/zcwj/wjfb/yj/art/2022/art_a448ac4e00d3f56425b25a089543a9f4.html"
RISK_PDF = f"{SITE}{ATTACH}/20245/7c4ea13364978e6b0361a3de7c99f337.pdf"
DRAFT_DOCX = f"https://jyhwzhq.miit.gov.cn{ATTACH}/20219/32a14649b8107b3a0cac21da1895a73e.docx"

RISK_TITLE = "工业和信息化部关于印发《工业和信息化领域数据安全风险评估实施细则（试行）》的通知"
MGMT_TITLE = "工业和信息化部关于印发《工业和信息化领域数据安全管理办法（试行）》的通知"
VULN_TITLE = "工业和信息化部 国家互联网信息办公室 公安部关于印发网络产品安全漏洞管理规定的通知"
APP_TITLE = "工业和信息化部关于开展移动互联网应用程序备案工作的通知"
JIEDU_TITLE = "《工业和信息化部关于开展移动互联网应用程序备案工作的通知》解读"
DRAFT_TITLE = (
    "工业和信息化部关于《工业和信息化领域数据安全管理办法（试行）（征求意见稿）》公开征求意见的通知"
)
MIIT = ["工业和信息化部"]


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)


# url: title, published_at, issuers, 文号, doc_type, draft, deadline, effective, publisher, 成文
EXPECTED: dict[str, tuple[Any, ...]] = {
    RISK_TZ: (
        RISK_TITLE,
        at("2024-05-24 16:10"),
        MIIT,
        "工信部网安〔2024〕82号",
        "通知",
        False,
        None,
        None,  # 2024-06-01 is in the attached 细则 only (see the snapshot crawl test)
        "网络安全管理局",
        date(2024, 5, 10),
    ),
    RISK_WAJ: (
        RISK_TITLE,
        at("2024-05-24 16:10"),
        MIIT,
        "工信部网安〔2024〕82号",
        "通知",
        False,
        None,
        None,
        "网络安全管理局",
        date(2024, 5, 10),
    ),
    MGMT_WAJ: (
        MGMT_TITLE,
        at("2022-12-13 22:04"),
        MIIT,
        "工信部网安〔2022〕166号",
        "通知",
        False,
        None,
        date(2023, 1, 1),
        "网络安全管理局",
        date(2022, 12, 8),
    ),
    VULN_WAJ: (
        VULN_TITLE,
        at("2021-07-13 17:30"),
        ["工业和信息化部", "国家互联网信息办公室", "公安部"],
        "工信部联网安〔2021〕66号",
        "通知",
        False,
        None,
        date(2021, 9, 1),
        "网络安全管理局",
        None,
    ),
    APP_TZ: (
        APP_TITLE,
        at("2023-08-04 17:00"),
        MIIT,
        "工信部信管〔2023〕105号",
        "通知",
        False,
        None,
        None,
        "信息通信管理局",
        date(2023, 7, 21),
    ),
    APP_XGJ: (
        APP_TITLE,
        at("2023-08-04 17:00"),
        MIIT,
        "工信部信管〔2023〕105号",
        "通知",
        False,
        None,
        None,
        "信息通信管理局",  # from meta ContentSource: this copy has no 来源 line
        date(2023, 7, 21),
    ),
    JIEDU: (
        JIEDU_TITLE,
        at("2023-08-04 17:05"),
        ["工业和信息化部信息通信管理局"],  # from 来源; the title only quotes the notice
        "",  # the notice's 文号 is cited in the first line, not the 解读's own
        "解读",
        False,
        None,
        None,
        "信息通信管理局",
        None,
    ),
    DRAFT: (
        DRAFT_TITLE,
        at("2021-09-30 17:00"),
        MIIT,
        "",
        "通知",
        True,
        date(2021, 10, 30),
        None,
        "网络安全管理局",
        date(2021, 9, 30),
    ),
}
FIELDS = (
    "title",
    "published_at",
    "issuers",
    "doc_number",
    "doc_type",
    "is_draft_for_comment",
    "comment_deadline",
    "effective_date",
    "publisher",
    "written_on",
)


def response_for(fixture) -> TextResponse:  # type: ignore[no-untyped-def]
    return HtmlResponse(url=fixture.url, body=fixture.body, headers=dict(fixture.headers))


@pytest.fixture(scope="module")
def tree() -> FixtureTree:
    return FixtureTree.load(SNAPSHOT)


@pytest.fixture(scope="module")
def docs(tree: FixtureTree) -> dict[str, Document]:
    pages = [f for f in tree if "miit.gov.cn" in f.url and "/art/" in f.url]
    parsed = {f.url: extract_document(page_text(response_for(f)), f.url) for f in pages}
    assert all(parsed.values()), [u for u, d in parsed.items() if d is None]
    return parsed  # type: ignore[return-value]


def body_of(tree: FixtureTree, url: str) -> bytes:
    [fixture] = tree.match("GET", url)
    return fixture.body


def spider() -> MiitSpider:
    """A spider with settings and source only, enough for :meth:`MiitSpider.relevant`."""
    regwatch = load_settings()
    instance = MiitSpider.__new__(MiitSpider)
    instance.settings_obj = regwatch
    instance.source = regwatch.sources["miit"]
    return instance


# -- detail pages: one test per field, on every bundled page ------------------------------------


def test_every_detail_page_of_the_snapshot_is_checked(docs: dict[str, Document]) -> None:
    assert set(docs) == set(EXPECTED)


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("url", list(EXPECTED))
def test_field(docs: dict[str, Document], url: str, field: str) -> None:
    assert getattr(docs[url], field) == EXPECTED[url][FIELDS.index(field)]


def test_risk_notice_has_the_same_facts_as_the_gov_cn_copy(tree: FixtureTree) -> None:
    from crawler.spiders.gov_cn import extract_document as gov_cn_document

    gov = "https://www.gov.cn/zhengce/zhengceku/202405/content_6953108.htm"
    [fixture] = tree.match("GET", gov)
    theirs = gov_cn_document(page_text(response_for(fixture)), gov)
    [mine] = tree.match("GET", RISK_TZ)
    ours = extract_document(page_text(response_for(mine)), RISK_TZ)
    assert theirs is not None and ours is not None
    assert (ours.title, ours.doc_number, ours.written_on) == (
        theirs.title,
        theirs.doc_number,
        theirs.written_on,
    )
    assert ours.published_at and theirs.published_at
    assert ours.published_at.date() == theirs.published_at.date()


def test_body_has_no_page_chrome(docs: dict[str, Document]) -> None:
    for doc in docs.values():
        for chrome in ("分享到", "打印本页", "字号", "当前位置", "主办单位", "发布时间", "搜索"):
            assert chrome not in doc.body_text, (doc.url, chrome)


def test_body_is_not_doubled(docs: dict[str, Document]) -> None:
    for doc in docs.values():
        longest = max(doc.body_text.splitlines(), key=len)
        assert doc.body_text.count(longest) == 1, doc.url


def test_iframes_and_scripts_are_not_text(docs: dict[str, Document]) -> None:
    text = docs[JIEDU].body_text
    assert "不支持iframe" not in text and "_jiedu_video" not in text
    assert text.endswith("2024年7月起进入常态化管理。")


def test_body_starts_with_the_doc_number_line(docs: dict[str, Document]) -> None:
    assert docs[RISK_TZ].body_text.startswith("工信部网安〔2024〕82号\n各省、自治区")


def test_subject_from_the_bureau_metadata_table(docs: dict[str, Document]) -> None:
    assert docs[MGMT_WAJ].subject == "网络安全管理" and docs[APP_TZ].subject == ""


def test_site_relative_attachment(docs: dict[str, Document]) -> None:
    [pdf] = docs[RISK_TZ].attachments
    assert (pdf.url, pdf.extension) == (RISK_PDF, "pdf")
    assert pdf.name == "工业和信息化领域数据安全风险评估实施细则（试行）.pdf"


def test_dot_dot_relative_attachment_resolves_to_the_same_file(docs: dict[str, Document]) -> None:
    assert [a.url for a in docs[RISK_WAJ].attachments] == [RISK_PDF]


def test_attachment_on_the_consultation_host(docs: dict[str, Document]) -> None:
    [docx] = docs[DRAFT].attachments
    assert (docx.url, docx.extension) == (DRAFT_DOCX, "docx")
    assert docx.name.startswith("工业和信息化领域数据安全管理办法")


def test_pages_without_attachments(docs: dict[str, Document]) -> None:
    for url in (MGMT_WAJ, VULN_WAJ, APP_TZ, APP_XGJ, JIEDU):
        assert docs[url].attachments == [], url


def test_no_mojibake_and_source(docs: dict[str, Document]) -> None:
    for doc in docs.values():
        assert doc.source == "miit" and doc.lang == "zh"
        for value in (doc.title, doc.body_text):
            assert "\ufffd" not in value and "Ã" not in value and "_工业和信息化部" not in value


# -- detail pages: fallbacks and traps, on small pages --------------------------------------------


def page(body: str, head: str = "", title: str = "", cinfo: str = "") -> str:
    heading = f'<h1 id="con_title">{title}</h1>' if title else ""
    return (
        f"<html><head>{head}</head><body>{heading}"
        f'<div class="cinfo">{cinfo}</div>{body}</body></html>'
    )


def test_doc_number_cited_in_the_text_is_not_taken() -> None:
    text = (
        "<div id='con_con'><p>各有关单位：</p><p>根据《工业和信息化领域数据安全管理办法（试行）》"
        "（工信部网安〔2022〕166号），现将有关事项通知如下。</p></div>"
    )
    doc = extract_document(page(text, title="关于开展数据安全工作的通知"), f"{SITE}/x.html")
    assert doc is not None and doc.doc_number == ""


def test_head_doc_number_only_near_the_top() -> None:
    assert head_doc_number("标题\n工信部网安〔2024〕82号\n各单位：") == "工信部网安〔2024〕82号"
    assert head_doc_number("各单位：\n" + "正文。" * 80 + "\n工信部网安〔2024〕82号") == ""
    assert head_doc_number("依据工信部网安〔2022〕166号文件，…") == ""
    assert head_doc_number("中华人民共和国工业和信息化部令\n第68号") == ""
    assert head_doc_number("中华人民共和国工业和信息化部令第68号\n") == (
        "中华人民共和国工业和信息化部令第68号"
    )


def test_title_and_date_fall_back_to_meta() -> None:
    head = (
        '<meta name="ArticleTitle" content="关于数据安全的通知">'
        '<meta name="PubDate" content="2026-11-18 09:30">'
        '<meta name="ContentSource" content="网络安全管理局">'
    )
    doc = extract_document(page("<div id='con_con'><p>正文</p></div>", head), f"{SITE}/x.html")
    assert doc is not None
    assert doc.title == "关于数据安全的通知"
    assert doc.published_at == at("2026-11-18 09:30")
    assert doc.publisher == "网络安全管理局"
    assert doc.issuers == ["工业和信息化部网络安全管理局"]


def test_an_empty_source_line_does_not_take_the_next_label() -> None:
    head = '<meta name="ContentSource" content="信息通信管理局">'
    cinfo = "<span>来源：</span><span>字号：<a>大</a></span>"
    doc = extract_document(
        page("<div id='con_con'><p>正文</p></div>", head, "关于数据的通知", cinfo), SITE
    )
    assert doc is not None and doc.publisher == "信息通信管理局"


def test_date_falls_back_to_the_list_entry() -> None:
    entry = ListEntry(f"{SITE}/x.html", "关于数据的通知", "wjfb", "1716538200000")
    doc = extract_document(page("<div id='con_con'><p>正文</p></div>"), entry.url, entry)
    assert doc is not None and doc.title == "关于数据的通知"
    assert doc.published_at == at("2024-05-24 16:10")


@pytest.mark.parametrize("css", ["xxgk_con", "article_con", "con_text"])
def test_older_templates(css: str) -> None:
    html = page(f"<div class='{css}'><p>第一条 正文。</p></div>", title="关于数据的通知")
    doc = extract_document(html, f"{SITE}/x.html")
    assert doc is not None and doc.body_text == "第一条 正文。"


def test_page_without_main_text_gives_nothing() -> None:
    assert extract_document(page("<p>布局已更改</p>", title="关于数据的通知"), SITE) is None
    assert extract_document(page("<div id='con_con'></div>", title="x"), SITE) is None


def test_attachments_only_on_miit_hosts() -> None:
    body = (
        "<div id='con_con'><p>正文</p>"
        f"<a href='https://wap.miit.gov.cn{ATTACH}/20241/a.pdf'>附件1.pdf</a>"
        "<a href='https://www.example.com/b.pdf'>外部.pdf</a>"
        f"<a href='{ATTACH}/20241/c.wps'>附件3</a></div>"
    )
    doc = extract_document(page(body, title="关于数据的通知"), f"{SITE}/zwgk/x/art/2024/a.html")
    assert doc is not None
    assert [a.url for a in doc.attachments] == [
        f"https://wap.miit.gov.cn{ATTACH}/20241/a.pdf",
        f"{SITE}{ATTACH}/20241/c.wps",
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("网络安全管理局", "工业和信息化部网络安全管理局"),
        ("信息通信管理局", "工业和信息化部信息通信管理局"),
        ("工业和信息化部", "工业和信息化部"),
        ("工业和信息化部网站", None),
        ("中国政府网", None),
        ("新华社", None),
        ("", None),
    ],
)
def test_issuer_from_the_source_line(source: str, expected: str | None) -> None:
    organ = source_issuer(source)
    assert (organ.chinese if organ else None) == expected


def test_title_issuers_win_over_the_source_line() -> None:
    html = page(
        "<div id='con_con'><p>正文</p></div>",
        title="国家互联网信息办公室 工业和信息化部关于数据的通知",
        cinfo="来源：网络安全管理局",
    )
    doc = extract_document(html, SITE)
    assert doc is not None and doc.issuers == ["国家互联网信息办公室", "工业和信息化部"]


_TAGS = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div id='con_con'>",
        "</div>",
        "<h1 id='con_title'>",
        "</h1>",
        "<span id='con_time'>发布时间：2026-13-45 99:99",
        "<table><tr><td>发文字号：</td><td>",
        "<a href='/cms_files/x.pdf'>",
        "<iframe>",
        "<script>",
        "<!--",
        "来源：",
        "工信部网安〔2024〕82号",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(_TAGS, st.text(max_size=20)), max_size=40))
def test_random_html_gives_a_document_or_none_never_an_exception(parts: list[str]) -> None:
    doc = extract_document("".join(parts), f"{SITE}/x.html")
    assert doc is None or (doc.title and doc.body_text)


# -- encodings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["charset-gbk.html", "charset-header-utf8-body-gb18030.html", "charset-none-gbk.html"],
)
def test_edge_encodings_decode(name: str) -> None:
    [fixture] = FixtureTree.load(EDGE).match("GET", f"{SITE}/edge/{name}")
    assert not fixture.body.decode("utf-8", "replace").isascii()
    with pytest.raises(UnicodeDecodeError):
        fixture.body.decode("utf-8")  # the bytes really are GBK/GB18030
    doc = extract_document(page_text(response_for(fixture)), fixture.url)
    assert doc is not None
    assert doc.title == VULN_TITLE
    assert doc.doc_number == "工信部联网安〔2021〕66号"
    assert "第十六条 本规定自2021年9月1日起施行。" in doc.body_text
    assert doc.publisher == "网络安全管理局"


def test_gb18030_only_character_survives() -> None:
    url = f"{SITE}/edge/charset-header-utf8-body-gb18030.html"
    [fixture] = FixtureTree.load(EDGE).match("GET", url)
    doc = extract_document(page_text(response_for(fixture)), url)
    assert doc is not None and "𠀀" in doc.body_text


# -- column pages and the unit API --------------------------------------------------------------


def column_channels() -> dict[str, str]:
    channels = build(catalogue())["miit"].channels.values()
    return {c.name: c.url for c in channels if c.format == "column"}


def test_six_column_channels_each_lead_to_a_saved_unit_answer(tree: FixtureTree) -> None:
    columns = column_channels()
    assert len(columns) == 6
    for name, url in columns.items():
        script = build_script(Selector(text=body_of(tree, url).decode()))
        assert script is not None, name
        api = unit_api_url(url, script)
        assert api is not None and api.startswith(UNIT + "?parseType=buildstatic&")
        assert tree.match("GET", api), (name, api)


def test_unit_answers_of_the_snapshot(tree: FixtureTree) -> None:
    counts = {}
    for name, url in column_channels().items():
        api = unit_api_url(url, build_script(Selector(text=body_of(tree, url).decode())) or {})
        assert api
        entries = unit_entries(body_of(tree, api), api, name)
        counts[name] = len(entries)
        for entry in entries:
            assert entry.url.startswith(SITE + "/") and entry.url.endswith(".html")
            assert "…" not in entry.title and entry.channel == name
            assert len(entry.published) == 10
    assert counts == {"wjfb": 3, "wjgs": 2, "zcjd": 1, "yjzj": 1, "xgj_wjfb": 1, "waj_wjfb": 3}


def test_unit_entry_fields(tree: FixtureTree) -> None:
    url = column_channels()["wjfb"]
    api = unit_api_url(url, build_script(Selector(text=body_of(tree, url).decode())) or {})
    assert api
    first = unit_entries(body_of(tree, api), api, "wjfb")[0]
    assert first == ListEntry(RISK_TZ, RISK_TITLE, "wjfb", "2024-05-24")


SHELL = (
    "<html><body><div class='{cls}'><div>标题</div>"
    "<script id='a' src='/cms_files/unitbuild.js' webId='w' {attr}='buildstatic' "
    "url='/api-gateway/jpaas-publish-server/front/page/build/unit' "
    "queryData=\"{{'pageId':'{page}','tagId':'右侧内容'}}\"></script></div></body></html>"
)


@pytest.mark.parametrize("attr", ["parseType", "parsetype", "PARSETYPE"])
def test_build_script_whatever_the_attribute_case(attr: str) -> None:
    html = SHELL.format(cls="lmy_main_rb", attr=attr, page="p1")
    for sel in (Selector(text=html), Selector(text=html, type="xml")):
        script = build_script(sel)
        assert script is not None
        assert parse_query_data(script["querydata"]) == {"pageId": "p1", "tagId": "右侧内容"}


def test_build_script_prefers_the_list_container() -> None:
    other = SHELL.format(cls="header", attr="parseType", page="nav")
    listed = SHELL.format(cls="clist_con", attr="parseType", page="list")
    html = other.replace("</body></html>", "") + listed.replace("<html><body>", "")
    script = build_script(Selector(text=html))
    assert script is not None and "list" in script["querydata"]
    only_other = build_script(Selector(text=other))
    assert only_other is not None and "nav" in only_other["querydata"]


def test_no_build_script() -> None:
    assert build_script(Selector(text="<html><script src='/a.js'></script></html>")) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "{'parseType':'buildstatic','pageId':'abc'}",
            {"parseType": "buildstatic", "pageId": "abc"},
        ),
        (
            '{"parseType": "buildstatic", "pageId": "abc"}',
            {"parseType": "buildstatic", "pageId": "abc"},
        ),
        ("{ 'a' : 'x' ,\n 'b':'y' }", {"a": "x", "b": "y"}),
        ("{&#39;a&#39;:&#39;x&#39;}", {"a": "x"}),
        ("{&quot;a&quot;:&quot;x&quot;}", {"a": "x"}),
        ("{'a':'x','b':'y',}", {"a": "x", "b": "y"}),
        ("{a:'x', b:\"y\"}", {"a": "x", "b": "y"}),
        ("{'tagId':'it\\'s'}", {"tagId": "it's"}),
        ("{'editType':null,'n':12,'t':true}", {"editType": "null", "n": "12", "t": "true"}),
        (
            '{"editType": null, "n": 12, "o": {"pageNo": 1}}',
            {"editType": "null", "n": "12", "o": '{"pageNo":1}'},
        ),
        ("{'url':'/a/b:c,d'}", {"url": "/a/b:c,d"}),
        ("", {}),
        (None, {}),
        ("undefined", {}),
        ("{}", {}),
        ("[1, 2]", {}),
    ],
)
def test_query_data_is_read_tolerantly(raw: str | None, expected: dict[str, str]) -> None:
    assert parse_query_data(raw) == expected


def test_unit_api_url_needs_a_readable_query() -> None:
    assert unit_api_url(f"{SITE}/a/index.html", {"querydata": "undefined"}) is None
    url = unit_api_url(f"{SITE}/a/index.html", {"querydata": "{'pageId':'p'}"})
    assert url == f"{UNIT}?pageId=p"  # no url attribute: the known API path


def test_page_parameter() -> None:
    first = f"{UNIT}?pageId=p&tagId=x"
    second = with_page_param(first, 2, 15)
    assert second == f"{UNIT}?pageId=p&tagId=x&" + urlencode(
        {"paramJson": '{"pageNo":2,"pageSize":15}'}
    )
    third = with_page_param(second, 3, 99)  # the size of page 2's request is kept
    assert third.endswith(urlencode({"paramJson": '{"pageNo":3,"pageSize":15}'}))
    assert third.count("paramJson") == 1


def unit_answer(entries: list[tuple[str, str, str]]) -> bytes:
    items = "".join(
        f'<li class="cf"><a class="fl" href="{u}" title="{t}"><i></i>{t[:5]}…</a>'
        f'<span class="fr">{d}</span></li>'
        for u, t, d in entries
    )
    fragment = f'<div class="page-content"><ul>{items}</ul></div>'
    return json.dumps({"success": True, "data": {"html": fragment}}, ensure_ascii=False).encode()


def test_unit_entries_absolute_and_relative_links() -> None:
    body = unit_answer(
        [
            ("/zwgk/a/art/2026/art_1.html", "关于数据的通知", "2026-11-18"),
            (f"{SITE}/b.html", "B", ""),
        ]
    )
    entries = unit_entries(body, f"{UNIT}?pageId=p", "c")
    assert [(e.url, e.title) for e in entries] == [
        (f"{SITE}/zwgk/a/art/2026/art_1.html", "关于数据的通知"),
        (f"{SITE}/b.html", "B"),
    ]


def test_link_text_when_there_is_no_title_attribute() -> None:
    fragment = '<div class="page-content"><ul><li><a href="/x.html">关于 数据</a></li></ul></div>'
    body = json.dumps({"success": True, "data": {"html": fragment}}).encode()
    assert [e.title for e in unit_entries(body, UNIT, "c")] == ["关于 数据"]


def test_empty_list_is_not_an_error() -> None:
    assert unit_entries(unit_answer([]), UNIT, "c") == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"success": false, "message": "\\u7cfb\\u7edf\\u7e41\\u5fd9"}',
        b'{"success": true, "data": {}}',
        b'{"success": true, "data": {"html": "<div class=\\"other\\"></div>"}}',
        b'{"success": true, "data": "x"}',
        b"<html><script>document.cookie='a=b'</script></html>",
        b"[]",
    ],
    ids=["success-false", "no-html", "no-page-content", "data-string", "html", "array"],
)
def test_unit_answer_that_is_not_a_list(body: bytes) -> None:
    with pytest.raises(ListError):
        unit_entries(body, UNIT, "c")


# -- the search API -----------------------------------------------------------------------------


def search_url() -> str:
    return build(catalogue())["miit"].channels["search"].url


def test_search_answer_group_data_shape(tree: FixtureTree) -> None:
    url = search_url()
    entries, total = search_entries(body_of(tree, url), url, "search")
    assert total == 6
    assert [e.url for e in entries] == [RISK_TZ, AUTO_TZ, APP_TZ, MGMT_WAJ, STEEL_YJ, VULN_WAJ]
    assert entries[0].title == RISK_TITLE
    assert entries[0].published == "1716538200000"


def test_search_answer_flat_shape() -> None:
    tree = FixtureTree.load(EDGE)
    url = search_url().replace("q=&", "q=%E6%95%B0%E6%8D%AE&")
    [fixture] = tree.match("GET", url)
    entries, total = search_entries(fixture.body, url, "search")
    assert total == 57
    assert [(e.url, e.title) for e in entries] == [(RISK_TZ, RISK_TITLE), (MGMT_WAJ, MGMT_TITLE)]
    assert entries[0].published == "2024-05-24 16:10:00"  # jsearch_date when no deploytime


@pytest.mark.parametrize(
    "answer",
    [
        {"code": "500", "success": False, "message": "error"},
        {"code": "200", "success": False},
        {"code": 403, "data": {"searchResult": {"dataResults": []}}},
        {"success": True, "data": {}},
        {"success": True, "data": {"searchResult": {"dataResults": [{"data": {"title": "x"}}]}}},
        [],
    ],
)
def test_search_answer_not_a_success(answer: Any) -> None:
    with pytest.raises(ListError):
        search_entries(json.dumps(answer).encode(), search_url(), "search")


def test_empty_search_answer() -> None:
    body = json.dumps({"success": True, "data": {"searchResult": {"dataResults": []}}}).encode()
    assert search_entries(body, search_url(), "search") == ([], None)


# -- the lists of the snapshot hang together ----------------------------------------------------


def listed(tree: FixtureTree) -> list[ListEntry]:
    entries = []
    for name, url in column_channels().items():
        api = unit_api_url(url, build_script(Selector(text=body_of(tree, url).decode())) or {})
        assert api
        entries += unit_entries(body_of(tree, api), api, name)
    return entries


def test_search_and_columns_name_the_same_urls(tree: FixtureTree) -> None:
    columns = {e.url: e.title for e in listed(tree)}
    found, _ = search_entries(body_of(tree, search_url()), search_url(), "search")
    for entry in found:
        assert columns.get(entry.url) == entry.title, entry.url


def test_every_wanted_entry_has_a_page_and_the_rest_are_filtered(tree: FixtureTree) -> None:
    found, _ = search_entries(body_of(tree, search_url()), search_url(), "search")
    crawler = spider()
    dropped = set()
    for entry in [*listed(tree), *found]:
        if crawler.relevant(entry):
            assert tree.match("GET", entry.url), entry
        else:
            dropped.add(entry.url)
            assert not tree.match("GET", entry.url), entry
    assert dropped == {AUTO_TZ, STEEL_YJ}


def test_the_ministry_name_alone_does_not_pass_the_keyword_filter() -> None:
    crawler = spider()
    steel = "工业和信息化部 国家发展改革委 生态环境部关于促进钢铁工业高质量发展的指导意见"
    assert not crawler.relevant(ListEntry(STEEL_YJ, steel, "wjfb"))
    assert crawler.relevant(ListEntry(STEEL_YJ, steel, "waj_wjfb"))  # bureau lists: no filter
    assert crawler.relevant(ListEntry(RISK_TZ, RISK_TITLE, "wjfb"))
    assert crawler.relevant(ListEntry(APP_TZ, APP_TITLE, "search"))
    assert crawler.relevant(ListEntry(SITE, "关于推进信息化和工业化深度融合的意见", "wjfb"))


# -- crawls end to end --------------------------------------------------------------------------

HTML = {"Content-Type": "text/html"}
JSON = {"Content-Type": "application/json;charset=UTF-8"}
ORIGIN = {"origin": "reconstructed", "origin_detail": "test page following SITES.md §2.1/§2.3"}
COLUMN = f"{SITE}/zwgk/zcwj/wjfb/tz/index.html"
CHALLENGE = (
    "<html><head><script>document.cookie='__jsl_clearance=1700000000.1|0|abc';"
    "location.reload();</script></head><body></body></html>"
)


def run(db: Path, *args: str, settings_: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """``regwatch --db DB --set … ARGS`` in its own process."""
    command = [sys.executable, "-m", "cli", "--db", str(db)]
    for item in ("crawl.autothrottle=false", "health.stale_min_documents=1000", *settings_):
        command += ["--set", item]
    return subprocess.run(
        [*command, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def crawl(db: Path, tree: Path | None, *settings_: str) -> tuple[int, dict[str, int], str]:
    """One crawl of miit; exit code, summary counts, stderr."""
    replay = ["--replay", str(tree)] if tree else []
    done = run(db, "crawl", "miit", *replay, settings_=settings_)
    return done.returncode, counts_in(done.stdout, "miit:"), done.stderr


def sources(db: Path) -> dict[str, Any]:
    done = run(db, "sources", "--json")
    assert done.returncode in (0, 1), done.stderr
    [miit] = [s for s in json.loads(done.stdout) if s["source"] == "miit"]
    return miit


def channel_state(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in report["channels"] if c["channel"] == name)


def documents(db: Path) -> list[Document]:
    with Store.open(str(db)) as store:
        return store.list_documents()


def save(tree: Path, url: str, body: str | bytes, **kwargs: Any) -> None:
    headers = kwargs.pop("headers", HTML)
    write_fixture(tree, url, body, status=kwargs.pop("status", 200), headers=headers, **ORIGIN)


def shell(page_id: str = "p") -> str:
    return SHELL.format(cls="lmy_main_rb", attr="parseType", page=page_id)


def api_of(page_id: str = "p", page: int | None = None, size: int = 2) -> str:
    url = f"{UNIT}?" + urlencode({"pageId": page_id, "tagId": "右侧内容"})
    return with_page_param(url, page, size) if page else url


def detail(title: str) -> str:
    return page(
        f"<div id='con_con'><p>第一条 {title}正文。</p></div>",
        title=title,
        cinfo="<span id='con_time'>发布时间：2026-11-18 10:00</span>"
        "<span>来源：网络安全管理局</span>",
    )


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_snapshot_crawl_twice(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with ReplayServer(SNAPSHOT) as server:
        replay = f"crawl.replay_url={server.base_url}"
        code, first, err = crawl(db, None, replay)
        assert code == 0, err
        assert (first["new"], first["sighted"], first["failed"]) == (6, 2, 0)
        for url in (AUTO_TZ, STEEL_YJ):  # filtered by the keyword filter: never fetched
            assert server.hit_count("GET", url) == 0
        assert server.unmatched == []
        stored = {d.doc_number or d.title: d for d in documents(db)}
        risk = stored["工信部网安〔2024〕82号"]
        assert risk.effective_date == date(2024, 6, 1)  # from the attached 细则
        assert {s.url for s in risk.sightings} == {RISK_TZ, RISK_WAJ}
        [pdf] = risk.attachments
        assert "风险评估" in pdf.text and pdf.sha256
        draft = stored[DRAFT_TITLE]
        assert draft.is_draft_for_comment and draft.comment_deadline == date(2021, 10, 30)
        assert "第一条" in draft.attachments[0].text
        assert stored["工信部联网安〔2021〕66号"].issuers == EXPECTED[VULN_WAJ][2]
        assert len(stored["工信部信管〔2023〕105号"].sightings) == 2
        code, second, err = crawl(db, None, replay)
    assert code == 0, err
    assert (second["new"], second["amended"], second["sighted"], second["failed"]) == (0, 0, 0, 0)
    assert second["responses"] == 14  # robots.txt, 6 column pages, 6 unit 304s, 1 search 304
    assert len(documents(db)) == 6
    report = sources(db)
    assert report["state"] == "ok"
    assert {c["channel"]: c["state"] for c in report["channels"]} == dict.fromkeys(
        [*column_channels(), "search"], "ok"
    )


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_miit_and_gov_cn_copies_are_one_document(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    done = run(
        db,
        "crawl",
        "gov_cn",
        "miit",
        "--replay",
        str(SNAPSHOT),
        settings_=("sources.gov_cn.enabled_channels=bmwj",),
    )
    assert done.returncode == 0, done.stderr
    [risk] = [d for d in documents(db) if d.doc_number == "工信部网安〔2024〕82号"]
    assert {s.source for s in risk.sightings} == {"gov_cn", "miit"}
    [mgmt] = [d for d in documents(db) if d.doc_number == "工信部网安〔2022〕166号"]
    assert {s.source for s in mgmt.sightings} == {"gov_cn", "miit"}


def paged_tree(root: Path, *, honoured: bool) -> list[str]:
    """A column whose unit API has 2 + 2 entries (paramJson honoured) or repeats page 1."""
    pages = [[f"{SITE}/zwgk/t/art/2026/art_{p}{i}.html" for i in range(2)] for p in "ab"]
    save(root, COLUMN, shell())
    lists = [[(u, f"关于数据安全的通知（{u[-7:-5]}）", "2026-11-18") for u in p] for p in pages]
    save(root, api_of(), unit_answer(lists[0]), headers=JSON)
    save(root, api_of(page=2), unit_answer(lists[1] if honoured else lists[0]), headers=JSON)
    save(root, api_of(page=3), unit_answer([]), headers=JSON)
    for url, title, _ in [*lists[0], *lists[1]]:
        save(root, url, detail(title))
    return [*pages[0], *pages[1]]


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize("honoured", [True, False], ids=["paramJson-honoured", "ignored"])
def test_column_paging_variants(tmp_path: Path, honoured: bool) -> None:
    root, db = tmp_path / "tree", tmp_path / "r.db"
    urls = paged_tree(root, honoured=honoured)
    with ReplayServer(root) as server:
        code, counts, err = crawl(
            db,
            None,
            f"crawl.replay_url={server.base_url}",
            "sources.miit.enabled_channels=wjfb",
            f"sources.miit.channels.wjfb.url={COLUMN}",
        )
        hits = [server.hit_count("GET", api_of(page=n)) for n in (2, 3, 4)]
    assert code == 0, err
    assert counts["failed"] == 0
    if honoured:  # page 3 is empty: paging stops there
        assert counts["new"] == 4 and hits == [1, 1, 0]
        assert channel_state(sources(db), "wjfb")["last_listed"] == 4
    else:  # page 2 repeats page 1: no loop, no failure, nothing counted twice
        assert counts["new"] == 2 and hits == [1, 0, 0]
        assert channel_state(sources(db), "wjfb")["last_listed"] == 2
    assert {d.url for d in documents(db)} == set(urls if honoured else urls[:2])


def search_answer(urls: list[str], total: int | None) -> str:
    rows = [
        {
            "groupData": [
                {"data": {"title": f"关于<em>数据</em>的通知{u[-6]}", "url": u[len(SITE) :]}}
            ]
        }
        for u in urls
    ]
    result: dict[str, Any] = {"dataResults": rows}
    if total is not None:
        result["totalCount"] = total
    return json.dumps({"code": "200", "success": True, "data": {"searchResult": result}})


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize("honoured", [True, False], ids=["p-honoured", "p-ignored"])
def test_search_paging_variants(tmp_path: Path, honoured: bool) -> None:
    root, db = tmp_path / "tree", tmp_path / "r.db"
    base = f"{SITE}/search-front-server/api/search/info?websiteid=110000000000000&q=&pg=2"
    urls = [f"{SITE}/zwgk/s/art/2026/art_{i}.html" for i in range(3)]
    if honoured:  # totalCount 3 with 2 a page: p=2 is the last page
        save(root, f"{base}&p=1", search_answer(urls[:2], 3), headers=JSON)
        save(root, f"{base}&p=2", search_answer(urls[2:], 3), headers=JSON)
    else:  # no totalCount, and p=2 answers p=1 again
        save(root, f"{base}&p=1", search_answer(urls[:2], None), headers=JSON)
        save(root, f"{base}&p=2", search_answer(urls[:2], None), headers=JSON)
    for url in urls:
        save(root, url, detail(f"关于数据的通知{url[-6]}"))
    with ReplayServer(root) as server:
        code, counts, err = crawl(
            db,
            None,
            f"crawl.replay_url={server.base_url}",
            "sources.miit.enabled_channels=search",
            f"sources.miit.channels.search.url={base}&p=1",
        )
        assert server.hit_count("GET", f"{base}&p=2") == 1
        assert server.hit_count("GET", f"{base}&p=3") == 0
    assert code == 0, err
    assert counts["failed"] == 0 and counts["new"] == (3 if honoured else 2)
    assert all("<em>" not in d.title for d in documents(db))


KNOWN = f"{SITE}/zwgk/zcwj/wjfb/tz/art/2026/art_known.html"


def with_known_document(db: Path) -> None:
    with Store.open(str(db)) as store:
        store.save_document(Document(url=KNOWN, source="miit", title="已存通知", body_text="正文"))


def assert_known_intact(db: Path) -> None:
    docs = documents(db)
    [known] = [d for d in docs if d.url == KNOWN]
    assert known.version == 1 and len(docs) == 1


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (403, "<html><body><h1>访问受限</h1></body></html>", "http_403"),
        (412, CHALLENGE, "http_412"),
        (521, CHALLENGE, "http_521"),
        (200, CHALLENGE, "challenge"),
    ],
    ids=["403", "412", "521", "200-js-cookie-challenge"],
)
def test_a_challenged_column_page_blocks_the_source(
    tmp_path: Path, status: int, body: str, kind: str
) -> None:
    root, db = tmp_path / "tree", tmp_path / "r.db"
    with_known_document(db)
    cookie = {"Set-Cookie": "__jsluid_s=0123abcd; Path=/"}
    save(root, COLUMN, body, status=status, headers={**HTML, **cookie})
    save(root, api_of(), unit_answer([(KNOWN, "关于数据的通知", "2026-11-18")]), headers=JSON)
    with ReplayServer(root) as server:
        code, counts, _ = crawl(
            db,
            None,
            f"crawl.replay_url={server.base_url}",
            "sources.miit.enabled_channels=wjfb",
            f"sources.miit.channels.wjfb.url={COLUMN}",
        )
        assert server.hit_count("GET", COLUMN) == 1  # not retried, nothing solved
        assert server.hit_count("GET", api_of()) == 0
    assert code == 1 and counts["failed"] == 1
    report = sources(db)
    wjfb = channel_state(report, "wjfb")
    assert report["state"] == "blocked"
    assert wjfb["state"] == "blocked" and wjfb["error_counts"] == {kind: 1} and wjfb["retry_at"]
    assert_known_intact(db)


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    ("column", "answer", "why"),
    [
        ("<html><body>" + "<p>改版后的栏目页</p>" * 3000 + "</body></html>", None, "buildstatic"),
        (None, b'{"success": false, "message": "error"}', "did not answer success"),
        (None, b'{"success": true, "data": {"html": "<ul></ul>"}}', "no .page-content"),
    ],
    ids=["no-build-script", "api-success-false", "api-no-list"],
)
def test_a_drifted_column_is_parse_suspect(
    tmp_path: Path, column: str | None, answer: bytes | None, why: str
) -> None:
    root, db = tmp_path / "tree", tmp_path / "r.db"
    with_known_document(db)
    save(root, COLUMN, column or shell())
    if answer is not None:
        save(root, api_of(), answer, headers=JSON)
    code, counts, err = crawl(
        db, root, "sources.miit.enabled_channels=wjfb", f"sources.miit.channels.wjfb.url={COLUMN}"
    )
    assert code == 1 and counts["failed"] == 1
    assert "parse_suspect" in err and why in err
    wjfb = channel_state(sources(db), "wjfb")
    assert wjfb["state"] == "parse_suspect"
    assert_known_intact(db)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_the_unit_api_call_carries_the_column_cookie_and_referer(tmp_path: Path) -> None:
    column_path = "/zwgk/zcwj/wjfb/tz/index.html"
    detail_path = "/zwgk/zcwj/wjfb/tz/art/2026/art_1.html"
    entry = ("http://www.miit.gov.cn:{port}" + detail_path, "关于数据安全的通知", "2026-11-18")
    listed_answer = unit_answer([entry]).decode()
    routes = {
        "/robots.txt": {"status": 404},
        column_path: {
            "body": shell(),
            "headers": {"Set-Cookie": "JSESSIONID=c0ffee42; Path=/", "ETag": '"shell-1"'},
        },
        api_of()[len(SITE) :]: [  # page 1: exactly the request the shell's queryData makes
            {"body": listed_answer, "headers": {**JSON, "ETag": '"list-1"'}},
            {"status": 304, "headers": {"ETag": '"list-1"'}},
        ],
        UNIT_PATH: {"body": listed_answer, "headers": JSON},  # page 2: parameter ignored
        detail_path: {"body": detail("关于数据安全的通知")},
    }
    db = tmp_path / "r.db"
    with FaultServer({"routes": routes}, tmp_path) as srv:
        column = f"http://www.miit.gov.cn:{srv.port}{column_path}"
        live = (
            "crawl.resolve=www.miit.gov.cn=127.0.0.1",
            "crawl.allowed_addresses=127.0.0.1",
            "crawl.download_delay=0",
            "crawl.retries=0",
            "sources.miit.enabled_channels=wjfb",
            f"sources.miit.channels.wjfb.url={column}",
        )
        first = crawl(db, None, *live)
        second = crawl(db, None, *live)
        shells = srv.requests(column_path)
        calls = srv.requests(UNIT_PATH)
        firsts = srv.requests(api_of()[len(SITE) :])
    assert first[0] == 0 and first[1]["new"] == 1, first[2]
    assert second[0] == 0 and second[1]["new"] == 0, second[2]
    assert "cookie" not in shells[0]["headers"]  # the first request carries none
    for call in calls:
        assert "JSESSIONID=c0ffee42" in call["headers"].get("cookie", "")
        assert call["headers"].get("referer") == column
        assert call["headers"].get("accept") == API_ACCEPT
    # the shell is fetched plainly on every poll; only page 1 of the API answer conditionally
    assert len(shells) == 2 and len(calls) == 3 and len(firsts) == 2
    assert all("if-none-match" not in s["headers"] for s in shells)
    assert "if-none-match" not in firsts[0]["headers"]
    assert firsts[1]["headers"].get("if-none-match") == '"list-1"'


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_parser_exception_is_a_recorded_failure_that_loses_nothing(tmp_path: Path) -> None:
    """An href no URL can be made of raises inside the list parser: the crawl records it on
    the channel (exit 1, a clear message) instead of only logging a traceback."""
    root, db = tmp_path / "tree", tmp_path / "r.db"
    with_known_document(db)
    save(root, COLUMN, shell())
    save(
        root,
        api_of(),
        unit_answer([("http://[broken/a.html", "关于数据安全的通知", "2026-11-18")]),
        headers=JSON,
    )
    with ReplayServer(root) as server:
        code, counts, err = crawl(
            db,
            None,
            f"crawl.replay_url={server.base_url}",
            "sources.miit.enabled_channels=wjfb",
            f"sources.miit.channels.wjfb.url={COLUMN}",
        )
    assert code == 1 and counts["failed"] == 1
    assert "could not parse" in err and "Invalid IPv6 URL" in err
    assert channel_state(sources(db), "wjfb")["state"] == "fetch_failed"
    assert_known_intact(db)


def test_a_draft_for_comment_passes_the_keyword_filter_whatever_its_topic() -> None:
    crawler = spider()
    draft = "工业和信息化部关于《电子认证服务管理办法（修订征求意见稿）》公开征求意见的通知"
    assert crawler.relevant(ListEntry(f"{SITE}/gzcy/yjzj/art/2026/art_e.html", draft, "yjzj"))
    notice = "工业和信息化部关于电子认证服务管理办法修订工作的通知"
    assert not crawler.relevant(ListEntry(f"{SITE}/gzcy/yjzj/art/2026/art_f.html", notice, "yjzj"))
