"""Adding a document by hand (crawler.manual): real fetches of loopback pages, refusals, errors.

Every fetch runs the real child process (``python -m crawler.manual``) through the crawler's
egress guard against a fault server on 127.0.0.1; ``crawl.allowed_addresses`` opens loopback,
except where a test shows that without it loopback is refused. The two article pages under
``manual_pages/`` are reconstructed (see the comment in each), not saved from live sites.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from config import Settings, load_settings
from crawler import manual, manual_crawl
from crawler.generic import extract_generic, extract_page
from crawler.manual import (
    ManualFetchError,
    check_url,
    document_from_dict,
    fetch_document,
    fetch_document_async,
    settings_from_payload,
    settings_payload,
)
from model.document import BEIJING, Attachment, Document
from model.serialize import document_to_dict
from tests.crawler.faultserver import ROOT, FaultServer
from tests.crawler.govcn_pages import detail_html

T = TypeVar("T")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

PAGES = Path(__file__).parent / "manual_pages"
PROVINCE = (PAGES / "province_utf8.html").read_text("utf-8")
COURT = (PAGES / "court_gbk.html").read_text("utf-8")
PROVINCE_TITLE = "关于印发《某某省公共数据授权运营管理办法（试行）》的通知"
COURT_TITLE = "关于公开征求《数据权益纠纷案件审理指引》意见的公告"
OTHER_HOST = "elsewhere.example"
CHALLENGE = (
    "<html><head><script>document.cookie='__jsl_clearance=1700000000.1|0|abc';"
    "location.reload();</script></head><body></body></html>"
)
JS_SHELL = (
    "<!-- Reconstructed: a page whose content a script would build. -->"
    "<html><head><title>详情</title></head><body><div id='app'></div>"
    "<script src='/js/app.js'></script></body></html>"
)
TIMEOUT = 20.0  # fetch_document's timeout in tests that do not test it


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


SCENARIO: dict[str, Any] = {
    "routes": {
        "/robots.txt": {"status": 404},
        "/zcwj/art_1.html": {"body": PROVINCE},
        "/moved": {"status": 301, "redirect": "/zcwj/art_1.html"},
        "/court/gbk_meta.htm": {
            "body_b64": b64(COURT.encode("gbk")),
            "headers": {"Content-Type": "text/html"},
        },
        "/court/gbk_mislabelled.htm": {  # the header claims UTF-8; the bytes are GBK
            "body_b64": b64(COURT.replace("charset=gb2312", "charset=utf-8").encode("gbk")),
            "headers": {"Content-Type": "text/html; charset=utf-8"},
        },
        "/to-file": {"redirect": "file:///etc/passwd"},
        "/to-other-host": {"redirect": f"http://{OTHER_HOST}:{{port}}/secret"},
        "/secret": {"body": PROVINCE},
        "/forbidden": {"status": 403, "body": "<html><body>访问受限</body></html>"},
        "/challenge": {"body": CHALLENGE, "headers": {"Set-Cookie": "acw_tc=1; path=/"}},
        "/download": {
            "body_b64": b64(b"\x00\x01\x02binary" * 64),
            "headers": {"Content-Type": "application/octet-stream"},
        },
        "/js-shell": {"body": JS_SHELL},
        "/hang-headers": {"hang": "before_headers"},
        "/hang-body": {"hang": "after_headers"},
        "/zhengce/content_1.htm": {
            "body": detail_html(
                "工业和信息化部关于加强数据安全管理的通知",
                "<p>各有关单位：为加强数据安全管理，现就有关事项通知如下。</p>",
            )
        },
    }
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultServer]:
    with FaultServer(SCENARIO, tmp_path_factory.mktemp("manual")) as server:
        yield server


def settings(values: dict[str, str] | None = None, *, loopback: bool = True) -> Settings:
    """Settings for fetches from the fault server: no delays, no retries, a short timeout."""
    flags = {
        "crawl.download_delay": "0",
        "crawl.autothrottle": "false",
        "crawl.retries": "0",
        "crawl.timeout": "10",
        "crawl.resolve": f"{OTHER_HOST}=127.0.0.1,www.gov.cn=127.0.0.1",
    }
    if loopback:
        flags["crawl.allowed_addresses"] = "127.0.0.0/8"
    return load_settings({**flags, **(values or {})}, environ={}, config=os.devnull)


def refused(url: str, config: Settings | None = None, timeout: float = TIMEOUT) -> ManualFetchError:
    with pytest.raises(ManualFetchError) as caught:
        fetch_document(url, config or settings(), timeout=timeout)
    message = str(caught.value)
    assert message and "\n" not in message and "Traceback" not in message
    return caught.value


# -- pages that are read ------------------------------------------------------------------------


def test_a_utf8_page_after_a_redirect_is_read_from_its_final_url(site: FaultServer) -> None:
    doc = fetch_document(site.url("/moved"), settings(), timeout=TIMEOUT)

    assert doc.url == site.url("/zcwj/art_1.html")
    assert (doc.source, doc.lang, doc.title) == ("manual", "zh", PROVINCE_TITLE)
    assert doc.published_at == datetime(2024, 5, 6, 10, 30, tzinfo=BEIJING)
    assert doc.publisher == "某某省人民政府办公厅"
    assert doc.doc_number == "某政办发〔2024〕12号"
    assert doc.doc_type == "通知"
    assert doc.effective_date == date(2024, 6, 1)
    assert doc.written_on == date(2024, 4, 28)
    lines = doc.body_text.splitlines()
    assert lines[0] == "某政办发〔2024〕12号"
    assert "公共数据授权运营应当坚持统筹规划、安全可控、依法合规的原则，" in doc.body_text
    assert "严格落实数据安全保护责任" in doc.body_text  # text inside <strong> kept in its line
    for noise in ("首页", "政务公开", "当前位置", "分享到", "相关文件", "版权所有", "统计代码"):
        assert noise not in doc.body_text
    assert doc.attachments == [
        Attachment(
            name="某某省公共数据授权运营管理办法（试行）.pdf",
            url=site.url("/attach/2024/0506/gongkaishuju.pdf"),
            extension="pdf",
        )
    ]
    assert site.requests("/robots.txt")  # robots.txt is asked, as in every crawl


@pytest.mark.parametrize("path", ["/court/gbk_meta.htm", "/court/gbk_mislabelled.htm"])
def test_a_gbk_page_is_decoded_and_read(site: FaultServer, path: str) -> None:
    doc = fetch_document(site.url(path), settings(), timeout=TIMEOUT)

    assert doc.title == COURT_TITLE  # from <title>, the court's name cut off
    assert doc.published_at == datetime(2023, 11, 20, tzinfo=BEIJING)
    assert doc.body_text.startswith("为依法保护数据权益，统一裁判尺度，本院起草了")
    assert "浏览次数" not in doc.body_text and "网站首页" not in doc.body_text
    assert doc.is_draft_for_comment
    assert doc.comment_deadline == date(2023, 12, 20)
    assert [(a.url, a.extension) for a in doc.attachments] == [
        (site.url("/files/202311/zhiyin.docx"), "docx")
    ]
    assert doc.attachments[0].name == "数据权益纠纷案件审理指引（征求意见稿）.docx"


def test_a_known_sources_host_is_read_by_that_sources_parser(site: FaultServer) -> None:
    url = site.url("/zhengce/content_1.htm", "www.gov.cn")
    doc = fetch_document(url, settings(), timeout=TIMEOUT)

    assert doc.source == "manual"
    assert doc.issuers == ["工业和信息化部"]  # the gov.cn metadata table, not the generic reader
    assert doc.published_at == datetime(2026, 11, 18, 10, 0, tzinfo=BEIJING)


def run_coroutine(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to the end on a new loop in a thread of its own.

    A worker that ran a browser test has Playwright's event loop marked running in its main
    thread, where ``asyncio.run`` refuses to start; the coroutine is made in the new thread,
    so a refusal never leaves one un-awaited.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def test_the_async_variant_fetches_the_same(site: FaultServer) -> None:
    doc = run_coroutine(lambda: fetch_document_async(site.url("/zcwj/art_1.html"), settings()))
    assert doc.title == PROVINCE_TITLE and doc.attachments


def test_cancelling_the_async_variant_kills_the_child(
    site: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    children: list[asyncio.subprocess.Process] = []
    spawn = asyncio.create_subprocess_exec

    async def spawn_and_keep(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        children.append(await spawn(*args, **kwargs))
        return children[-1]

    monkeypatch.setattr(asyncio, "create_subprocess_exec", spawn_and_keep)
    url = site.url("/hang-headers?cancelled")
    with pytest.raises(TimeoutError):
        run_coroutine(
            lambda: asyncio.wait_for(fetch_document_async(url, settings(), timeout=TIMEOUT), 1.5)
        )
    assert len(children) == 1 and children[0].returncode is not None


# -- refusals and errors --------------------------------------------------------------------------


def test_a_redirect_to_another_scheme_is_refused(site: FaultServer) -> None:
    error = refused(site.url("/to-file"))
    assert error.kind == "refused_scheme"
    assert "file:///etc/passwd" in str(error) and "refused" in str(error)


def test_a_redirect_to_another_host_is_refused_before_connecting(site: FaultServer) -> None:
    error = refused(site.url("/to-other-host"))
    assert error.kind == "offsite_redirect"
    assert OTHER_HOST in str(error) and "another host" in str(error)
    assert site.requests("/secret") == []


@pytest.mark.parametrize("host", ["127.0.0.1", "court.example"])
def test_loopback_is_refused_unless_allowed(site: FaultServer, host: str) -> None:
    path = f"/zcwj/art_1.html?strict={host}"
    strict = settings({"crawl.resolve": "court.example=127.0.0.1"}, loopback=False)

    error = refused(site.url(path, host), strict)

    assert error.kind == "refused_address"
    assert "loopback" in str(error) and "refused" in str(error) and host in str(error)
    assert site.requests(path) == []


@pytest.mark.parametrize(
    ("path", "kind", "status", "words"),
    [
        ("/forbidden", "http_403", 403, "HTTP 403"),
        ("/challenge", "challenge", 200, "anti-bot challenge"),
        ("/nowhere", "http_404", 404, "HTTP 404"),
    ],
)
def test_refusing_sites_are_named_with_their_status(
    site: FaultServer, path: str, kind: str, status: int, words: str
) -> None:
    error = refused(site.url(path))
    assert (error.kind, error.status) == (kind, status)
    assert words in str(error) and site.url(path) in str(error)


def test_a_file_that_is_not_html_is_refused(site: FaultServer) -> None:
    error = refused(site.url("/download"))
    assert error.kind == "not_html"
    assert "not an HTML page" in str(error) and "application/octet-stream" in str(error)


def test_a_page_without_text_is_a_clear_error(site: FaultServer) -> None:
    error = refused(site.url("/js-shell"))
    assert error.kind == "no_text"
    assert "no main text" in str(error)


@pytest.mark.parametrize(
    ("path", "crawl_timeout", "timeout", "said"),
    [
        ("/hang-headers", "2", TIMEOUT, "within 2 s"),  # crawl.timeout fires
        ("/hang-body", "30", 4.0, "within 4 s"),  # the caller's timeout fires first
    ],
)
def test_a_hanging_site_times_out(
    site: FaultServer, path: str, crawl_timeout: str, timeout: float, said: str
) -> None:
    started = time.monotonic()
    error = refused(site.url(path), settings({"crawl.timeout": crawl_timeout}), timeout)
    took = time.monotonic() - started

    assert error.kind == "timeout"
    assert "timed out" in str(error) and said in str(error)
    assert took < timeout + 1


def test_a_stuck_child_is_killed_at_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    def stuck(
        url: str, config: Settings, timeout: float
    ) -> tuple[list[str], dict[str, str], bytes]:
        return [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ), b""

    monkeypatch.setattr(manual, "_child_call", stuck)
    started = time.monotonic()
    error = refused("http://court.example/a.html", timeout=1.0)
    assert error.kind == "timeout" and "timed out after 1 s" in str(error)
    assert time.monotonic() - started < 5


def test_a_crashed_child_is_reported_with_its_last_words(monkeypatch: pytest.MonkeyPatch) -> None:
    code = "import sys; sys.stderr.write('Traceback\\nRuntimeError: boom\\n'); sys.exit(3)"

    def crashing(
        url: str, config: Settings, timeout: float
    ) -> tuple[list[str], dict[str, str], bytes]:
        return [sys.executable, "-c", code], dict(os.environ), b""

    monkeypatch.setattr(manual, "_child_call", crashing)
    with pytest.raises(ManualFetchError, match=r"failed \(exit 3\): RuntimeError: boom$") as caught:
        fetch_document("http://court.example/a.html", settings())
    assert caught.value.kind == "crashed"


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("", "bad_url"),
        ("ftp://court.example/a.pdf", "refused_scheme"),
        ("javascript:alert(1)", "refused_scheme"),
        ("file:///etc/passwd", "refused_scheme"),
        ("court.example/a.html", "refused_scheme"),
        ("http:///a.html", "bad_url"),
        ("http://user:secret@court.example/", "bad_url"),
        ("http://court.example:99999/", "bad_url"),
        ("http://court.example/a b.html", "bad_url"),
    ],
)
def test_unusable_urls_are_refused_before_any_fetch(url: str, kind: str) -> None:
    with pytest.raises(ManualFetchError) as caught:
        check_url(url)
    assert caught.value.kind == kind


# -- the command line, the settings hand-over, the generic reader -------------------------------


def test_the_module_runs_alone_and_prints_json(site: FaultServer) -> None:
    sets = ["crawl.allowed_addresses=127.0.0.0/8", "crawl.download_delay=0", "crawl.retries=0"]
    done = subprocess.run(
        [sys.executable, "-m", "crawler.manual", site.url("/zcwj/art_1.html")]
        + [arg for s in sets for arg in ("--set", s)]
        + ["--set", "general.log_level=ERROR", "--set", "crawl.log_level=ERROR"],
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "REGWATCH_CONFIG": os.devnull},
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    answer = json.loads(done.stdout)
    assert answer["ok"] and answer["extractor"] == "generic"
    assert answer["document"]["title"] == PROVINCE_TITLE


def test_settings_reach_the_child_unchanged() -> None:
    given = load_settings(
        {
            "crawl.allowed_addresses": "10.8.0.0/16, 127.0.0.1",
            "crawl.timeout": "7.5",
            "crawl.keywords": "数据,网络",
            "sources.gov_cn.verify_tls": "false",
            "sources.court.hosts": "www.court.example",
            "sources.court.channels.news.url": "https://www.court.example/news/",
            "sources.court.channels.news.filter_by_keywords": "true",
            "database.url": "postgresql+psycopg://user:secret@db/regwatch",
        },
        environ={},
        config=os.devnull,
    )
    payload = json.loads(json.dumps(settings_payload(given)))
    assert "secret" not in json.dumps(payload)  # the child never gets the database's URL

    rebuilt = settings_from_payload(payload)

    for section in ("crawl", "general", "glossary", "attachments", "health", "classifier"):
        assert getattr(rebuilt, section) == getattr(given, section)
    assert rebuilt.sources == given.sources
    assert rebuilt.database.url == ""


def test_the_child_starts_from_the_same_scrapy_settings_as_a_crawl() -> None:
    from crawler.run import base_settings

    assert manual_crawl.base_settings().copy_to_dict() == base_settings().copy_to_dict()


def test_a_document_survives_the_trip_through_json() -> None:
    doc = Document(
        url="https://court.example/a.html",
        title="关于…的公告",
        source="manual",
        published_at=datetime(2023, 11, 20, 9, 30, tzinfo=BEIJING),
        issuers=["某某市中级人民法院"],
        comment_deadline=date(2023, 12, 20),
        written_on=date(2023, 11, 19),
        body_text="正文",
        attachments=[
            Attachment(name="附件.pdf", url="https://court.example/a.pdf", extension="pdf")
        ],
    )
    assert document_from_dict(json.loads(json.dumps(document_to_dict(doc)))) == doc


def test_the_generic_reader_skips_the_sites_name_and_navigation() -> None:
    page = (
        "<!-- Reconstructed. --><html><head><title>网站首页 - 某某市人民政府</title></head><body>"
        "<h1>某某市人民政府</h1><ul class='menu'><li><a href='/'>首页</a></li>"
        "<li><a href='/a'>关于我们的政务公开工作</a></li></ul>"
        "<div class='main'><h2>关于开展数据安全检查的通知</h2><div class='text'>"
        "<p>各区人民政府：</p><p>为落实网络安全和数据安全责任，现就开展数据安全检查通知如下。</p>"
        "<p>一、检查范围为全市政务信息系统。</p></div></div></body></html>"
    )
    doc = extract_generic(page, "https://www.example.gov.cn/a.html")
    assert doc is not None
    assert doc.title == "关于开展数据安全检查的通知"  # <title> and h1 only name the site
    assert doc.body_text.splitlines()[0] == "各区人民政府："
    assert "首页" not in doc.body_text


def test_a_page_in_english_is_marked_so() -> None:
    page = (
        "<html lang='en'><head><title>Notice on Data Security | Example Court</title></head>"
        "<body><div><p>The court has published guidance on data rights disputes, effective "
        "on publication, covering evidence, remedies and the protection of personal "
        "information in civil cases.</p></div></body></html>"
    )
    doc, extractor = extract_page(page, "https://court.example/en/1.html", settings())
    assert doc is not None and extractor == "generic"
    assert (doc.lang, doc.title) == ("en", "Notice on Data Security")
