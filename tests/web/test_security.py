"""Who may do what in the review app, and what no request may do (RELIABILITY H.41–H.44)."""

from __future__ import annotations

import re
import statistics
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from config import load_settings
from model.users import ADMIN, EDITOR, VIEWER
from storage import Store
from tests.web.conftest import PASSWORD, client_of, csrf_of, log_in
from web.app import HERE, App
from web.auth import LoginRefused, login

STATE_CHANGING = {
    "/logout": VIEWER,
    "/documents/{doc_id:int}": EDITOR,
    "/documents/{doc_id:int}/decide": EDITOR,
    "/add/url": EDITOR,
    "/add/paste": EDITOR,
    "/admin/users": ADMIN,
    "/admin/users/{name}/disabled": ADMIN,
    "/digest/{month:str}": EDITOR,
    "/digest/{month:str}/approve": EDITOR,
    "/digest/{month:str}/reopen": ADMIN,
}
"""Every POST route behind a login, with the least role that may use it."""

USERS = {VIEWER: "victor", EDITOR: "alice", ADMIN: "ada"}
RANK = (VIEWER, EDITOR, ADMIN)


def _posts(app: Starlette) -> set[str]:
    return {
        r.path
        for r in app.routes
        if isinstance(r, Route) and "POST" in (r.methods or ()) and r.path != "/login"
    }


def test_every_state_changing_route_has_a_declared_role(app: Starlette) -> None:
    assert _posts(app) == set(STATE_CHANGING)


@pytest.mark.parametrize("role", RANK)
def test_each_role_is_refused_what_it_may_not_do(app: Starlette, role: str) -> None:
    client = client_of(app, USERS[role])
    token = csrf_of(client.get("/").text)
    for path, least in STATE_CHANGING.items():
        if RANK.index(role) >= RANK.index(least) or path == "/logout":
            continue
        concrete = re.sub(r"\{name\}", "alice", re.sub(r"\{doc_id:int\}", "1", path))
        concrete = concrete.replace("{month:str}", "2026-03")
        reply = client.post(concrete, data={"csrf_token": token, "action": "approve"})
        assert reply.status_code == 403, (role, path)


def _snapshot(web_db: str) -> list[object]:
    with Store.open(web_db) as store, store.engine.connect() as conn:
        return [
            conn.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()
            for table in (
                "documents",
                "editorials",
                "review_events",
                "users",
                "document_topics",
                "digests",
                "digest_entries",
            )
        ]


def test_no_get_request_changes_anything(app: Starlette, web_db: str) -> None:
    client = client_of(app, "ada")
    before = _snapshot(web_db)
    for route in app.routes:
        if isinstance(route, Route) and "GET" in (route.methods or ()):
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            assert client.get(path + "?action=approve&status=approved").status_code < 500
    assert _snapshot(web_db) == before


def test_every_template_is_autoescaped() -> None:
    env = App(load_settings({}, environ={})).templates
    names = [p.name for p in (HERE / "templates").iterdir()]
    assert names and all(name.endswith(".html") for name in names)
    assert all(env.autoescape(name) for name in names)  # type: ignore[operator]


def test_over_https_the_cookie_is_host_prefixed_and_secure(app: Starlette) -> None:
    client = TestClient(app, base_url="https://testserver")
    reply = log_in(client)
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith("__Host-regwatch_session=")
    assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie


def test_a_disabled_users_old_cookie_is_sent_to_the_login_page(app: Starlette, web_db: str) -> None:
    client = client_of(app, "alice")
    with Store.open(web_db) as store:
        store.set_user_disabled("alice")
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_unknown_users_take_as_long_to_refuse_as_wrong_passwords(tmp_path: Path) -> None:
    """Medians of four refusals each: an unknown name must not answer measurably faster."""
    with Store.open(str(tmp_path / "t.db")) as store:
        from web.auth import hash_password

        store.add_user("alice", "a@firm.example", EDITOR, hash_password(PASSWORD))

        def refusal(name: str, n: int) -> float:
            started = time.perf_counter()
            with pytest.raises(LoginRefused):
                login(store, name, "wrong password!", f"10.0.0.{n}")
            return time.perf_counter() - started

        known = [refusal("alice", n) for n in range(4)]
        unknown = [refusal(f"nobody{n}", 10 + n) for n in range(4)]
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 < ratio < 2.0, (known, unknown)
