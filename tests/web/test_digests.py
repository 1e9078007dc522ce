"""The digest pages: editors lay a month out and approve it; approved months are public."""

from __future__ import annotations

import re

from lxml import html as lxml_html
from starlette.applications import Starlette
from starlette.testclient import TestClient

from model import APPROVED
from storage import Store
from tests.web.conftest import client_of, csrf_of

MARCH = "/digest/2026-03"


def _approve_all(web_db: str) -> dict[str, int]:
    """Approve the three documents, tag two; returns their ids by source."""
    with Store.open(web_db) as store:
        docs = store.list_documents()
        ids = {d.source: d.id or 0 for d in docs}
        store.set_review_status(list(ids.values()), APPROVED, user="alice")
        store.set_topics(ids["cac"], ["cross_border"], editor="alice")
        store.set_topics(ids["miit"], ["app_governance"], editor="alice")
    return ids


def _form(page: str) -> dict[str, object]:
    """The layout form's fields as the browser would submit them."""
    tree = lxml_html.fromstring(page)
    (form,) = tree.xpath(f'//form[@action="{MARCH}"]')
    fields: dict[str, object] = {"entry": form.xpath('.//input[@name="entry"]/@value')}
    for element in form.xpath(".//input[@type='hidden'][@name!='entry'] | .//textarea"):
        fields[element.get("name")] = element.value or ""
    for select in form.xpath(".//select"):
        fields[select.get("name")] = select.value
    return fields


def _sections(page: str) -> list[tuple[str, list[str]]]:
    tree = lxml_html.fromstring(page)
    out = []
    for heading in tree.xpath("//form[@class='digest-layout']//h2"):
        table = heading.getnext()
        out.append((heading.text_content(), table.xpath(".//input[@name='entry']/@value")))
    return out


def test_a_month_lists_its_approved_documents_by_section(
    app: Starlette, alice: TestClient, web_db: str
) -> None:
    ids = _approve_all(web_db)
    page = alice.get(MARCH)
    assert page.status_code == 200
    assert "Data, Cyber and Privacy Legal Update — March 2026" in page.text
    assert _sections(page.text) == [
        ("Apps and mini programs", [str(ids["miit"])]),
        ("Cross-border data transfer", [str(ids["cac"])]),
    ]  # the tc260 document was published in February
    assert "<script>alert(1)</script>" not in page.text


def test_editors_reorder_move_and_introduce(app: Starlette, alice: TestClient, web_db: str) -> None:
    ids = _approve_all(web_db)
    fields = _form(alice.get(MARCH).text)
    fields[f"section_{ids['cac']}"] = "app_governance"
    fields["introduction"] = "Two developments this month."
    saved = alice.post(MARCH, data=fields, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"{MARCH}?done=saved"
    page = alice.get(MARCH).text
    assert _sections(page) == [("Apps and mini programs", [str(ids["miit"]), str(ids["cac"])])]
    assert "Two developments this month." in page
    fields = _form(page) | {"move": f"{ids['cac']}:up"}
    assert alice.post(MARCH, data=fields).status_code == 200
    page = alice.get(MARCH).text
    assert _sections(page) == [("Apps and mini programs", [str(ids["cac"]), str(ids["miit"])])]


def test_a_stale_layout_is_refused_and_nothing_is_saved(
    app: Starlette, alice: TestClient, web_db: str
) -> None:
    _approve_all(web_db)
    stale = _form(alice.get(MARCH).text)
    assert alice.post(MARCH, data=stale | {"introduction": "First."}).status_code == 200
    refused = alice.post(MARCH, data=stale | {"introduction": "Second."})
    assert refused.status_code == 409
    assert "changed since you opened it" in refused.text
    assert "First." in alice.get(MARCH).text


def test_approval_publishes_the_month_in_the_archive(
    app: Starlette, alice: TestClient, web_db: str
) -> None:
    _approve_all(web_db)
    anonymous = TestClient(app)
    assert anonymous.get("/digests/2026-03").status_code == 404  # a draft is not public
    page = alice.get(MARCH).text
    token, revision = csrf_of(page), re.search(r'name="revision" value="(\d+)"', page)
    assert revision
    approve = {"csrf_token": token, "revision": revision[1]}
    assert alice.post(f"{MARCH}/approve", data=approve).status_code == 200
    assert "Status: <strong>approved</strong>" in alice.get(MARCH).text
    archive = anonymous.get("/digests")
    assert archive.status_code == 200 and 'href="/digests/2026-03"' in archive.text
    public = anonymous.get("/digests/2026-03")
    assert public.status_code == 200
    assert "script-src" not in public.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in public.headers["content-security-policy"]
    tree = lxml_html.fromstring(public.text)
    assert not tree.xpath("//script") and tree.xpath("//table")
    assert "数据出境安全评估办法" in public.text and "<script>alert(1)" not in public.text
    again = alice.post(f"{MARCH}/approve", data=approve)
    assert again.status_code == 400 and "already approved" in again.text


def test_only_an_admin_reopens_an_approved_digest(
    app: Starlette, alice: TestClient, web_db: str
) -> None:
    _approve_all(web_db)
    page = alice.get(MARCH).text
    form = {"csrf_token": csrf_of(page), "revision": "0"}
    assert alice.post(f"{MARCH}/approve", data=form).status_code == 200
    assert alice.post(f"{MARCH}/reopen", data=form | {"revision": "1"}).status_code == 403
    ada = client_of(app, "ada")
    token = csrf_of(ada.get(MARCH).text)
    reopened = ada.post(f"{MARCH}/reopen", data={"csrf_token": token, "revision": "1"})
    assert reopened.status_code == 200 and "Status: <strong>draft</strong>" in reopened.text
    assert TestClient(app).get("/digests/2026-03").status_code == 404


def test_the_preview_is_the_email_body(app: Starlette, alice: TestClient, web_db: str) -> None:
    _approve_all(web_db)
    preview = alice.get(f"{MARCH}/preview")
    assert preview.status_code == 200
    tree = lxml_html.fromstring(preview.text)
    assert not tree.xpath("//script") and tree.xpath("//a[@href='https://www.cac.gov.cn/x.htm']")


def test_a_bad_month_is_not_found(app: Starlette, alice: TestClient) -> None:
    for path in ("/digest/2026-13", "/digest/March", "/digests/<b>x</b>", "/digest/2026-3/preview"):
        reply = alice.get(path)
        assert reply.status_code == 404, path
        assert "<b>" not in reply.text
    assert alice.get("/digest?month=2026-03", follow_redirects=False).headers["location"] == MARCH


def test_the_month_list_offers_the_newest_month(app: Starlette, alice: TestClient) -> None:
    page = alice.get("/digest")
    assert page.status_code == 200
    assert 'href="/digest/2026-03"' in page.text and "not started" in page.text
