"""A list whose HTTP body is cut short is retried, then reported; nothing stored is touched.

RELIABILITY case 3: the server promises 20,000 bytes and closes after 7,000.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from model.document import Document
from storage import Store
from tests.crawler.govcn_pages import ROOT, crawl_args

KNOWN = "https://www.gov.cn/zhengce/zhengceku/202611/content_7090001.htm"


class TruncatingServer:
    """Answers robots.txt with 404 and everything else with a body cut short."""

    def __init__(self) -> None:
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
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 20000\r\n\r\n" + b"[" + b" " * 6999
                )


@pytest.fixture
def server() -> Iterator[TruncatingServer]:
    srv = TruncatingServer()
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
    assert "DataLoss" in done.stderr or "data loss" in done.stderr.lower()
    feeds = [p for p in server.requests if p.endswith("TONGYONGGAILAN.json")]
    assert len(feeds) == 3  # the first try and two retries
    with Store.open(str(db)) as store:
        [doc] = store.list_documents()
    assert doc.flags == {"untagged"}  # not withdrawn, not touched
