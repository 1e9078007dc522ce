"""Replay fixtures: tree loading, the HTTP server, subprocess mode and the Scrapy middleware."""

from __future__ import annotations

import http.client
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import scrapy
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.replay.middleware import ORIGINAL_URL, ReplayMiddleware
from crawler.replay.server import ORIGIN_HEADER, ReplayServer
from crawler.replay.tree import FixtureError, FixtureTree, request_key, write_fixture

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "https://www.example.gov.cn"
OTHER = "https://www.other.gov.cn"
CAPTURED = "2024-03-05T16:00:00+08:00"
JSON_TYPE = {"Content-Type": "application/json; charset=utf-8"}


def add(root: Path, url: str, body: bytes | str = b"ok", **kwargs: Any) -> Path:
    """Write a fixture with test defaults."""
    kwargs.setdefault("status", 200)
    kwargs.setdefault("headers", {"Content-Type": "text/plain; charset=utf-8"})
    kwargs.setdefault("origin", "reconstructed")
    kwargs.setdefault("origin_detail", "test")
    kwargs.setdefault("captured_at", CAPTURED)
    return write_fixture(root, url, body, **kwargs)


def fetch(
    server: ReplayServer,
    path: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    origin: str | None = HOST,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """Send one request to the server; return status, headers and body."""
    sent = dict(headers or {})
    if origin:
        sent[ORIGIN_HEADER] = origin
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """An empty fixture root."""
    path = tmp_path / "snapshot"
    path.mkdir()
    return path


@pytest.fixture
def serve(root: Path) -> Iterator[Any]:
    """Start a server on root once the test has written its fixtures."""
    servers: list[ReplayServer] = []

    def start() -> ReplayServer:
        servers.append(ReplayServer(root).start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_get_match_serves_status_headers_and_body(root: Path, serve: Any) -> None:
    add(root, f"{HOST}/list.json", b'{"items": []}', headers=JSON_TYPE, status=200)
    status, headers, body = fetch(serve(), "/list.json")
    assert (status, body) == (200, b'{"items": []}')
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Content-Length"] == str(len(body))


def test_query_parameters_match_in_any_order(root: Path, serve: Any) -> None:
    path = add(root, f"{HOST}/JsonList?channel=A093703&p=1", b"page one")
    server = serve()
    assert fetch(server, "/JsonList?p=1&channel=A093703")[2] == b"page one"
    assert fetch(server, "/JsonList?channel=A093703&p=2")[0] == 404
    assert path.relative_to(root).as_posix() == "www.example.gov.cn/JsonList__channel-A093703_p-1"


def test_post_matched_by_form_body(root: Path, serve: Any) -> None:
    add(root, f"{HOST}/search", b"hits", method="POST", request_body={"q": "数据", "page": 1})
    add(root, f"{HOST}/api", b"json hits", method="POST", request_body='{"a": 1, "b": [2]}')
    server = serve()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    good = b"page=1&q=%E6%95%B0%E6%8D%AE"
    assert fetch(server, "/search", method="POST", body=good, headers=form)[2] == b"hits"
    assert fetch(server, "/search", method="POST", body=b"page=2&q=x", headers=form)[0] == 404
    assert fetch(server, "/api", method="POST", body=b'{"b":[2],"a":1}')[2] == b"json hits"
    assert fetch(server, "/search")[0] == 404


def test_unknown_url_is_404_logged_and_recorded(
    root: Path, serve: Any, caplog: pytest.LogCaptureFixture
) -> None:
    add(root, f"{HOST}/known.html")
    server = serve()
    with caplog.at_level(logging.WARNING, logger="crawler.replay.server"):
        status, _, body = fetch(server, "/missing.html?x=1")
    assert status == 404 and b"no fixture" in body
    assert server.unmatched == [("GET", f"{HOST}/missing.html?x=1")]
    assert f"GET {HOST}/missing.html?x=1" in caplog.text


def test_sequence_served_in_order_then_last_repeats(root: Path, serve: Any) -> None:
    for n in (3, 1, 2):
        add(root, f"{HOST}/poll.json", f"v{n}", sequence=n)
    server = serve()
    bodies = [fetch(server, "/poll.json")[2] for _ in range(5)]
    assert bodies == [b"v1", b"v2", b"v3", b"v3", b"v3"]
    assert server.hit_count("GET", f"{HOST}/poll.json") == 5


def test_etag_if_none_match_gives_304(root: Path, serve: Any) -> None:
    add(root, f"{HOST}/a.html", b"body a")
    add(root, f"{HOST}/b.html", b"body b", etag="v7")
    server = serve()
    _, headers, _ = fetch(server, "/a.html")
    etag = headers["ETag"]
    status, headers304, body = fetch(server, "/a.html", headers={"If-None-Match": etag})
    assert (status, body, headers304["ETag"]) == (304, b"", etag)
    assert fetch(server, "/a.html", headers={"If-None-Match": '"other"'})[0] == 200
    assert fetch(server, "/b.html", headers={"If-None-Match": 'W/"v7"'})[0] == 304


def test_if_modified_since_gives_304(root: Path, serve: Any) -> None:
    add(root, f"{HOST}/a.html", last_modified="Tue, 05 Mar 2024 08:00:00 GMT")
    add(root, f"{HOST}/b.html")
    server = serve()
    assert fetch(server, "/a.html")[1]["Last-Modified"] == "Tue, 05 Mar 2024 08:00:00 GMT"
    later = {"If-Modified-Since": "Wed, 06 Mar 2024 00:00:00 GMT"}
    earlier = {"If-Modified-Since": "Mon, 04 Mar 2024 00:00:00 GMT"}
    assert fetch(server, "/a.html", headers=later)[:3:2] == (304, b"")
    assert fetch(server, "/a.html", headers=earlier)[0] == 200
    assert fetch(server, "/b.html")[1]["Last-Modified"] == "Tue, 05 Mar 2024 08:00:00 GMT"


def test_gbk_page_served_byte_for_byte(root: Path, serve: Any) -> None:
    raw = "<html><meta charset='gbk'><p>数据安全法</p></html>".encode("gbk")
    add(root, f"{HOST}/law.htm", raw, headers={"Content-Type": "text/html; charset=gbk"})
    status, headers, body = fetch(serve(), "/law.htm")
    assert (status, body) == (200, raw)
    assert headers["Content-Type"] == "text/html; charset=gbk"


def test_head_sends_headers_without_body(root: Path, serve: Any) -> None:
    add(root, f"{HOST}/page.html", b"0123456789")
    status, headers, body = fetch(serve(), "/page.html", method="HEAD")
    assert (status, body, headers["Content-Length"]) == (200, b"", "10")


def test_origin_header_selects_host(root: Path, serve: Any) -> None:
    add(root, "https://www.cac.gov.cn/index.html", b"cac")
    add(root, "https://www.miit.gov.cn/index.html", b"miit")
    server = serve()
    assert fetch(server, "/index.html", origin="https://www.cac.gov.cn")[2] == b"cac"
    assert fetch(server, "/index.html", origin="https://www.miit.gov.cn")[2] == b"miit"
    assert fetch(server, "/index.html", origin=None)[0] == 404


def test_single_host_tree_needs_no_origin_header(root: Path, serve: Any) -> None:
    add(root, f"{HOST}/only.html", b"only")
    assert fetch(serve(), "/only.html", origin=None)[2] == b"only"


@pytest.mark.parametrize(
    ("meta_text", "message"),
    [
        ("{not json", "unreadable meta file"),
        ('{"url": "https://x.gov.cn/a"}', "missing required key"),
        ('{"url": "/a", "captured_at": "%s", "origin": "real", "origin_detail": "d"}', "absolute"),
        (
            '{"url": "https://x.gov.cn/a", "captured_at": "%s", "origin": "guess", '
            '"origin_detail": "d"}',
            "'origin' must be one of",
        ),
        (
            '{"url": "https://x.gov.cn/a", "captured_at": "%s", "origin": "real", '
            '"origin_detail": "d", "staus": 404}',
            "unknown key(s): staus",
        ),
    ],
)
def test_malformed_meta_error_names_file(root: Path, meta_text: str, message: str) -> None:
    add(root, f"{HOST}/good.html")
    bad = root / "x.gov.cn" / "a.html.meta.json"
    bad.parent.mkdir()
    bad.with_name("a.html").write_bytes(b"body")
    bad.write_text(meta_text.replace("%s", CAPTURED), encoding="utf-8")
    with pytest.raises(FixtureError, match=r"a\.html\.meta\.json") as err:
        FixtureTree.load(root)
    assert message in str(err.value)


def test_missing_body_file_error_names_file(root: Path) -> None:
    add(root, f"{HOST}/gone.html").unlink()
    with pytest.raises(FixtureError, match=r"gone\.html\.meta\.json: body file 'gone.html'"):
        FixtureTree.load(root)


def test_duplicate_request_without_sequence_rejected(root: Path) -> None:
    first = add(root, f"{HOST}/dup.html?a=1&b=2")
    twin = first.with_name("dup_copy.html")
    twin.write_bytes(b"other")
    meta = json.loads(Path(f"{first}.meta.json").read_text(encoding="utf-8"))
    meta["url"] = f"{HOST}/dup.html?b=2&a=1"
    Path(f"{twin}.meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(FixtureError, match="answers the same request"):
        FixtureTree.load(root)


def test_write_fixture_path_convention_and_recapture(root: Path) -> None:
    url = "https://www.gov.cn/zhengce/zuixin/ZUIXINZHENGCE.json"
    path = add(root, url, b"[]")
    assert path == root / "www.gov.cn" / "zhengce" / "zuixin" / "ZUIXINZHENGCE.json"
    assert add(root, url, b"[1]") == path
    assert add(root, "https://www.gov.cn/zhengce/").name == "index.html"
    tree = FixtureTree.load(root)
    assert [f.body for f in tree.match("GET", url)] == [b"[1]"]
    assert tree.match("GET", url)[0].key == request_key("GET", url + "#frag")


@pytest.mark.timeout(30)
def test_subprocess_mode_prints_ready_and_serves(root: Path) -> None:
    add(root, f"{HOST}/sub.html", b"from subprocess")
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.replay.server", str(root)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("READY "), line
        conn = http.client.HTTPConnection("127.0.0.1", int(line.split()[1]), timeout=5)
        conn.request("GET", "/sub.html", headers={ORIGIN_HEADER: HOST})
        assert conn.getresponse().read() == b"from subprocess"
        conn.close()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err


def test_middleware_disabled_without_replay_url() -> None:
    with pytest.raises(NotConfigured):
        ReplayMiddleware.from_crawler(get_crawler(settings_dict={}))


def test_middleware_rewrites_and_restores_urls() -> None:
    mw = ReplayMiddleware.from_crawler(get_crawler(settings_dict={"REPLAY_URL": "http://r:1/"}))
    request = Request(f"{HOST}/dir/page.html?b=2&a=1#top", meta={"depth": 3})
    rewritten = mw.process_request(request)
    assert rewritten is not None and rewritten.url == "http://r:1/dir/page.html?b=2&a=1"
    assert rewritten.headers[ORIGIN_HEADER] == HOST.encode()
    assert mw.process_request(rewritten) is None
    moved = HtmlResponse(rewritten.url, status=302, headers={"Location": "../new.html"})
    restored = mw.process_response(rewritten, moved)
    assert restored.url == request.url
    assert restored.headers["Location"] == f"{HOST}/new.html".encode()
    assert restored.request is not None and restored.request.url == request.url
    assert restored.meta["depth"] == 3 and restored.meta[ORIGINAL_URL] == request.url
    assert "dont_obey_robotstxt" not in restored.meta and not restored.request.dont_filter


class ReplaySpider(scrapy.Spider):
    """Minimal spider used by the end-to-end crawl (run in a subprocess)."""

    name = "replay_e2e"
    urls: tuple[str, ...] = ()

    async def start(self) -> Any:
        """Request every URL given as the spider argument ``urls``."""
        for url in self.urls:
            yield scrapy.Request(url)

    def parse(self, response: scrapy.http.Response) -> Any:
        """Record what the spider saw."""
        yield {
            "url": response.url,
            "request_url": response.request.url,
            "redirect_urls": response.meta.get("redirect_urls"),
            "body": response.text,
        }


CRAWL_SCRIPT = """
import sys
sys.path.insert(0, {tests_dir!r})
from scrapy.crawler import CrawlerProcess
from test_replay import ReplaySpider
process = CrawlerProcess(settings={settings!r})
process.crawl(ReplaySpider, urls={urls!r})
process.start()
"""


def crawl(server: ReplayServer, urls: list[str], out: Path, **extra: Any) -> list[dict[str, str]]:
    """Run ReplaySpider through ReplayMiddleware in a fresh process; return its items."""
    settings = {
        "REPLAY_URL": server.base_url,
        "DOWNLOADER_MIDDLEWARES": {"crawler.replay.middleware.ReplayMiddleware": 950},
        "ROBOTSTXT_OBEY": False,
        "REMOTE_CONTROL_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "FEEDS": {out.as_uri(): {"format": "jsonlines", "encoding": "utf-8"}},
        **extra,
    }
    script = CRAWL_SCRIPT.format(tests_dir=str(Path(__file__).parent), settings=settings, urls=urls)
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    return sorted((json.loads(line) for line in lines), key=lambda item: item["url"])


@pytest.mark.timeout(90)
def test_scrapy_crawl_through_replay_middleware(root: Path, serve: Any, tmp_path: Path) -> None:
    add(root, f"{HOST}/list.json", '{"items": ["数据"]}', headers=JSON_TYPE)
    add(root, f"{HOST}/old/list.html", b"", status=302, headers={"Location": "../moved.html"})
    add(root, f"{HOST}/moved.html", b"moved here", headers={"Content-Type": "text/html"})
    add(root, f"{OTHER}/list.json", b'{"other": true}', headers=JSON_TYPE)
    server = serve()
    urls = [f"{HOST}/list.json", f"{HOST}/old/list.html", f"{OTHER}/list.json"]
    items = crawl(server, urls, tmp_path / "items.jsonl")
    assert [(item["url"], item["request_url"], item["body"]) for item in items] == [
        (f"{HOST}/list.json", f"{HOST}/list.json", '{"items": ["数据"]}'),
        (f"{HOST}/moved.html", f"{HOST}/moved.html", "moved here"),
        (f"{OTHER}/list.json", f"{OTHER}/list.json", '{"other": true}'),
    ]
    assert [item["redirect_urls"] for item in items] == [None, [f"{HOST}/old/list.html"], None]
    assert server.unmatched == []


@pytest.mark.timeout(90)
def test_scrapy_robots_txt_read_from_real_host(root: Path, serve: Any, tmp_path: Path) -> None:
    add(root, f"{HOST}/robots.txt", b"User-agent: *\nDisallow: /private/\n")
    add(root, f"{HOST}/public.html", b"public")
    add(root, f"{HOST}/private/secret.html", b"secret")
    server = serve()
    urls = [f"{HOST}/public.html", f"{HOST}/private/secret.html"]
    items = crawl(server, urls, tmp_path / "items.jsonl", ROBOTSTXT_OBEY=True)
    assert [item["url"] for item in items] == [f"{HOST}/public.html"]
    assert server.hit_count("GET", f"{HOST}/robots.txt") == 1
    assert server.hit_count("GET", f"{HOST}/private/secret.html") == 0
    assert server.unmatched == []
