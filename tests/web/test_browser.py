"""The review queue in a real browser (Playwright driving Chromium) against the app on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Dialog, Page, expect
from starlette.applications import Starlette

from model import Attachment, Document
from storage import DocumentFilter, Store
from tests.web.conftest import PASSWORD, XSS_TITLE
from tests.web.server import serve_app, serve_page

pytestmark = pytest.mark.browser

PAYLOADS = (
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    '<svg onload="window.__pwned=1">',
    '<iframe src="javascript:window.__pwned=1"></iframe>',
    "<style>body{display:none}</style>",
    '<meta http-equiv="refresh" content="0;url=javascript:window.__pwned=1">',
)


@pytest.fixture
def base_url_live(app: Starlette) -> Iterator[str]:
    with serve_app(app) as url:
        yield url


@pytest.fixture
def watched(page: Page) -> Iterator[Page]:
    """A page that fails the test if anything opens a dialog or logs an error."""
    problems: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}")
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    yield page
    assert problems == []


def log_in(page: Page, base: str, name: str = "alice") -> None:
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Log in")).to_have_count(0)


def test_log_in_filter_open_edit_approve_and_find_it_approved(
    watched: Page, base_url_live: str
) -> None:
    page = watched
    log_in(page, base_url_live)
    page.get_by_label("Source").select_option("miit")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.queue tr.row")
    expect(rows).to_have_count(1)
    rows.first.locator("a.open").click()
    expect(page.locator("h1")).to_contain_text("移动互联网应用程序")
    expect(page.get_by_label("Lead sentence")).to_contain_text("to seek public opinions by")
    page.get_by_label("Headline").fill("MIIT seeks comments on an app rights campaign")
    page.get_by_role("button", name="Save and approve").click()
    expect(page.locator(".notice")).to_contain_text("approved")
    expect(page.locator("table.queue tr.row")).to_have_count(0)  # back on the filtered pending list
    page.get_by_role("link", name="Approved").click()
    expect(page.locator("table.queue")).to_contain_text(
        "MIIT seeks comments on an app rights campaign"
    )


def test_keyboard_moves_and_rejects(watched: Page, base_url_live: str, web_db: str) -> None:
    page = watched
    log_in(page, base_url_live)
    expect(page.locator("tr.row.selected")).to_have_count(1)
    page.keyboard.press("j")
    second = page.locator("tr.row").nth(1)
    expect(second).to_have_class("row selected")
    title = second.locator("a.open").inner_text()
    page.keyboard.press("r")
    expect(page.locator(".notice")).to_contain_text("rejected")
    with Store.open(web_db) as store:
        rejected = store.list_documents(DocumentFilter(review_status="rejected"))
    assert [d.title for d in rejected] == [title]
    page.keyboard.press("e")
    expect(page.get_by_label("Headline")).to_be_focused()


def test_script_payloads_in_scraped_fields_stay_text(
    watched: Page, base_url_live: str, web_db: str
) -> None:
    with Store.open(web_db) as store:
        doc_id = store.save_document(
            Document(
                url="https://www.gov.cn/zhengce/xss.htm",
                source="gov_cn",
                title="关于" + PAYLOADS[0] + "的通知",
                body_text="\n".join(PAYLOADS),
                attachments=[
                    Attachment(PAYLOADS[1], "  JaVaScRiPt:window.__pwned=1"),
                    Attachment("附件2", "data:text/html,<script>window.__pwned=1</script>"),
                ],
            )
        ).document_id
    page = watched
    log_in(page, base_url_live)
    page.goto(f"{base_url_live}/?q=通知")
    page.goto(f"{base_url_live}/documents/{doc_id}")
    expect(page.locator("h1")).to_have_text("关于" + PAYLOADS[0] + "的通知")
    expect(page.locator(".body").first).to_contain_text(PAYLOADS[1])
    assert page.locator("main img, main svg, main iframe, main style").count() == 0
    assert page.locator('a[href^="javascript" i], a[href^="data" i]').count() == 0
    expect(page.locator(".attachments .badlink")).to_have_count(2)
    page.goto(f"{base_url_live}/")
    expect(page.locator("table.queue")).to_contain_text(XSS_TITLE)
    assert page.evaluate("window.__pwned") is None


def test_a_forged_post_from_another_site_changes_nothing(
    watched: Page, base_url_live: str, web_db: str
) -> None:
    with Store.open(web_db) as store:
        (target,) = store.list_documents(DocumentFilter(source="miit"))
    page = watched
    log_in(page, base_url_live)
    attack = f"""<!doctype html><form id=f method=post
        action="{base_url_live}/documents/{target.id}/decide">
        <input name=action value=approve><input name=revision value=0></form>
        <script>document.getElementById('f').submit()</script>"""
    with serve_page(attack) as evil:
        page.goto(evil)
        page.wait_for_load_state()
        assert page.url.startswith(base_url_live)  # the form was posted to the app ...
        expect(page.locator("body")).to_contain_text(re.compile("login required|CSRF"))
    status = page.evaluate(
        """async (url) => (await fetch(url, {method: "POST",
            headers: {"Content-Type": "application/x-www-form-urlencoded"},
            body: "action=approve&revision=0"})).status""",
        f"{base_url_live}/documents/{target.id}/decide",
    )
    assert status == 403  # same origin, logged in, but no token
    with Store.open(web_db) as store:
        doc = store.get_document(target.id or 0)
    assert doc is not None and doc.review_status == "pending"  # ... and refused


def test_an_editor_cannot_reach_admin_pages(watched: Page, base_url_live: str) -> None:
    page = watched
    log_in(page, base_url_live)
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    response = page.goto(f"{base_url_live}/admin/users")
    assert response is not None and response.status == 403
    log_in(page, base_url_live, "ada")
    response = page.goto(f"{base_url_live}/admin/users")
    assert response is not None and response.status == 200
    expect(page.locator("table")).to_contain_text("alice@firm.example")
