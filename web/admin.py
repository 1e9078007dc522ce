"""Pages around the queue: source health, adding a document by hand, and (admins) users."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time

from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from crawler.manual import ManualFetchError, fetch_document
from model.document import BEIJING, Document
from model.sanitize import plain_text, safe_link
from model.users import ADMIN, EDITOR, ROLES, VIEWER, UserError, check_password
from web.app import App, Call
from web.auth import hash_password
from web.review import Notice

MAX_PASTE_CHARS = 500_000
MANUAL = "manual"


def routes(app: App) -> list[BaseRoute]:
    pages = AdminPages(app)
    return [
        Route("/sources", app.guard(VIEWER, pages.sources), methods=["GET"]),
        Route("/add", app.guard(EDITOR, pages.add_form), methods=["GET"]),
        Route("/add/url", app.guard(EDITOR, pages.add_url), methods=["POST"]),
        Route("/add/paste", app.guard(EDITOR, pages.add_paste), methods=["POST"]),
        Route("/admin/users", app.guard(ADMIN, pages.users), methods=["GET"]),
        Route("/admin/users", app.guard(ADMIN, pages.add_user), methods=["POST"]),
        Route(
            "/admin/users/{name}/disabled", app.guard(ADMIN, pages.user_disabled), methods=["POST"]
        ),
    ]


class AdminPages:
    def __init__(self, app: App) -> None:
        self.app = app

    def sources(self, call: Call) -> Response:
        with self.app.store() as store:
            health = store.channel_health()
        known = {(h.source, h.channel) for h in health}
        never = [
            (name, channel)
            for name, source in sorted(self.app.settings.sources.items())
            for channel in source.channels
            if (name, channel) not in known
        ]
        return self.app.page(call, "sources.html", health=health, never=never)

    def add_form(self, call: Call, notice: Notice | None = None, status: int = 200) -> Response:
        return self.app.page(call, "add.html", status, notice=notice, values=dict(call.form or {}))

    def add_url(self, call: Call) -> Response:
        url = safe_link(call.field("url"))
        if not url:
            return self.add_form(call, Notice("Give an http:// or https:// address.", "error"), 400)
        try:
            doc = fetch_document(url, self.app.settings)
        except ManualFetchError as exc:
            return self.add_form(call, Notice(f"Could not add {url}: {exc}", "error"), 422)
        return self._store(call, doc, "by URL")

    def add_paste(self, call: Call) -> Response:
        try:
            doc = _pasted(call)
        except ValueError as exc:
            return self.add_form(call, Notice(str(exc), "error"), 400)
        return self._store(call, doc, "pasted")

    def _store(self, call: Call, doc: Document, how: str) -> Response:
        with self.app.store() as store:
            result = store.add_by_hand(doc, user=call.user.name, how=how)
        return RedirectResponse(f"/documents/{result.document_id}", 303)

    def users(self, call: Call, notice: Notice | None = None, status: int = 200) -> Response:
        with self.app.store() as store:
            users = store.users()
        return self.app.page(call, "users.html", status, users=users, roles=ROLES, notice=notice)

    def add_user(self, call: Call) -> Response:
        name = call.field("name").strip()
        try:
            password = hash_password(check_password(call.field("password")))
            with self.app.store() as store:
                store.add_user(name, call.field("email").strip(), call.field("role"), password)
        except UserError as exc:
            return self.users(call, Notice(str(exc), "error"), 400)
        return self.users(call, Notice(f"Added {name}."))

    def user_disabled(self, call: Call) -> Response:
        name = call.request.path_params["name"]
        disable = call.field("disabled") == "1"
        if name == call.user.name and disable:
            return self.users(call, Notice("You cannot disable yourself.", "error"), 400)
        try:
            with self.app.store() as store:
                store.set_user_disabled(name, disable)
        except UserError as exc:
            return self.users(call, Notice(str(exc), "error"), 404)
        return RedirectResponse("/admin/users", 303)


def _pasted(call: Call) -> Document:
    """A document from the paste form; every field plain text, the link http(s) only."""
    title = plain_text(call.field("title")).strip()
    body = plain_text(call.field("body")).strip()
    if not title or not body:
        raise ValueError("A pasted document needs a title and its text.")
    if len(body) > MAX_PASTE_CHARS:
        raise ValueError(f"The text is longer than {MAX_PASTE_CHARS:,} characters.")
    raw_url = call.field("url").strip()
    url = safe_link(raw_url)
    if raw_url and not url:
        raise ValueError("The source link must be an http:// or https:// address.")
    day = call.field("published")
    try:
        published = datetime.combine(date.fromisoformat(day), time(), BEIJING) if day else None
    except ValueError:
        raise ValueError(f"{day[:20]!r} is not a date (YYYY-MM-DD).") from None
    issuer = plain_text(call.field("issuer")).strip()
    return Document(
        url=url or f"urn:regwatch:manual:{_digest(title, body)}",
        title=title,
        source=MANUAL,
        published_at=published,
        issuers=[issuer] if issuer else [],
        doc_number=plain_text(call.field("doc_number")).strip(),
        body_text=body,
        lang="en" if title.isascii() else "zh",
    )


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
