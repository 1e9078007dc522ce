"""The scripted fault server answers as its scenario says, over real sockets."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import time
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import brotli
import pytest

from tests.crawler.faultserver import FaultServer

pytestmark = pytest.mark.timeout(60)

MIB = 1 << 20


def get(
    srv: FaultServer,
    path: str,
    headers: dict[str, str] | None = None,
    *,
    method: str = "GET",
    timeout: float = 2.0,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request with http.client: status, headers and the whole body."""
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()
    finally:
        conn.close()


def raw(srv: FaultServer, request: bytes, timeout: float = 2.0) -> bytes:
    """Send raw bytes and read until the server closes."""
    with socket.create_connection((srv.host, srv.port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def eventually(check: Callable[[], bool], timeout: float = 2.0) -> bool:
    """Poll ``check`` until it holds or ``timeout`` passes; its last answer."""
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.02)
    return check()


def zeros_in(data: bytes) -> bool:
    """True when ``data`` is all zero bytes."""
    return not data.lstrip(b"\0")


def test_status_sequence_then_last_repeats(tmp_path: Path) -> None:
    scenario = {"routes": {"/flaky": [{"status": 503}, {"status": 503}, {"body": "fine"}]}}
    with FaultServer(scenario, tmp_path) as srv:
        answers = [get(srv, "/flaky")[::2] for _ in range(4)]
        assert answers == [(503, b""), (503, b""), (200, b"fine"), (200, b"fine")]
        assert len(srv.requests("/flaky")) == 4


def test_redirect_to_own_port_is_followed(tmp_path: Path) -> None:
    scenario = {
        "routes": {
            "/old": {"redirect": "http://{host}:{port}/new", "status": 301},
            "/new": {"body": "arrived at {host}:{port}"},
        }
    }
    with FaultServer(scenario, tmp_path) as srv:
        status, headers, _ = get(srv, "/old")
        assert status == 301
        assert headers["Location"] == srv.url("/new")
        with urllib.request.urlopen(srv.url("/old"), timeout=2) as resp:
            assert resp.url == srv.url("/new")
            assert resp.read().decode() == f"arrived at 127.0.0.1:{srv.port}"
        assert [r["path"] for r in srv.requests()] == ["/old", "/old", "/new"]


def test_request_headers_are_logged_before_answering(tmp_path: Path) -> None:
    scenario = {
        "routes": {
            "/h": {"headers": [["Set-Cookie", "a=1"], ["Set-Cookie", "b=2"]], "body": "plain"},
            "/h?x=1": {"status": 201, "headers": {"Content-Type": "application/json"}},
        }
    }
    with FaultServer(scenario, tmp_path) as srv:
        before = time.time()
        status, headers, body = get(srv, "/h?y=2", {"Authorization": "Bearer s3cret"})
        assert (status, body) == (200, b"plain")
        assert headers.get_all("Set-Cookie") == ["a=1", "b=2"]
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Connection"] == "close" and headers["Date"].endswith(" GMT")
        status, headers, _ = get(srv, "/h?x=1", {"X-Trace": "7"}, method="POST")
        assert status == 201 and headers["Content-Type"] == "application/json"
        first, second = srv.requests("/h")
        assert first["method"] == "GET" and first["path"] == "/h?y=2"
        assert first["headers"]["authorization"] == "Bearer s3cret"
        assert first["host"] == f"127.0.0.1:{srv.port}"
        assert before <= first["at"] <= second["at"] <= time.time()
        assert second["method"] == "POST" and second["headers"]["x-trace"] == "7"
        assert srv.requests("/h?x=1") == [second]


def test_drip_sends_the_body_slowly(tmp_path: Path) -> None:
    scenario = {"routes": {"/slow": {"zeros": 1000, "drip": {"interval": 0.3, "bytes": 10}}}}
    with FaultServer(scenario, tmp_path) as srv:
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=2)
        try:
            conn.request("GET", "/slow")
            resp = conn.getresponse()
            assert resp.getheader("Content-Length") == "1000"
            assert resp.read(10) == bytes(10)
            first = time.monotonic()
            assert resp.read(10) == bytes(10)
            assert time.monotonic() - first >= 0.25
        finally:
            conn.close()  # hang up early: the server carries on with others
        assert get(srv, "/other")[0] == 404


def test_hang_before_headers_times_the_client_out(tmp_path: Path) -> None:
    scenario = {"routes": {"/hang": {"hang": "before_headers"}, "/ok": {"body": "ok"}}}
    with FaultServer(scenario, tmp_path) as srv:
        hung = [socket.create_connection((srv.host, srv.port), timeout=2) for _ in range(50)]
        try:
            for sock in hung:
                sock.sendall(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
            assert get(srv, "/ok")[2] == b"ok"  # fifty hung connections block nothing
            with pytest.raises(TimeoutError):
                get(srv, "/hang", timeout=0.5)
        finally:
            for sock in hung:
                sock.close()
        assert eventually(lambda: len(srv.requests("/hang")) == 51)  # logged, never answered


def test_hang_after_headers(tmp_path: Path) -> None:
    with FaultServer({"routes": {"/h": {"hang": "after_headers"}}}, tmp_path) as srv:
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=0.5)
        try:
            conn.request("GET", "/h")
            resp = conn.getresponse()
            assert resp.status == 200 and resp.getheader("Content-Length") is None
            with pytest.raises(TimeoutError):
                resp.read()
        finally:
            conn.close()


def test_delay_holds_the_whole_reply(tmp_path: Path) -> None:
    with FaultServer({"routes": {"/d": {"delay": 0.4, "body": "late"}}}, tmp_path) as srv:
        started = time.monotonic()
        assert get(srv, "/d")[2] == b"late"
        assert time.monotonic() - started >= 0.35


def test_truncated_body_is_an_incomplete_read(tmp_path: Path) -> None:
    spec = {"body": "[" + " " * 19999, "truncate_after": 7000}
    with FaultServer({"routes": {"/t": spec}}, tmp_path) as srv:
        with pytest.raises(http.client.IncompleteRead) as caught:
            get(srv, "/t")
        assert len(caught.value.partial) == 7000
        assert caught.value.expected == 13000


def test_lying_content_length(tmp_path: Path) -> None:
    spec = {"body": "short", "content_length": 20000}
    with FaultServer({"routes": {"/t": spec}}, tmp_path) as srv:
        with pytest.raises(http.client.IncompleteRead) as caught:
            get(srv, "/t")
        assert caught.value.partial == b"short"


def test_reset_mid_body(tmp_path: Path) -> None:
    spec = {"zeros": 20000, "truncate_after": 7000, "reset": True}
    with FaultServer({"routes": {"/r": spec}}, tmp_path) as srv:
        with socket.create_connection((srv.host, srv.port), timeout=2) as sock:
            sock.sendall(b"GET /r HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            with pytest.raises(ConnectionResetError):
                while chunk := sock.recv(65536):
                    received += chunk
        assert received.startswith(b"HTTP/1.1 200 OK\r\n")
        assert b"Content-Length: 20000\r\n" in received
        assert len(received.partition(b"\r\n\r\n")[2]) <= 7000


def test_chunked(tmp_path: Path) -> None:
    scenario = {
        "routes": {
            "/c": {"body": "hello world", "chunked": True, "drip": {"interval": 0, "bytes": 5}},
            "/cut": {"body": "x" * 100, "chunked": True, "truncate_after": 50},
        }
    }
    with FaultServer(scenario, tmp_path) as srv:
        head, _, body = raw(srv, b"GET /c HTTP/1.1\r\nHost: x\r\n\r\n").partition(b"\r\n\r\n")
        assert b"Transfer-Encoding: chunked" in head and b"Content-Length" not in head
        assert body == b"5\r\nhello\r\n5\r\n worl\r\n1\r\nd\r\n0\r\n\r\n"
        assert get(srv, "/c")[2] == b"hello world"
        with pytest.raises(http.client.IncompleteRead):
            get(srv, "/cut")


def test_zeros_without_content_length_end_at_close(tmp_path: Path) -> None:
    spec = {"zeros": 5 * MIB + 3, "content_length": None}
    with FaultServer({"routes": {"/z": spec}}, tmp_path) as srv:
        status, headers, body = get(srv, "/z")
        assert status == 200 and "Content-Length" not in headers
        assert len(body) == 5 * MIB + 3 and zeros_in(body)


def test_gzip_bomb_is_small_and_inflates_to_zeros(tmp_path: Path) -> None:
    size = 256 * MIB
    spec = {"zeros": size, "encoding": "gzip"}
    with FaultServer({"routes": {"/bomb.gz": spec}}, tmp_path) as srv:
        _, headers, body = get(srv, "/bomb.gz", timeout=10)
        assert headers["Content-Encoding"] == "gzip"
        assert int(headers["Content-Length"]) == len(body) < MIB
        inflate, total, data = zlib.decompressobj(wbits=31), 0, body
        while data:
            out = inflate.decompress(data, 4 * MIB)
            data = inflate.unconsumed_tail
            assert zeros_in(out)
            total += len(out)
        assert inflate.eof and total == size


def test_deflate_and_gzip_of_ordinary_bodies(tmp_path: Path) -> None:
    scenario = {
        "routes": {
            "/odd.zz": {"zeros": 3 * MIB + 12345, "encoding": "deflate"},
            "/page.gz": {"body": "<p>你好 {port}</p>", "encoding": "gzip"},
        }
    }
    with FaultServer(scenario, tmp_path) as srv:
        _, headers, body = get(srv, "/odd.zz")
        assert headers["Content-Encoding"] == "deflate"
        plain = zlib.decompress(body)
        assert len(plain) == 3 * MIB + 12345 and zeros_in(plain)
        _, _, body = get(srv, "/page.gz")
        assert zlib.decompress(body, wbits=31).decode() == f"<p>你好 {srv.port}</p>"


def test_brotli_bomb_of_a_gibibyte(tmp_path: Path) -> None:
    spec = {"zeros": 1 << 30, "encoding": "br"}
    with FaultServer({"routes": {"/bomb.br": spec}}, tmp_path) as srv:
        started = time.monotonic()
        _, headers, body = get(srv, "/bomb.br", timeout=20)
        first = time.monotonic() - started
        started = time.monotonic()
        assert get(srv, "/bomb.br")[2] == body  # built once, then served from memory
        assert time.monotonic() - started < first / 2
    assert headers["Content-Encoding"] == "br" and len(body) < 100_000
    unpack, total = brotli.Decompressor(), 0
    out = unpack.process(body, output_buffer_limit=4 * MIB)
    while total < 64 * MIB:  # the first 64 MiB, a few MiB at a time
        assert out and zeros_in(out)
        total += len(out)
        out = unpack.process(b"", output_buffer_limit=4 * MIB)


def test_body_file_and_body_b64(tmp_path: Path) -> None:
    page = "<html><body>通知</body></html>".encode("gb18030")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "gbk.html").write_bytes(page)
    scenario = {
        "routes": {
            "/gbk": {"body_file": "pages/gbk.html", "headers": {"Content-Type": "text/html"}},
            "/b64": {"body_b64": "AAEC/w=="},
        }
    }
    with FaultServer(scenario, tmp_path) as srv:
        _, headers, body = get(srv, "/gbk")
        assert body == page and headers.get_all("Content-Type") == ["text/html"]
        assert get(srv, "/b64")[2] == b"\x00\x01\x02\xff"


def test_prefix_routes_for_a_redirect_chain(tmp_path: Path) -> None:
    scenario = {
        "routes": {
            "/r/*": [{"redirect": "/r/2"}, {"redirect": "/r/3"}, {"body": "end of chain"}],
            "/r/gone/*": {"status": 410},
        }
    }
    with FaultServer(scenario, tmp_path) as srv:
        with urllib.request.urlopen(srv.url("/r/1"), timeout=2) as resp:
            assert resp.read() == b"end of chain" and resp.url == srv.url("/r/3")
        assert [r["path"] for r in srv.requests()] == ["/r/1", "/r/2", "/r/3"]
        assert get(srv, "/r/gone/x?y=1")[0] == 410  # the longest prefix wins
        assert get(srv, "/r/9")[2] == b"end of chain"


def test_unmatched_is_404_or_default(tmp_path: Path) -> None:
    with FaultServer({"routes": {"/a": {}}}, tmp_path) as srv:
        status, _, body = get(srv, "/nowhere?q=1")
        assert status == 404 and 0 < len(body) < 200
        assert get(srv, "/a?any=query")[0] == 200
    with FaultServer({"default": {"status": 500, "body": "down"}}, tmp_path) as srv:
        assert get(srv, "/anything")[::2] == (500, b"down")
    assert len(list(tmp_path.glob("scenario*.json"))) == 2


def test_bad_request_gets_400_and_serving_goes_on(tmp_path: Path) -> None:
    with FaultServer({"routes": {"/ok": {"body": "ok"}}}, tmp_path) as srv:
        assert raw(srv, b"NONSENSE\r\n\r\n").startswith(b"HTTP/1.1 400 ")
        assert raw(srv, b"GET /ok HTTP/1.1\r\nno colon here\r\n\r\n").startswith(b"HTTP/1.1 400 ")
        assert raw(srv, b"GET /ok HTTP/1.1\r\nContent-Length: x\r\n\r\n").startswith(
            b"HTTP/1.1 400 "
        )
        with socket.create_connection((srv.host, srv.port), timeout=2):
            pass  # connect and hang up without a word
        assert get(srv, "/ok")[2] == b"ok"


def test_binds_another_loopback_address(tmp_path: Path) -> None:
    scenario = {"routes": {"/": {"body": "{host}:{port}"}}}
    with FaultServer(scenario, tmp_path, host="127.0.0.2") as srv:
        assert srv.url("/") == f"http://127.0.0.2:{srv.port}/"
        assert srv.url("/x", "www.gov.cn") == f"http://www.gov.cn:{srv.port}/x"
        with urllib.request.urlopen(srv.url("/"), timeout=2) as resp:
            assert resp.read().decode() == f"127.0.0.2:{srv.port}"
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_it_cleanly(tmp_path: Path, signum: int) -> None:
    srv = FaultServer({"routes": {"/h": {"hang": "before_headers"}}}, tmp_path)
    with srv, socket.create_connection((srv.host, srv.port), timeout=2) as sock:
        sock.sendall(b"GET /h HTTP/1.1\r\nHost: x\r\n\r\n")
        assert eventually(lambda: bool(srv.requests("/h")))
        os.kill(srv.pid, signum)
        assert sock.recv(100) == b""  # the hung connection is dropped on the way out
    assert srv.returncode == 0


def test_bad_scenario_fails_to_start(tmp_path: Path) -> None:
    bad: dict[str, Any] = {"routes": {"/x": {"stauts": 200}}}
    with pytest.raises(RuntimeError, match="stauts"), FaultServer(bad, tmp_path):
        pass
    json.loads((tmp_path / "scenario.json").read_text())
