"""`regwatch fixtures capture` saves a live page as a real fixture, under the crawl's rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.replay.meta import meta_path_for
from crawler.replay.server import ReplayServer
from crawler.replay.tree import FixtureTree
from tests.crawler.faultserver import FaultServer
from tests.crawler.govcn_pages import ROOT, detail_html

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

TITLE = "工业和信息化部关于加强数据安全管理的通知"
PAGE = detail_html(TITLE, "<p>正文。</p>")


def capture(url: str, out: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "cli", "--db", str(out.parent / "r.db")]
    for item in ("crawl.resolve=www.gov.cn=127.0.0.1", "crawl.download_delay=0", *settings):
        args += ["--set", item]
    return subprocess.run(
        [*args, "fixtures", "capture", url, "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )


def test_a_captured_page_is_a_real_fixture_that_replays(tmp_path: Path) -> None:
    page = {"body": PAGE, "encoding": "gzip", "headers": {"ETag": '"v1"'}}
    routes = {"/robots.txt": {"status": 404}, "/zhengce/content_1.htm": page}
    out = tmp_path / "tree"
    with FaultServer({"routes": routes}, tmp_path) as srv:
        url = f"http://www.gov.cn:{srv.port}/zhengce/content_1.htm"
        done = capture(url, out, "crawl.allowed_addresses=127.0.0.1")
    assert done.returncode == 0, done.stderr
    assert "origin: real" in done.stdout
    [fixture] = list(FixtureTree.load(out))
    meta = json.loads(meta_path_for(fixture.path).read_text("utf-8"))
    assert fixture.origin == "real" and fixture.url == url
    assert meta["captured_at"].endswith("+08:00")
    assert fixture.headers["ETag"] == '"v1"' and "Content-Encoding" not in fixture.headers
    assert fixture.body == PAGE.encode()  # decompressed, byte for byte
    with ReplayServer(out) as replay:
        import urllib.request

        request = urllib.request.Request(
            f"{replay.base_url}/zhengce/content_1.htm",
            headers={"X-Replay-Origin": f"http://www.gov.cn:{srv.port}"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.read() == PAGE.encode()


def test_capture_refuses_what_a_crawl_would_refuse(tmp_path: Path) -> None:
    with FaultServer({"routes": {"/x": {"body": PAGE}}}, tmp_path) as srv:
        loopback = capture(f"http://www.gov.cn:{srv.port}/x", tmp_path / "a")
        other_host = capture(f"http://127.0.0.1:{srv.port}/x", tmp_path / "b")
        assert srv.requests("/x") == []
    assert loopback.returncode == 1 and "127.0.0.1 (loopback)" in loopback.stderr
    assert other_host.returncode == 1 and "not a host of any source" in other_host.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
