"""Hostile and broken servers, met by the real crawler: each ends in a visible state.

RELIABILITY cases 1, 2, 4–12. The fault server (a subprocess) plays www.gov.cn on loopback;
the crawl runs as ``regwatch crawl gov_cn`` in its own process, not in replay mode, with
``crawl.resolve`` sending www.gov.cn to 127.0.0.1 and ``crawl.allowed_addresses`` allowing
exactly the fault servers' addresses. Every test checks the source state that
``regwatch sources --json`` reports and that the document stored before the fault is intact.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from model.document import Document
from storage import Store
from tests.crawler.faultserver import FaultServer
from tests.crawler.govcn_pages import ROOT, detail_html, feed_json

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

KNOWN = "https://www.gov.cn/zhengce/zhengceku/202611/content_7090001.htm"
FEED = "/feed.json"
PAGE = "/zhengce/content_1.htm"
TITLE = "关于加强网络数据安全管理工作的通知"
JSON_TYPE = {"Content-Type": "application/json"}
CHALLENGE = (
    "<html><head><script>document.cookie='__jsl_clearance=1700000000.1|0|abc';"
    "location.reload();</script></head><body></body></html>"
)
TIMEOUT = 2  # crawl.timeout in these tests, seconds


def feed_spec(pages: tuple[str, ...] = (PAGE,)) -> dict[str, Any]:
    """A feed listing ``pages`` on the serving fault server ({port} is filled in by it)."""
    entries = [(f"http://www.gov.cn:{{port}}{p}", f"{TITLE}（{i}）") for i, p in enumerate(pages)]
    return {"body": feed_json(entries), "headers": JSON_TYPE}


def page_spec(title: str = TITLE) -> dict[str, Any]:
    return {
        "body": detail_html(title, "<p>第一条 网络数据处理者应当建立健全数据安全管理制度。</p>")
    }


def site(routes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A healthy site (robots 404, a feed listing one page, the page) with routes replaced."""
    return {
        "routes": {
            "/robots.txt": {"status": 404},
            FEED: feed_spec(),
            PAGE: page_spec(),
            **(routes or {}),
        }
    }


class Crawl:
    """A database with one stored document, and crawls of gov_cn against fault servers."""

    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "r.db"
        with Store.open(str(self.db)) as store:
            store.save_document(
                Document(url=KNOWN, source="gov_cn", title="已存通知", body_text="正文")
            )

    def args(self, port: int, *settings: str, allowed: str = "127.0.0.1") -> list[str]:
        base = [
            "crawl.resolve=www.gov.cn=127.0.0.1",
            f"crawl.allowed_addresses={allowed}",
            "crawl.download_delay=0",
            "crawl.autothrottle=false",
            f"crawl.timeout={TIMEOUT}",
            "crawl.retries=1",
            "crawl.recheck_days=0",
            "sources.gov_cn.enabled_channels=bmwj",
            f"sources.gov_cn.channels.bmwj.url=http://www.gov.cn:{port}{FEED}",
        ]
        args = [sys.executable, "-m", "cli", "--db", str(self.db)]
        for item in [*base, *settings]:
            if item:
                args += ["--set", item]
        return args

    def run(self, port: int, *settings: str, allowed: str = "127.0.0.1") -> tuple[int, str]:
        """Crawl once; return the exit code and stdout + stderr."""
        done = subprocess.run(
            [*self.args(port, *settings, allowed=allowed), "crawl", "gov_cn"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=150,
            check=False,
        )
        return done.returncode, done.stdout + done.stderr

    def sources(self) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "cli", "--db", str(self.db), "sources", "--json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        [gov_cn] = [s for s in json.loads(done.stdout) if s["source"] == "gov_cn"]
        return gov_cn

    def channel(self, name: str = "bmwj") -> dict[str, Any]:
        return next(c for c in self.sources()["channels"] if c["channel"] == name)

    def titles(self) -> list[str]:
        with Store.open(str(self.db)) as store:
            return sorted(d.title for d in store.list_documents())

    def assert_intact(self, *, new: int = 0) -> None:
        """The document stored before the fault is untouched; ``new`` others were added."""
        with Store.open(str(self.db)) as store:
            docs = store.list_documents()
        [known] = [d for d in docs if d.url == KNOWN]
        assert known.flags == {"untagged"} and known.version == 1
        assert len(docs) == 1 + new


@pytest.fixture
def crawl(tmp_path: Path) -> Crawl:
    return Crawl(tmp_path)


def served(srv: FaultServer, path: str) -> int:
    return len(srv.requests(path))


# -- A1, A2: slow or silent servers ---------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        {"drip": {"interval": 5, "bytes": 1}, "body": "[" + " " * 100 + "]"},
        {"hang": "before_headers"},
        {"hang": "after_headers"},
    ],
    ids=["slow-drip", "never-answers", "hangs-after-headers"],
)
def test_a_stalled_list_times_out_and_other_channels_complete(
    crawl: Crawl, tmp_path: Path, fault: dict[str, Any]
) -> None:
    with FaultServer(site({FEED: fault, "/ok.json": feed_spec()}), tmp_path) as srv:
        started = time.monotonic()
        code, _out = crawl.run(
            srv.port,
            "sources.gov_cn.enabled_channels=bmwj,zuixin",
            f"sources.gov_cn.channels.zuixin.url=http://www.gov.cn:{srv.port}/ok.json",
        )
        elapsed = time.monotonic() - started
        assert served(srv, FEED) == 2  # the first try and one retry
    assert code == 1
    assert elapsed < TIMEOUT * 2 + 15  # abandoned at the timeout, not at the drip's end
    bmwj = crawl.channel("bmwj")
    assert bmwj["state"] == "fetch_failed" and bmwj["error_counts"] == {"timeout": 1}
    assert crawl.channel("zuixin")["state"] == "ok"
    crawl.assert_intact(new=1)  # zuixin's page was stored; nothing from the stalled list


# -- A4, A5: huge bodies and decompression bombs --------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        {"zeros": 200 * 1024 * 1024},
        {"zeros": 200 * 1024 * 1024, "content_length": None},
        {"zeros": 1024 * 1024 * 1024, "encoding": "br"},
        {"zeros": 256 * 1024 * 1024, "encoding": "gzip"},
        {"zeros": 256 * 1024 * 1024, "encoding": "deflate"},
    ],
    ids=["200MB", "200MB-no-length", "br-bomb", "gzip-bomb", "deflate-bomb"],
)
def test_oversized_or_bomb_list_is_cut_at_the_limit(
    crawl: Crawl, tmp_path: Path, fault: dict[str, Any]
) -> None:
    with FaultServer({"routes": {"/robots.txt": {"status": 404}, FEED: fault}}, tmp_path) as srv:
        code, out = crawl.run(srv.port, "crawl.max_response_bytes=2000000")
    assert code == 1
    bmwj = crawl.channel()
    assert bmwj["state"] == "fetch_failed"
    assert set(bmwj["error_counts"]) == {"too_large"}, out
    assert f"www.gov.cn:{srv.port}{FEED}" in out  # the URL is named in the error
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert peak_mib < 400  # far below the 200 MB–1 GiB the server offered
    crawl.assert_intact()


# -- A6, A7: redirects -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("routes", "kind"),
    [
        ({FEED: {"redirect": "/b"}, "/b": {"redirect": FEED}}, "redirect_loop"),
        ({FEED: {"redirect": "/r/1"}, "/r/*": {"redirect": "/r/again"}}, "redirect_loop"),
        (
            {
                FEED: {"body": '<meta http-equiv="refresh" content="0;url=/m/1">'},
                "/m/*": {"body": '<meta http-equiv="refresh" content="0;url=/m/next">'},
            },
            "redirect_loop",
        ),
        ({FEED: {"redirect": "file:///etc/passwd"}}, "refused_scheme"),
        ({FEED: {"redirect": "ftp://www.gov.cn/feed.json"}}, "refused_scheme"),
        ({FEED: {"redirect": "http://169.254.169.254/latest/meta-data/"}}, "offsite_redirect"),
    ],
    ids=["a-b-a", "endless-chain", "meta-refresh-loop", "file", "ftp", "metadata-ip"],
)
def test_bad_redirects_stop_and_are_reported(
    crawl: Crawl, tmp_path: Path, routes: dict[str, Any], kind: str
) -> None:
    chain = routes.get("/r/*")
    if chain:  # /r/1 → /r/2 → … : each hop a new URL
        routes = {**routes, "/r/*": [{"redirect": f"/r/{n}"} for n in range(2, 40)]}
    scenario = {"routes": {"/robots.txt": {"status": 404}, **routes}}
    with FaultServer(scenario, tmp_path) as srv:
        code, out = crawl.run(srv.port)
        hits = len(srv.requests())
    assert code == 1
    bmwj = crawl.channel()
    assert bmwj["state"] == "fetch_failed" and kind in bmwj["error_counts"], out
    assert hits <= 1 + 1 + 6 + 1  # robots, the feed, at most the redirect cap, no endless chase
    crawl.assert_intact()


def test_redirect_to_another_host_is_refused_before_connecting(
    crawl: Crawl, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    with FaultServer({"routes": {FEED: feed_spec()}}, other, host="127.0.0.2") as host_b:
        target = f"http://other.example:{host_b.port}{FEED}"
        with FaultServer(site({FEED: {"redirect": target}}), tmp_path) as srv:
            code, _ = crawl.run(
                srv.port,
                "crawl.resolve=www.gov.cn=127.0.0.1,other.example=127.0.0.2",
                allowed="127.0.0.0/8",
            )
        assert host_b.requests() == []
    assert code == 1
    assert crawl.channel()["error_counts"] == {"offsite_redirect": 1}
    crawl.assert_intact()


# -- A8: credentials and cookies on redirect -------------------------------------------------


def test_cookies_do_not_follow_a_redirect_to_another_port(crawl: Crawl, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    with FaultServer({"routes": {"/landing.json": feed_spec()}}, other) as port_b:
        cookie = {"Set-Cookie": "sid=secret-session; Path=/"}
        routes = {
            "/robots.txt": {"status": 404, "headers": cookie},
            FEED: {"redirect": "/same-origin.json"},
            "/same-origin.json": {"redirect": f"http://www.gov.cn:{port_b.port}/landing.json"},
        }
        with FaultServer({"routes": routes}, tmp_path) as srv:
            crawl.run(srv.port)
            [same] = srv.requests("/same-origin.json")
        [landing] = port_b.requests("/landing.json")
    assert "sid=secret-session" in same["headers"].get("cookie", "")  # the control: sent here
    assert "cookie" not in landing["headers"] and "authorization" not in landing["headers"]


# -- A8b: the address actually connected to --------------------------------------------------


def test_a_source_resolving_to_loopback_is_refused_at_connect_time(
    crawl: Crawl, tmp_path: Path
) -> None:
    with FaultServer(site(), tmp_path) as srv:
        code, out = crawl.run(srv.port, allowed="")
        assert srv.requests() == []  # not one connection reached the server
    assert code == 1
    bmwj = crawl.channel()
    assert bmwj["state"] == "fetch_failed" and "127.0.0.1 (loopback)" in bmwj["reason"], out
    crawl.assert_intact()


# -- A9: anti-bot answers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (
            {
                "status": 412,
                "body": CHALLENGE,
                "headers": {"Set-Cookie": "__jsluid_h=abc; Path=/"},
            },
            "http_412",
        ),
        ({"status": 403, "body": "<html><body><h1>访问受限</h1></body></html>"}, "http_403"),
        ({"status": 521, "body": CHALLENGE}, "http_521"),
        ({"status": 200, "body": CHALLENGE}, "challenge"),
    ],
    ids=["412-js-challenge", "403-access-restricted", "521", "200-challenge"],
)
def test_a_challenge_is_blocked_not_an_empty_month_and_not_retried(
    crawl: Crawl, tmp_path: Path, fault: dict[str, Any], kind: str
) -> None:
    with FaultServer(site({FEED: fault}), tmp_path) as srv:
        code, _out = crawl.run(srv.port)
        assert served(srv, FEED) == 1  # no retry, no second identity
        assert "new" not in json.dumps(srv.requests())  # nothing solved or followed
        again, _ = crawl.run(srv.port)  # the next poll inside the cool-down
        assert served(srv, FEED) == 1
    assert code == 1 and again == 1
    bmwj = crawl.channel()
    assert bmwj["state"] == "blocked" and bmwj["error_counts"] == {kind: 1}
    assert len(bmwj["body_hash"]) == 16 and bmwj["retry_at"]
    assert crawl.sources()["state"] == "blocked"
    crawl.assert_intact()


def test_429_waits_as_retry_after_says_then_repeated_429_is_blocked(
    crawl: Crawl, tmp_path: Path
) -> None:
    throttled = {"status": 429, "headers": {"Retry-After": "120"}}
    with FaultServer(site({FEED: throttled}), tmp_path) as srv:
        code, _ = crawl.run(srv.port)
        bmwj = crawl.channel()
        assert code == 1 and bmwj["state"] == "throttled" and served(srv, FEED) == 1
        waited = (_parse(bmwj["retry_at"]) - _parse(bmwj["checked_at"])).total_seconds()
        assert 119 <= waited <= 121
        crawl.run(srv.port)  # inside the Retry-After window: not polled
        assert served(srv, FEED) == 1
        crawl.run(srv.port, "health.max_retry_after_seconds=86400", "")  # still waiting
        assert served(srv, FEED) == 1
        _expire_wait(crawl.db)
        crawl.run(srv.port)  # after the wait, 429 again: blocked
        assert served(srv, FEED) == 2
    assert crawl.channel()["state"] == "blocked"
    crawl.assert_intact()


def _parse(value: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(value)


def _expire_wait(db: Path) -> None:
    """Move every stored wait into the past, as if the Retry-After time had come."""
    import dataclasses
    from datetime import UTC, datetime, timedelta

    with Store.open(str(db)) as store:
        rows = store.channel_health("gov_cn")
        past = datetime.now(UTC) - timedelta(seconds=1)
        store.save_health([dataclasses.replace(r, retry_at=past) for r in rows])


# -- A10: 5xx bursts --------------------------------------------------------------------------


def test_two_503s_then_success_on_the_third_attempt(crawl: Crawl, tmp_path: Path) -> None:
    feed = [{"status": 503}, {"status": 503}, feed_spec()]
    with FaultServer(site({FEED: feed}), tmp_path) as srv:
        code, out = crawl.run(srv.port, "crawl.retries=2")
        assert served(srv, FEED) == 3
    assert code == 0, out
    assert crawl.channel()["state"] == "ok"
    crawl.assert_intact(new=1)


def test_5xx_burst_gives_up_then_the_next_poll_tries_normally(crawl: Crawl, tmp_path: Path) -> None:
    feed = [*([{"status": 503}] * 5), feed_spec()]
    with FaultServer(site({FEED: feed}), tmp_path) as srv:
        code, out = crawl.run(srv.port, "crawl.retries=2")
        assert code == 1 and served(srv, FEED) == 3
        assert "ERROR" in out and "503" in out
        bmwj = crawl.channel()
        assert bmwj["state"] == "fetch_failed" and bmwj["error_counts"] == {"http_503": 1}
        assert bmwj["retry_at"] is None  # no cool-down: the next poll tries normally
        code, out = crawl.run(srv.port, "crawl.retries=2")  # 503, 503, then the feed
        assert code == 0, out
    bmwj = crawl.channel()
    assert bmwj["state"] == "ok" and bmwj["error_counts"] == {}
    assert bmwj["consecutive_failures"] == 0
    crawl.assert_intact(new=1)


# -- A11: robots.txt --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("robots", "state", "feed_fetched"),
    [
        ({"status": 404}, "ok", True),
        ({"status": 500}, "fetch_failed", False),
        ({"hang": "before_headers"}, "fetch_failed", False),
        (
            {
                "body": "\x00\x01<html>not robots</html>\n%%%",
                "headers": {"Content-Type": "text/plain"},
            },
            "ok",
            True,
        ),
        (
            {
                "body": "User-agent: *\nDisallow: /feed.json\n",
                "headers": {"Content-Type": "text/plain"},
            },
            "robots_disallowed",
            False,
        ),
    ],
    ids=["404-allows", "500-no-crawl", "timeout-no-crawl", "garbage-allows", "disallow-reported"],
)
def test_robots_txt_policy(
    crawl: Crawl, tmp_path: Path, robots: dict[str, Any], state: str, feed_fetched: bool
) -> None:
    with FaultServer(site({"/robots.txt": robots}), tmp_path) as srv:
        code, out = crawl.run(srv.port)
        assert served(srv, FEED) == (1 if feed_fetched else 0)
    bmwj = crawl.channel()
    assert bmwj["state"] == state, out
    assert code == (0 if state == "ok" else 1)
    if state == "fetch_failed":
        assert bmwj["error_counts"] == {"robots_unreachable": 1}
    crawl.assert_intact(new=1 if feed_fetched else 0)


# -- A12: hostile XML in an RSS channel --------------------------------------------------------

LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]><rss><channel><item><title>&lol9;</title><link>http://www.gov.cn/x</link></item></channel></rss>"
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<rss><channel><item><title>&xxe;</title><link>http://www.gov.cn/x</link></item></channel></rss>"
)
DEEP = "<rss>" + "<a>" * 10_000 + "</a>" * 10_000 + "</rss>"


@pytest.mark.parametrize("xml", [LAUGHS, XXE, DEEP], ids=["billion-laughs", "xxe", "deep"])
def test_hostile_xml_feed_is_refused_and_reveals_nothing(
    crawl: Crawl, tmp_path: Path, xml: str
) -> None:
    rss = {"body": xml, "headers": {"Content-Type": "application/rss+xml"}}
    with FaultServer(site({"/rss.xml": rss}), tmp_path) as srv:
        started = time.monotonic()
        code, out = crawl.run(
            srv.port,
            "sources.gov_cn.enabled_channels=rss",
            f"sources.gov_cn.channels.rss.url=http://www.gov.cn:{srv.port}/rss.xml",
        )
        assert time.monotonic() - started < 60
    rss_health = crawl.channel("rss")
    assert code == 1 and rss_health["state"] == "parse_suspect", out
    assert "root:" not in out and "root:" not in json.dumps(rss_health)
    crawl.assert_intact()
