"""A list whose HTTP body is cut short is retried, then reported; nothing stored is touched.

RELIABILITY case 3: a Content-Length of 20,000 with 7,000 bytes sent, a chunked reply without
its terminating chunk, and a connection reset mid-body.
"""

from __future__ import annotations

import re
import socket
import struct
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from model.document import Document
from storage import Store
from tests.crawler.govcn_pages import ROOT, crawl_args

KNOWN = "https://www.gov.cn/zhengce/zhengceku/202611/content_7090001.htm"


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
FAULTS = {
    "short-content-length": HEAD + b"Content-Length: 20000\r\n\r\n[" + b" " * 6999,
    "chunked-unterminated": HEAD + b"Transfer-Encoding: chunked\r\n\r\n1000\r\n[" + b" " * 4095,
    "reset": HEAD + b"Content-Length: 20000\r\n\r\n[" + b" " * 6999,
}


class TruncatingServer:
    """Answers robots.txt with 404 and everything else with a body cut short (``fault``)."""

    def __init__(self, fault: str) -> None:
        self.fault = fault
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                head = conn.recv(65536).decode("latin-1")
                path = head.split(" ", 2)[1] if " " in head else "/"
                self.requests.append(path)
                if path.endswith("robots.txt"):
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    continue
                conn.sendall(FAULTS[self.fault])
                if self.fault == "reset":  # abort: the peer sees a TCP RST mid-body
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.fixture(params=sorted(FAULTS))
def server(request: pytest.FixtureRequest) -> Iterator[TruncatingServer]:
    srv = TruncatingServer(request.param)
    yield srv
    srv.sock.close()


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_truncated_list_is_retried_then_failed(server: TruncatingServer, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with Store.open(str(db)) as store:
        store.save_document(
            Document(url=KNOWN, source="gov_cn", title="已存通知", body_text="正文")
        )
    done = subprocess.run(
        crawl_args(
            db, None, f"crawl.replay_url=http://127.0.0.1:{server.port}", "crawl.recheck_days=0"
        ),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 1
    assert "1 failed" in done.stdout and "0 new" in done.stdout
    assert re.search(r"DataLoss|data loss|ConnectionLost|PotentialDataLoss", done.stderr, re.I)
    feeds = [p for p in server.requests if p.endswith("TONGYONGGAILAN.json")]
    assert len(feeds) == 3  # the first try and two retries
    with Store.open(str(db)) as store:
        [doc] = store.list_documents()
    assert doc.flags == {"untagged"}  # not withdrawn, not touched
