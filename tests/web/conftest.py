"""The review app over a SQLite file: four users (editors, viewer, admin) and three documents."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from config import load_settings
from model import BEIJING, Document
from model.users import ADMIN, EDITOR, VIEWER
from storage import Store
from web.app import create_app
from web.auth import hash_password

PASSWORD = "correct horse battery"
XSS_TITLE = "<script>alert(1)</script>数据出境安全评估办法"


def documents() -> list[Document]:
    return [
        Document(
            url="https://www.cac.gov.cn/x.htm",
            source="cac",
            title=XSS_TITLE,
            body_text="为了规范数据出境活动，保护个人信息权益，制定本办法。",
            published_at=datetime(2026, 3, 2, 9, tzinfo=BEIJING),
        ),
        Document(
            url="https://www.miit.gov.cn/zwgk/wjgs/art/2026/1.html",
            source="miit",
            title="工业和信息化部关于开展移动互联网应用程序侵害用户权益专项整治的通知（征求意见稿）",
            body_text="为保护儿童个人信息安全，现公开征求意见。",
            issuers=["工业和信息化部"],
            doc_type="通知",
            is_draft_for_comment=True,
            comment_deadline=date(2099, 8, 14),
            published_at=datetime(2026, 3, 5, 9, tzinfo=BEIJING),
        ),
        Document(
            url="https://www.tc260.org.cn/front/postDetail.html?id=3",
            source="tc260",
            title="网络安全标准实践指南——个人信息跨境处理活动认证规范",
            body_text="本实践指南适用于认证机构。",
            published_at=datetime(2026, 2, 20, 9, tzinfo=BEIJING),
        ),
    ]


@pytest.fixture
def web_db(tmp_path: Path) -> str:
    db = str(tmp_path / "web.db")
    with Store.open(db) as store:
        store.add_user("alice", "alice@firm.example", EDITOR, hash_password(PASSWORD))
        store.add_user("bob", "bob@firm.example", EDITOR, hash_password(PASSWORD))
        store.add_user("victor", "victor@firm.example", VIEWER, hash_password(PASSWORD))
        store.add_user("ada", "ada@firm.example", ADMIN, hash_password(PASSWORD))
        for doc in documents():
            store.save_document(doc)
    return db


@pytest.fixture
def app(web_db: str) -> Starlette:
    return create_app(load_settings({"database.url": web_db}, environ={}))


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html
    return match[1]


def log_in(client: TestClient, name: str = "alice", password: str = PASSWORD):  # type: ignore[no-untyped-def]
    form = client.get("/login")
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": csrf_of(form.text), "next": "/"},
        follow_redirects=False,
    )


def client_of(app: Starlette, name: str) -> TestClient:
    """A client logged in as ``name``."""
    client = TestClient(app)
    assert log_in(client, name).status_code == 303
    return client


@pytest.fixture
def alice(app: Starlette) -> TestClient:
    """The app, logged in as the editor alice."""
    return client_of(app, "alice")


CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium (`make test` installs it); Playwright cannot download browsers here."""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"browser tests need {CHROMIUM}: install the chromium package (make test does)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }
