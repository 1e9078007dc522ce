"""The review app's web server (Starlette, server-rendered Jinja2 templates, no build step).

Every page needs a logged-in user except the public ones in :data:`PUBLIC`. Every request
that changes state carries the session's CSRF token (the login form a token of its own, tied
to a cookie). Responses carry a strict Content-Security-Policy and ``nosniff``.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from config import Settings
from model.users import VIEWER
from storage import DocumentFilter, Store
from storage.users import SessionInfo
from web.auth import LoginRefused, TooManyFailures, csrf_ok, current_session, login, logout

HERE = Path(__file__).parent
PUBLIC = ("/health", "/login", "/static")
"""Paths (and path prefixes) reachable without logging in."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
LOGIN_CSRF_COOKIE = "regwatch_login_csrf"

Handler = Callable[[Request], Awaitable[Response]]


def cookie_name(request: Request) -> str:
    """``__Host-`` prefixed (and Secure) over https; plain on loopback http."""
    return "__Host-regwatch_session" if request.url.scheme == "https" else "regwatch_session"


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        return response


class App:
    """The routes, with the store and templates they share."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"]),
        )
        self._store: Store | None = None

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The app's one store (opened on first use, its connection pool shared by requests)."""
        if self._store is None:
            self._store = Store.open(
                self.settings.database_url(), busy_timeout=self.settings.database.busy_timeout
            )
        yield self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.templates.get_template(name).render(**context), status)

    def session_of(self, request: Request) -> SessionInfo | None:
        token = request.cookies.get(cookie_name(request), "")
        with self.store() as store:
            return current_session(store, token)

    def page(
        self, role: str, handler: Callable[[Request, SessionInfo], Awaitable[Response]]
    ) -> Handler:
        """A handler that needs a session of ``role`` (and, for POST, its CSRF token)."""

        async def guarded(request: Request) -> Response:
            session = self.session_of(request)
            if session is None:
                if request.method == "GET":
                    return RedirectResponse(f"/login?next={request.url.path}", 303)
                return Response("login required", 401, media_type="text/plain")
            if not session.user.may(role):
                return Response("your role may not do this", 403, media_type="text/plain")
            if request.method == "POST":
                form = await request.form()
                if not csrf_ok(session.csrf_token, str(form.get("csrf_token") or "")):
                    return Response("missing or wrong CSRF token", 403, media_type="text/plain")
            return await handler(request, session)

        return guarded

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def login_form(self, request: Request, error: str = "", status: int = 200) -> Response:
        token = secrets.token_urlsafe(32)
        response = self.render(
            "login.html",
            status,
            csrf_token=token,
            error=error,
            next=_safe_next(request.query_params.get("next", "/")),
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/login",
        )
        return response

    async def login_submit(self, request: Request) -> Response:
        form = await request.form()
        if not csrf_ok(
            request.cookies.get(LOGIN_CSRF_COOKIE, ""), str(form.get("csrf_token") or "")
        ):
            return Response("missing or wrong CSRF token", 403, media_type="text/plain")
        client = request.client.host if request.client else "unknown"
        with self.store() as store:
            try:
                new = login(store, str(form.get("name", "")), str(form.get("password", "")), client)
            except (LoginRefused, TooManyFailures) as exc:
                return await self.login_form(
                    request, str(exc), 401 if isinstance(exc, LoginRefused) else 429
                )
        response = RedirectResponse(_safe_next(str(form.get("next", "/"))), 303)
        response.set_cookie(
            cookie_name(request),
            new.token,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            path="/",
            expires=new.expires_at,
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    async def logout(self, request: Request, session: SessionInfo) -> Response:
        with self.store() as store:
            logout(store, request.cookies.get(cookie_name(request), ""))
        response = RedirectResponse("/login", 303)
        response.delete_cookie(cookie_name(request), path="/")
        return response

    async def queue(self, request: Request, session: SessionInfo) -> Response:
        with self.store() as store:
            documents = store.list_documents(DocumentFilter(review_status="pending", limit=50))
        return self.render(
            "queue.html", user=session.user, csrf_token=session.csrf_token, documents=documents
        )


def _safe_next(target: str) -> str:
    """Only a local path: never an open redirect to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def create_app(settings: Settings) -> Starlette:
    app = App(settings)
    routes = [
        Route("/health", app.health, methods=["GET"]),
        Route("/login", app.login_form, methods=["GET"]),
        Route("/login", app.login_submit, methods=["POST"]),
        Route("/logout", app.page(VIEWER, app.logout), methods=["POST"]),
        Route("/", app.page(VIEWER, app.queue), methods=["GET"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        app.close()

    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)], lifespan=lifespan)
