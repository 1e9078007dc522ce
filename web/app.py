"""The review app's web server (Starlette, server-rendered Jinja2 templates, no build step).

Every page needs a logged-in user except the public ones in :data:`PUBLIC`. Every request
that changes state is a POST carrying the session's CSRF token (the login form a token of its
own, tied to a cookie). Responses carry a strict Content-Security-Policy and ``nosniff``.
Page handlers are plain functions of a :class:`Call`; they run in a worker thread, because
the store is synchronous.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from config import Settings
from model.document import BEIJING
from model.glossary import Glossary, load_glossary
from model.sanitize import safe_link
from model.users import User
from storage import Store
from storage.users import SessionInfo
from web.auth import LoginRefused, TooManyFailures, csrf_ok, current_session, login, logout

HERE = Path(__file__).parent
PUBLIC = ("/health", "/login", "/static", "/feeds", "/digests")
"""Paths (and the paths below them) reachable without logging in: the feeds, calendars and
the archive of approved digests are for clients."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
LOGIN_CSRF_COOKIE = "regwatch_login_csrf"


@dataclass(frozen=True)
class Call:
    """One request to a page: who makes it, and the submitted form of a POST."""

    request: Request
    session: SessionInfo
    form: FormData | None = None

    @property
    def user(self) -> User:
        return self.session.user

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name, default) if self.form is not None else default
        return value if isinstance(value, str) else default


PageHandler = Callable[[Call], Response]


def cookie_name(request: Request) -> str:
    """``__Host-`` prefixed (and Secure) over https; plain on loopback http."""
    return "__Host-regwatch_session" if request.url.scheme == "https" else "regwatch_session"


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        if "Content-Security-Policy" not in response.headers:  # a page may set a stricter one
            response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if "text/html" in response.headers.get("content-type", ""):
            response.headers["Cache-Control"] = "no-store"
        return response


def _beijing(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(BEIJING).strftime(fmt) if value else ""


class App:
    """The store, templates and glossary the pages share, and the guard around each page."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.templates = Environment(
            loader=FileSystemLoader(HERE / "templates"),
            autoescape=select_autoescape(["html"], default_for_string=True, default=True),
            undefined=StrictUndefined,
        )
        self.templates.filters["beijing"] = _beijing
        self.templates.filters["safe_link"] = safe_link
        self.glossary: Glossary = load_glossary(settings.glossary.extra_path or None)
        self._store: Store | None = None

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The app's one store (opened on first use, its connection pool shared by requests)."""
        if self._store is None:
            self._store = Store.open(
                self.settings.database_url(),
                busy_timeout=self.settings.database.busy_timeout,
                title_window_days=self.settings.identity.title_window_days,
            )
        yield self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(self.templates.get_template(name).render(**context), status)

    def page(self, call: Call, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        """A page for a logged-in user (the header's user menu and CSRF token filled in)."""
        return self.render(
            name, status, user=call.user, csrf_token=call.session.csrf_token, **context
        )

    def session_of(self, request: Request) -> SessionInfo | None:
        token = request.cookies.get(cookie_name(request), "")
        with self.store() as store:
            return current_session(store, token)

    def guard(self, role: str, handler: PageHandler) -> Callable[[Request], Any]:
        """A route endpoint that needs a session of ``role`` (and, for POST, its CSRF token)."""

        async def guarded(request: Request) -> Response:
            session = await run_in_threadpool(self.session_of, request)
            if session is None:
                if request.method == "GET":
                    return RedirectResponse(f"/login?next={request.url.path}", 303)
                return Response("login required", 401, media_type="text/plain")
            if not session.user.may(role):
                return Response("your role may not do this", 403, media_type="text/plain")
            form = None
            if request.method == "POST":
                form = await request.form()
                if not csrf_ok(session.csrf_token, str(form.get("csrf_token") or "")):
                    return Response("missing or wrong CSRF token", 403, media_type="text/plain")
            return await run_in_threadpool(handler, Call(request, session, form))

        return guarded

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def login_form(self, request: Request, error: str = "", status: int = 200) -> Response:
        token = secrets.token_urlsafe(32)
        response = self.render(
            "login.html",
            status,
            user=None,
            csrf_token=token,
            error=error,
            next=safe_next(request.query_params.get("next", "/")),
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
        name, password = str(form.get("name", "")), str(form.get("password", ""))
        with self.store() as store:
            try:
                new = await run_in_threadpool(login, store, name, password, client)
            except (LoginRefused, TooManyFailures) as exc:
                return await self.login_form(
                    request, str(exc), 401 if isinstance(exc, LoginRefused) else 429
                )
        response = RedirectResponse(safe_next(str(form.get("next", "/"))), 303)
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

    def logout(self, call: Call) -> Response:
        with self.store() as store:
            logout(store, call.request.cookies.get(cookie_name(call.request), ""))
        response = RedirectResponse("/login", 303)
        response.delete_cookie(cookie_name(call.request), path="/")
        return response


def is_public(path: str) -> bool:
    """Whether a route path is one of :data:`PUBLIC` or below one."""
    return any(path == p or path.startswith(p + "/") for p in PUBLIC)


def safe_next(target: str) -> str:
    """Only a local path: never an open redirect to another site."""
    ok = target.startswith("/") and not target.startswith(("//", "/\\"))
    return target if ok and "\\" not in target else "/"


def create_app(settings: Settings) -> Starlette:
    from model.users import VIEWER
    from web import admin, digests, feeds, review

    app = App(settings)
    routes: list[BaseRoute] = [
        Route("/health", app.health, methods=["GET"]),
        Route("/login", app.login_form, methods=["GET"]),
        Route("/login", app.login_submit, methods=["POST"]),
        Route("/logout", app.guard(VIEWER, app.logout), methods=["POST"]),
        *review.routes(app),
        *admin.routes(app),
        *digests.routes(app),
        *feeds.routes(app),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        app.close()

    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)], lifespan=lifespan)
