"""The monthly update in the web app: editors lay out and approve a month's digest; the
approved ones are public in the archive."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from digest.render_html import render_html
from digest.service import Draft, approve, latest_month, layout_of, load
from model.digest import CLOSED_STATUSES, DRAFT, DigestError, DigestRecord, Month, Placement
from model.document import BEIJING
from model.users import ADMIN, EDITOR, VIEWER
from storage import Store
from storage.digests import DigestConflict
from web.app import App, Call
from web.review import Notice

ARCHIVE_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""An email body's styles are inline; it runs no script and submits nothing."""
MAX_INTRODUCTION = 5_000
Change = Callable[[Store, int], object]
DONE = {"saved": "Layout saved.", "approved": "Digest approved.", "reopened": "Back to draft."}


def routes(app: App) -> list[BaseRoute]:
    pages = DigestPages(app)
    month = "/digest/{month:str}"
    return [
        Route("/digest", app.guard(VIEWER, pages.months), methods=["GET"]),
        Route(month, app.guard(VIEWER, pages.edit), methods=["GET"]),
        Route(month, app.guard(EDITOR, pages.save), methods=["POST"]),
        Route(month + "/preview", app.guard(VIEWER, pages.preview), methods=["GET"]),
        Route(month + "/approve", app.guard(EDITOR, pages.approve), methods=["POST"]),
        Route(month + "/reopen", app.guard(ADMIN, pages.reopen), methods=["POST"]),
        Route("/digests", pages.archive, methods=["GET"]),
        Route("/digests/{month:str}", pages.archived, methods=["GET"]),
    ]


def this_month() -> Month:
    return Month.of(datetime.now(BEIJING).date())


def _month(raw: str) -> Month | None:
    try:
        return Month.parse(raw)
    except DigestError:
        return None


def not_found(what: str) -> Response:
    return Response(f"no such {what}", 404, media_type="text/plain")


class DigestPages:
    def __init__(self, app: App) -> None:
        self.app = app

    def _load(self, month: Month) -> Draft:
        with self.app.store() as store:
            return load(store, month, self.app.settings, self.app.glossary)

    def months(self, call: Call) -> Response:
        asked = _month(call.request.query_params.get("month", ""))
        if asked is not None:
            return RedirectResponse(f"/digest/{asked}", 303)
        with self.app.store() as store:
            records = store.digests()
            newest = latest_month(store)
        stored = {r.month for r in records}
        offered = sorted({this_month(), *([newest] if newest else [])} - stored, reverse=True)
        return self.app.page(call, "digests.html", records=records, offered=offered)

    def edit(self, call: Call, notice: Notice | None = None, status: int = 200) -> Response:
        month = _month(call.request.path_params["month"])
        if month is None:
            return not_found("month")
        draft = self._load(month)
        done = DONE.get(call.request.query_params.get("done", ""))
        return self.app.page(
            call,
            "digest.html",
            status,
            draft=draft,
            digest=draft.digest,
            sections=draft.layout.sections,
            notice=notice or (Notice(done) if done else None),
        )

    def _sections(self) -> dict[str, str]:
        with self.app.store() as store:
            return layout_of(store, self.app.settings).sections

    def save(self, call: Call) -> Response:
        month = _month(call.request.path_params["month"])
        if month is None:
            return not_found("month")
        introduction = call.field("introduction").replace("\r\n", "\n").strip()
        if len(introduction) > MAX_INTRODUCTION:
            notice = Notice(f"The introduction is limited to {MAX_INTRODUCTION} characters.")
            return self.edit(call, notice, 400)
        placements = self._placements(call, self._sections())

        def save(store: Store, revision: int) -> int:
            return store.save_digest_layout(
                month, revision, introduction=introduction, placements=placements
            )

        return self._change(call, month, save, "saved")

    def _placements(self, call: Call, sections: dict[str, str]) -> list[Placement]:
        """The submitted order (``entry`` fields) and sections, with one ``move`` applied."""
        assert call.form is not None
        ids = [int(v) for v in call.form.getlist("entry") if isinstance(v, str) and v.isdigit()]
        where = {i: call.field(f"section_{i}") for i in ids}
        where = {i: s if s in sections else "" for i, s in where.items()}
        ids = _moved(ids, where, call.field("move"))
        counters: dict[str, int] = {}
        placements = []
        for i in ids:
            if not where[i]:
                continue
            position = counters.get(where[i], 0)
            counters[where[i]] = position + 1
            placements.append(Placement(i, where[i], position))
        return placements

    def _change(self, call: Call, month: Month, change: Change, done: str) -> Response:
        revision = call.field("revision")
        if not revision.isdigit():
            return Response("missing revision", 400, media_type="text/plain")
        try:
            with self.app.store() as store:
                change(store, int(revision))
        except DigestConflict as exc:
            return self.edit(call, Notice(str(exc), "error"), 409)
        except DigestError as exc:
            return self.edit(call, Notice(str(exc), "error"), 400)
        return RedirectResponse(f"/digest/{month}?done={done}", 303)

    def approve(self, call: Call) -> Response:
        month = _month(call.request.path_params["month"])
        if month is None:
            return not_found("month")
        settings, glossary, user = self.app.settings, self.app.glossary, call.user.name

        def close(store: Store, revision: int) -> object:
            return approve(store, month, revision, user, settings, glossary)

        return self._change(call, month, close, "approved")

    def reopen(self, call: Call) -> Response:
        month = _month(call.request.path_params["month"])
        if month is None:
            return not_found("month")
        return self._change(
            call, month, lambda store, rev: store.reopen_digest(month, rev), "reopened"
        )

    def preview(self, call: Call) -> Response:
        month = _month(call.request.path_params["month"])
        if month is None:
            return not_found("month")
        return email_page(render_html(self._load(month).digest))

    async def archive(self, request: Request) -> Response:
        def closed() -> list[DigestRecord]:
            with self.app.store() as store:
                return [r for r in store.digests() if r.status in CLOSED_STATUSES]

        records = await run_in_threadpool(closed)
        return self.app.render("archive.html", user=None, records=records)

    async def archived(self, request: Request) -> Response:
        month = _month(request.path_params["month"])
        if month is None:
            return not_found("digest")
        draft = await run_in_threadpool(self._load, month)
        if draft.digest.status == DRAFT:
            return not_found("digest")
        return email_page(render_html(draft.digest))


def _moved(ids: list[int], where: dict[int, str], move: str) -> list[int]:
    """``ids`` with one entry swapped with its neighbour in the same section ("12:up")."""
    target, _, direction = move.partition(":")
    if not target.isdigit() or int(target) not in where or direction not in ("up", "down"):
        return ids
    same = [i for i in ids if where[i] == where[int(target)]]
    k = same.index(int(target))
    j = k - 1 if direction == "up" else k + 1
    if not 0 <= j < len(same):
        return ids
    a, b = ids.index(same[k]), ids.index(same[j])
    ids = list(ids)
    ids[a], ids[b] = ids[b], ids[a]
    return ids


def email_page(html: str) -> Response:
    """A rendered email body as a page: its inline styles allowed, nothing else."""
    response = HTMLResponse(html)
    response.headers["Content-Security-Policy"] = ARCHIVE_CSP
    return response
