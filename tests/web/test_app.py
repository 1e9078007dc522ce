"""The review app over HTTP (Starlette's test client): login, CSRF, roles, headers, routes."""

from __future__ import annotations

import re

from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from tests.web.conftest import PASSWORD, csrf_of, log_in
from web.app import is_public


def test_every_route_needs_a_login_except_the_public_ones(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    for route in app.routes:
        if isinstance(route, Mount):
            assert is_public(route.path), route.path
            continue
        assert isinstance(route, Route)
        for method in route.methods or ():
            if method == "HEAD":
                continue
            path = re.sub(r"\{[^}]+\}", "1", route.path)  # any value for path parameters
            response = client.request(method, path, follow_redirects=False)
            if is_public(route.path):
                assert response.status_code < 500, (method, route.path)
            else:
                assert response.status_code in (303, 401), (method, route.path)
                if method == "GET":
                    assert response.headers["location"].startswith("/login")


def test_login_sets_a_strict_cookie_and_shows_the_queue_escaped(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    response = log_in(client)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "regwatch_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get("/")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;数据出境安全评估办法" in page.text
    assert "<script>alert" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


def test_a_new_login_gets_a_new_session_and_logout_ends_it(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    log_in(client)
    first = client.cookies.get("regwatch_session")
    log_in(client)
    second = client.cookies.get("regwatch_session")
    assert first and second and first != second
    token = csrf_of(client.get("/").text)
    assert (
        client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    replay = TestClient(app, cookies={"regwatch_session": second})
    assert replay.get("/", follow_redirects=False).status_code == 303  # ended on the server


def test_posts_without_the_csrf_token_are_refused(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    response = client.post("/login", data={"name": "alice", "password": PASSWORD})
    assert response.status_code == 403 and "CSRF" in response.text
    log_in(client)
    forged = client.post("/logout", data={"csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still logged in


def test_a_wrong_password_is_refused_without_saying_why(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    response = log_in(client, password="not the password")
    assert response.status_code == 401 and "wrong user name or password" in response.text
    assert "regwatch_session" not in client.cookies


def test_next_never_leaves_the_site(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    form = client.get("/login?next=//evil.example/")
    response = client.post(
        "/login",
        data={
            "name": "alice",
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_health_is_public(app) -> None:  # type: ignore[no-untyped-def]
    assert TestClient(app).get("/health").json() == {"status": "ok"}
