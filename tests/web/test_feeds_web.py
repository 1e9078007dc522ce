"""The public /feeds/ routes: every file without a login, content types, 304s, escaped 404s."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.testclient import TestClient

from config import Settings, load_settings
from digest.feedset import build_feeds
from model import APPROVED, BEIJING, Document, Topic, load_glossary
from model.review import Editorial
from storage import Store
from tests.web.conftest import documents
from web import feeds
from web.app import App, SecurityHeaders, create_app

BASE = "https://feeds.example.com"
TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
    "opml": "text/x-opml; charset=utf-8",
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The review app's three documents (no users needed), approved, CAC's tagged cross_border."""
    db = str(tmp_path / "feeds.db")
    with Store.open(db) as store:
        for doc in documents():
            store.save_document(doc)
        found = {d.source: d.id for d in store.list_documents() if d.id is not None}
        store.set_review_status(found.values(), APPROVED, user="alice")
        store.set_topics(found["cac"], ["cross_border"], editor="alice")
    return load_settings({"database.url": db, "feeds.base_url": BASE}, environ={})


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client with no session: the feeds are public."""
    app = App(settings)
    routes = feeds.routes(app)
    yield TestClient(Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)]))
    app.close()


def expected(settings: Settings) -> dict[str, bytes]:
    with Store.open(settings.database_url()) as store:
        return build_feeds(store, settings, load_glossary(), datetime.now(BEIJING).date())


def store_of(settings: Settings) -> Store:
    return Store.open(settings.database_url())


def get(client: TestClient, path: str, **headers: str) -> Any:
    return client.get(f"/feeds/{path}", headers=headers)


# --- every file, publicly ----------------------------------------------------------------------


def test_the_routes_are_one_mount_at_the_public_feeds_prefix(settings: Settings) -> None:
    app = App(settings)
    [mount] = feeds.routes(app)
    assert isinstance(mount, Mount) and mount.path == "/feeds"


def test_every_path_of_the_set_is_served_without_a_login(
    client: TestClient, settings: Settings
) -> None:
    built = expected(settings)
    assert len(built) == 41
    for path, body in built.items():
        response = get(client, path)
        assert response.status_code == 200, path
        assert response.content == body, path
        assert response.headers["content-type"] == TYPES[path.rsplit(".", 1)[1]], path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "public, no-cache"


def test_the_review_app_serves_the_feeds_without_a_login(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        response = client.get("/feeds/topic/cross_border.atom", follow_redirects=False)
        assert response.status_code == 200
        assert response.headers["content-type"] == TYPES["atom"]
        assert client.get("/feeds/topic/nope.atom").status_code == 404


@pytest.mark.parametrize(
    "path", ["all.rss", "all.atom", "topic/cross_border.atom", "source/cac.rss"]
)
def test_feeds_hold_the_approved_documents_escaped(client: TestClient, path: str) -> None:
    text = get(client, path).text
    assert "数据出境安全评估办法" in text
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_the_etag_is_strong_and_the_same_for_the_same_body(client: TestClient) -> None:
    first, second = get(client, "all.atom"), get(client, "all.atom")
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert second.headers["etag"] == etag
    assert second.headers["last-modified"] == first.headers["last-modified"]
    assert get(client, "all.rss").headers["etag"] != etag


# --- conditional GET ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["{}", "W/{}", '"other", {}', "*"])
def test_a_matching_if_none_match_answers_304_without_a_body(client: TestClient, form: str) -> None:
    first = get(client, "deadlines.ics")
    etag = first.headers["etag"]
    again = get(client, "deadlines.ics", **{"If-None-Match": form.format(etag)})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["last-modified"] == first.headers["last-modified"]


def test_a_different_if_none_match_gets_the_body(client: TestClient) -> None:
    response = get(client, "all.rss", **{"If-None-Match": '"not-this-one"'})
    assert response.status_code == 200 and response.content


def test_if_modified_since_answers_304_when_nothing_changed_since(client: TestClient) -> None:
    modified = get(client, "feeds.opml").headers["last-modified"]
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    assert get(client, "feeds.opml", **{"If-Modified-Since": modified}).status_code == 304
    assert get(client, "feeds.opml", **{"If-Modified-Since": earlier}).status_code == 200
    assert get(client, "feeds.opml", **{"If-Modified-Since": "yesterday"}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(client: TestClient) -> None:
    modified = get(client, "all.atom").headers["last-modified"]
    both = {"If-None-Match": '"stale"', "If-Modified-Since": modified}
    assert get(client, "all.atom", **both).status_code == 200


def test_an_editorial_edit_is_a_new_body_for_either_validator(
    client: TestClient, settings: Settings
) -> None:
    first = get(client, "all.atom")
    with store_of(settings) as store:
        doc = store.list_documents()[0]
        assert doc.id is not None
        store.review(doc.id, doc.revision, user="alice", editorial=Editorial("CAC headline"))
    by_etag = get(client, "all.atom", **{"If-None-Match": first.headers["etag"]})
    assert by_etag.status_code == 200 and "CAC headline" in by_etag.text
    by_date = get(client, "all.atom", **{"If-Modified-Since": first.headers["last-modified"]})
    assert by_date.status_code == 200 and "CAC headline" in by_date.text
    assert by_date.headers["etag"] != first.headers["etag"]
    later = parsedate_to_datetime(by_date.headers["last-modified"])
    assert later > parsedate_to_datetime(first.headers["last-modified"])


# --- unknown paths (RELIABILITY 40) ------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (f"topic/{SCRIPT}.rss", 'unknown topic "&lt;script&gt;alert(1)&lt;/script&gt;"'),
        (f"deadlines/{SCRIPT}.ics", 'unknown topic "&lt;script&gt;alert(1)&lt;/script&gt;"'),
        (f"source/{SCRIPT}.atom", 'unknown source "&lt;script&gt;alert(1)&lt;/script&gt;"'),
        (f"{SCRIPT}.rss", 'no feed "&lt;script&gt;alert(1)&lt;/script&gt;"'),
        ('topic/"a"&b.rss', 'unknown topic "&quot;a&quot;&amp;b"'),
        ("topic/x\x1b[31m\x00.rss", 'unknown topic "x?[31m?"'),
        ("topic/minors.json", 'unknown topic "minors.json"'),
        ("all.xml", 'no feed "all.xml"'),
        ("", 'no feed ""'),
    ],
)
def test_an_unknown_path_is_a_plain_404_that_echoes_the_name_escaped(
    client: TestClient, path: str, message: str
) -> None:
    response = client.get("/feeds/" + quote(path, safe="/"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith(message + ";")
    assert "<" not in response.text and "\r" not in response.text
    assert "set-cookie" not in response.headers


def test_a_very_long_name_is_cut_short_in_the_message(client: TestClient) -> None:
    response = get(client, "topic/" + "a" * 5000 + ".rss")
    assert response.status_code == 404
    assert len(response.text) < 200 and "a" * 80 + "…" in response.text


def test_topic_keys_are_checked_against_the_topics_the_store_knows(
    client: TestClient, settings: Settings
) -> None:
    assert get(client, "topic/telecom.atom").status_code == 404
    assert get(client, "deadlines/telecom.ics").status_code == 404
    with store_of(settings) as store:
        store.add_topic(
            Topic("telecom", "Telecoms", "电信", "Licensing.", "许可。", added_by="ada")
        )
    assert get(client, "topic/telecom.atom").status_code == 200
    assert get(client, "deadlines/telecom.ics").status_code == 200


def test_a_document_approved_later_appears_on_the_next_request(
    client: TestClient, settings: Settings
) -> None:
    before = get(client, "source/manual.rss")
    assert "手工" not in before.text
    with store_of(settings) as store:
        doc = Document(url="https://example.org/a.html", title="手工添加", source="manual")
        added = store.add_by_hand(doc, user="alice", how="pasted").document_id
        store.set_review_status([added], APPROVED, user="alice")
    after = get(client, "source/manual.rss", **{"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and "手工添加" in after.text
