"""Adding a document by hand: by URL (through the crawler's guarded fetch) or by pasting."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.applications import Starlette
from starlette.testclient import TestClient

from config import load_settings
from storage import Store
from tests.web.conftest import client_of, csrf_of
from tests.web.server import serve_page
from web.app import create_app

PAGE = Path(__file__).parents[1] / "crawler" / "manual_pages" / "province_utf8.html"


def _loopback_app(web_db: str) -> Starlette:
    return create_app(
        load_settings(
            {
                "database.url": web_db,
                "crawl.allowed_addresses": "127.0.0.0/8",
                "crawl.download_delay": "0",
                "crawl.retries": "0",
                "crawl.timeout": "10",
            },
            environ={},
        )
    )


def _token(client: TestClient) -> str:
    return csrf_of(client.get("/add").text)


def test_a_pasted_document_joins_the_queue_as_plain_text(alice: TestClient, web_db: str) -> None:
    reply = alice.post(
        "/add/paste",
        data={
            "csrf_token": _token(alice),
            "title": "上海市高级人民法院<b>关于</b>数据权益保护的意见",
            "published": "2026-03-10",
            "issuer": "上海市高级人民法院",
            "url": "https://www.hshfy.sh.cn/x.html",
            "body": "<p>为加强数据权益司法保护。</p><script>alert(1)</script>",
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303
    doc_id = int(reply.headers["location"].rsplit("/", 1)[1])
    with Store.open(web_db) as store:
        doc = store.get_document(doc_id)
        events = store.review_events(doc_id)
    assert doc is not None and doc.source == "manual" and doc.review_status == "pending"
    assert doc.title == "上海市高级人民法院关于数据权益保护的意见"
    assert doc.body_text == "为加强数据权益司法保护。"
    assert [(e.user, e.action) for e in events] == [("alice", "added")]
    assert "上海市高级人民法院关于数据权益保护的意见" in alice.get("/?source=manual").text


def test_a_paste_without_text_or_with_a_bad_link_is_refused(alice: TestClient) -> None:
    token = _token(alice)
    empty = alice.post("/add/paste", data={"csrf_token": token, "title": "标题", "body": " "})
    assert empty.status_code == 400 and "needs a title and its text" in empty.text
    bad = alice.post(
        "/add/paste",
        data={"csrf_token": token, "title": "标题", "body": "正文", "url": "javascript:alert(1)"},
    )
    assert bad.status_code == 400 and "http:// or https://" in bad.text
    assert 'value="标题"' in bad.text  # the editor's input is kept


def test_a_page_is_fetched_extracted_and_queued(web_db: str) -> None:
    client = client_of(_loopback_app(web_db), "alice")
    with serve_page(PAGE.read_text("utf-8"), host="127.0.0.1") as url:
        reply = client.post(
            "/add/url", data={"csrf_token": _token(client), "url": url}, follow_redirects=False
        )
    assert reply.status_code == 303, reply.text
    doc_id = int(reply.headers["location"].rsplit("/", 1)[1])
    with Store.open(web_db) as store:
        doc = store.get_document(doc_id)
    assert doc is not None
    assert doc.title == "关于印发《某某省公共数据授权运营管理办法（试行）》的通知"
    assert "公共数据" in doc.body_text and doc.source == "manual"


def test_a_refused_address_says_why_and_stores_nothing(app: Starlette, web_db: str) -> None:
    client = client_of(app, "alice")  # default settings: loopback is not a public address
    with Store.open(web_db) as store:
        before = store.count_documents()
    reply = client.post(
        "/add/url", data={"csrf_token": _token(client), "url": "http://127.0.0.1:9/"}
    )
    assert reply.status_code == 422
    assert re.search(r"Could not add .*loopback", reply.text)
    with Store.open(web_db) as store:
        assert store.count_documents() == before
