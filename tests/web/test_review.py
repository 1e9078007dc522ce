"""The queue and item pages over HTTP: filters, editing, decisions, conflicts, roles, safety."""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.testclient import TestClient

from storage import DocumentFilter, Store
from tests.web.conftest import csrf_of


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="open" href="/documents/(\d+)', html)]


def _doc_id(web_db: str, source: str) -> int:
    with Store.open(web_db) as store:
        (doc,) = store.list_documents(DocumentFilter(source=source))
        assert doc.id is not None
        return doc.id


def _edit_form(client: TestClient, doc_id: int) -> dict[str, str]:
    page = client.get(f"/documents/{doc_id}")
    assert page.status_code == 200
    revision = re.search(r'name="revision" value="(\d+)"', page.text)
    assert revision
    return {"csrf_token": csrf_of(page.text), "revision": revision[1]}


def test_the_queue_lists_pending_documents_with_counts(app: Starlette, alice: TestClient) -> None:
    page = alice.get("/")
    assert page.status_code == 200
    assert len(_ids(page.text)) == 3
    assert re.search(r'Pending <span class="count">3</span>', page.text)
    assert "comments by 2099-08-14" in page.text


def test_filters_narrow_the_queue(app: Starlette, alice: TestClient, web_db: str) -> None:
    miit = _doc_id(web_db, "miit")
    assert _ids(alice.get("/?source=miit").text) == [miit]
    assert _ids(alice.get("/?draft=yes").text) == [miit]
    assert _ids(alice.get("/?open=1").text) == [miit]
    assert _ids(alice.get("/?q=儿童").text) == [miit]
    assert len(_ids(alice.get("/?q=数据").text)) == 1
    assert len(_ids(alice.get("/?since=2026-03-01&until=2026-03-02").text)) == 1
    assert len(_ids(alice.get("/?topic=(none)").text)) == 3
    assert _ids(alice.get("/?status=approved").text) == []
    oldest = _ids(alice.get("/?sort=oldest").text)
    assert (
        oldest == sorted(oldest, key=lambda i: _ids(alice.get("/?sort=newest").text).index(i))[::-1]
    )


def test_nonsense_filters_are_ignored_and_named(alice: TestClient) -> None:
    page = alice.get("/?status=drop+table&since=yesterday&page=-3&sort=random&source=evil")
    assert page.status_code == 200
    assert "ignored status=" in page.text and "ignored since=" in page.text
    assert "ignored sort=" in page.text and "ignored source=" in page.text
    assert len(_ids(page.text)) == 3


def test_edit_then_approve_moves_the_item_to_the_approved_list(
    alice: TestClient, web_db: str
) -> None:
    miit = _doc_id(web_db, "miit")
    form = _edit_form(alice, miit)
    saved = alice.post(
        f"/documents/{miit}",
        data=form
        | {
            "headline": "MIIT seeks comments on app rights campaign",
            "lead": "On March 5, 2026, MIIT issued ...",
            "summary": "",
            "bullets": "first\n\nsecond\n",
            "topics": ["app_governance", "minors"],
            "action": "approve",
            "back": "status=pending",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/?status=pending&done=approve&doc={miit}"
    assert f"Document {miit} approved." in alice.get(saved.headers["location"]).text
    assert miit in _ids(alice.get("/?status=approved").text)
    with Store.open(web_db) as store:
        doc = store.get_document(miit)
    assert doc is not None
    assert doc.editorial.bullets == ("first", "second")
    assert sorted(doc.topic_keys()) == ["app_governance", "minors"]
    history = alice.get(f"/documents/{miit}").text
    assert "MIIT seeks comments on app rights campaign" in history
    assert "approved" in history and "alice" in history


def test_the_lead_is_prefilled_from_the_glossary(alice: TestClient, web_db: str) -> None:
    page = alice.get(f"/documents/{_doc_id(web_db, 'miit')}").text
    assert "On March 5, 2026, the Ministry of Industry and Information Technology" in page
    assert "to seek public opinions by August 14, 2099." in page


def test_the_second_of_two_saves_is_refused_and_keeps_the_input(
    app: Starlette, alice: TestClient, web_db: str
) -> None:
    from tests.web.conftest import client_of

    bob = client_of(app, "bob")
    miit = _doc_id(web_db, "miit")
    alices, bobs = _edit_form(alice, miit), _edit_form(bob, miit)
    first = alice.post(
        f"/documents/{miit}", data=alices | {"headline": "Alice's", "action": "save"}
    )
    assert first.status_code == 200
    second = bob.post(f"/documents/{miit}", data=bobs | {"headline": "Bob's", "action": "save"})
    assert second.status_code == 409
    assert "changed since you opened it" in second.text
    assert 'value="Bob&#39;s"' in second.text  # his input is still in the form
    with Store.open(web_db) as store:
        doc = store.get_document(miit)
    assert doc is not None and doc.editorial.headline == "Alice's"


def test_quick_decisions_from_the_queue(alice: TestClient, web_db: str) -> None:
    cac = _doc_id(web_db, "cac")
    page = alice.get("/")
    revision = re.search(
        rf'action="/documents/{cac}/decide".*?name="revision" value="(\d+)"', page.text, re.S
    )
    assert revision
    data = {"csrf_token": csrf_of(page.text), "revision": revision[1], "back": ""}
    done = alice.post(
        f"/documents/{cac}/decide", data=data | {"action": "reject"}, follow_redirects=False
    )
    assert done.status_code == 303
    stale = alice.post(f"/documents/{cac}/decide", data=data | {"action": "approve"})
    assert stale.status_code == 409
    assert cac in _ids(alice.get("/?status=rejected").text)


def test_a_viewer_reads_but_cannot_edit(app: Starlette, web_db: str) -> None:
    from tests.web.conftest import client_of

    victor = client_of(app, "victor")
    miit = _doc_id(web_db, "miit")
    page = victor.get(f"/documents/{miit}")
    assert page.status_code == 200 and 'id="edit"' not in page.text
    token = csrf_of(page.text)
    refused = victor.post(
        f"/documents/{miit}", data={"csrf_token": token, "revision": "0", "action": "approve"}
    )
    assert refused.status_code == 403
    assert victor.get("/add").status_code == 403


def test_an_editor_cannot_reach_admin_pages(alice: TestClient) -> None:
    assert alice.get("/admin/users").status_code == 403
    token = csrf_of(alice.get("/").text)
    forged = alice.post(
        "/admin/users",
        data={"csrf_token": token, "name": "mallory", "email": "m@x.example", "role": "admin"},
    )
    assert forged.status_code == 403


def test_scraped_markup_is_shown_as_text(alice: TestClient, web_db: str) -> None:
    page = alice.get(f"/documents/{_doc_id(web_db, 'cac')}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text
    text = alice.get(f"/documents/{_doc_id(web_db, 'cac')}/text")
    assert text.headers["content-type"].startswith("text/plain")
    assert text.headers["x-content-type-options"] == "nosniff"


def test_a_missing_document_is_a_404(alice: TestClient) -> None:
    assert alice.get("/documents/999").status_code == 404


def test_static_paths_cannot_climb_out(alice: TestClient) -> None:
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static//etc/passwd"):
        assert alice.get(path).status_code == 404, path


def test_an_amended_document_shows_what_changed(alice: TestClient, web_db: str) -> None:
    from datetime import UTC, datetime

    from tests.web.conftest import documents

    tc260 = documents()[2]
    tc260.body_text += "新增：<b>认证机构应当公开认证规则。</b>"
    with Store.open(web_db) as store:
        store.save_document(tc260, seen_at=datetime(2099, 1, 1, tzinfo=UTC))
    page = alice.get(f"/documents/{_doc_id(web_db, 'tc260')}").text
    assert "Version 2" in page
    assert "<ins>新增：&lt;b&gt;认证机构应当公开认证规则。&lt;/b&gt;</ins>" in page
    assert _ids(alice.get("/?flag=amended").text) == [_doc_id(web_db, "tc260")]
