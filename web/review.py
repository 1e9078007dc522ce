"""The review queue and the item page: filter, read, edit, decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from digest.lead import lead_sentence
from model.document import BEIJING, Document
from model.review import EditConflict, Editorial
from model.status import APPROVED, PENDING, REJECTED
from model.topics import Topic, bundled_topics
from model.users import EDITOR, VIEWER
from storage.queries import NO_TOPIC, SORTS
from web.app import App, Call
from web.diff import diff_runs
from web.filters import ALL, PAGE_SIZE, parse_queue_query

ACTIONS = {"save": None, "approve": APPROVED, "reject": REJECTED, "reopen": PENDING}
DONE = {"save": "saved", "approve": "approved", "reject": "rejected", "reopen": "back to pending"}


def today() -> date:
    """Today in Beijing, where comment deadlines fall."""
    return datetime.now(BEIJING).date()


def routes(app: App) -> list[BaseRoute]:
    pages = Pages(app)
    return [
        Route("/", app.guard(VIEWER, pages.queue), methods=["GET"]),
        Route("/documents/{doc_id:int}", app.guard(VIEWER, pages.item), methods=["GET"]),
        Route("/documents/{doc_id:int}", app.guard(EDITOR, pages.save), methods=["POST"]),
        Route("/documents/{doc_id:int}/decide", app.guard(EDITOR, pages.decide), methods=["POST"]),
        Route("/documents/{doc_id:int}/text", app.guard(VIEWER, pages.text), methods=["GET"]),
    ]


@dataclass(frozen=True)
class Notice:
    """A line at the top of a page: what just happened, or what went wrong."""

    text: str
    kind: str = "info"  # "info" or "error"


def _done_notice(params: dict[str, str]) -> Notice | None:
    action, doc = params.get("done", ""), params.get("doc", "")
    if action in DONE and doc.isdigit():
        return Notice(f"Document {doc} {DONE[action]}.")
    return None


def back_link(raw: str) -> str:
    """The queue's query string an item page returns to (only the queue's own parameters)."""
    pairs = [(k, v) for k, v in parse_qsl(raw.lstrip("?")) if k not in ("done", "doc")]
    return "/?" + urlencode(pairs) if pairs else "/"


class Pages:
    def __init__(self, app: App) -> None:
        self.app = app
        self.bundled_topics = bundled_topics()  # read once: the file ships with the code

    def topics(self) -> list[Topic]:
        with self.app.store() as store:
            return [*self.bundled_topics, *store.editor_topics()]

    def queue(self, call: Call) -> Response:
        params = dict(call.request.query_params)
        query = parse_queue_query(params, set(self.app.settings.sources))
        flt = query.to_filter(today())
        with self.app.store() as store:
            documents = store.list_documents(flt)
            counts = store.status_counts(flt)
        total = sum(counts.values()) if query.status == ALL else counts[query.status]
        notices = [Notice(p, "error") for p in query.problems]
        if done := _done_notice(params):
            notices.insert(0, done)
        return self.app.page(
            call,
            "queue.html",
            query=query,
            documents=documents,
            total=total,
            counts=counts,
            pages=max(1, -(-total // PAGE_SIZE)),
            notices=notices,
            sources=sorted(self.app.settings.sources),
            topics=self.topics(),
            no_topic=NO_TOPIC,
            sorts=SORTS,
            back=back_link(call.request.url.query).removeprefix("/").removeprefix("?"),
            today=today(),
        )

    def _document(self, call: Call) -> Document | None:
        with self.app.store() as store:
            return store.get_document(int(call.request.path_params["doc_id"]))

    def item(self, call: Call) -> Response:
        doc = self._document(call)
        if doc is None:
            return Response("no such document", 404, media_type="text/plain")
        return self.item_page(call, doc, doc.editorial, doc.topic_keys())

    def item_page(
        self,
        call: Call,
        doc: Document,
        editorial: Editorial,
        chosen: list[str],
        *,
        notice: Notice | None = None,
        status: int = 200,
    ) -> Response:
        assert doc.id is not None
        with self.app.store() as store:
            verdict = store.classification(doc.id)
            events = store.review_events(doc.id)
        suggested = lead_sentence(doc, self.app.glossary)
        return self.app.page(
            call,
            "item.html",
            status,
            doc=doc,
            editorial=editorial,
            lead=editorial.lead or suggested,
            suggested_lead=suggested,
            chosen=set(chosen),
            topics=self.topics(),
            assigned={t.topic: t for t in doc.topics},
            verdict=verdict,
            events=events,
            diffs=_diffs(doc),
            issuers=[(name, self.app.glossary.issuer(name)) for name in doc.issuers],
            doc_type=self.app.glossary.doc_type(doc.doc_type) if doc.doc_type else None,
            notice=notice,
            back=back_link(call.request.query_params.get("back", "")),
            back_query=call.request.query_params.get("back", ""),
            today=today(),
            may_edit=call.user.may(EDITOR),
        )

    def save(self, call: Call) -> Response:
        doc_id = int(call.request.path_params["doc_id"])
        action = call.field("action", "save")
        if action not in ACTIONS:
            return Response(f"unknown action {action[:20]!r}", 400, media_type="text/plain")
        editorial = Editorial(
            call.field("headline"),
            call.field("lead"),
            call.field("summary"),
            tuple(call.field("bullets").splitlines()),
        )
        assert call.form is not None
        chosen = [str(t) for t in call.form.getlist("topics")]
        try:
            revision = int(call.field("revision"))
            with self.app.store() as store:
                store.review(
                    doc_id,
                    revision,
                    user=call.user.name,
                    editorial=editorial,
                    topics=chosen,
                    status=ACTIONS[action],
                )
        except (EditConflict, ValueError, LookupError) as exc:
            return self._refused(call, doc_id, editorial, chosen, exc)
        return self._after(call, doc_id, action)

    def _refused(
        self, call: Call, doc_id: int, editorial: Editorial, chosen: list[str], exc: Exception
    ) -> Response:
        """The page again, the editor's input kept, with why nothing was saved."""
        doc = self._document(call)
        if doc is None:
            return Response("no such document", 404, media_type="text/plain")
        status = 409 if isinstance(exc, EditConflict) else 400
        message = str(exc) if isinstance(exc, EditConflict | LookupError) else f"not saved: {exc}"
        return self.item_page(
            call, doc, editorial, chosen, notice=Notice(message, "error"), status=status
        )

    def _after(self, call: Call, doc_id: int, action: str) -> Response:
        if action == "save":
            back = call.field("back")
            target = f"/documents/{doc_id}?" + urlencode({"back": back} if back else {})
            return RedirectResponse(target.rstrip("?"), 303)
        return RedirectResponse(_with_done(back_link(call.field("back")), action, doc_id), 303)

    def decide(self, call: Call) -> Response:
        """Approve, reject or reopen from the queue (the row's revision guards it)."""
        doc_id = int(call.request.path_params["doc_id"])
        action = call.field("action")
        if action not in ("approve", "reject", "reopen"):
            return Response(f"unknown action {action[:20]!r}", 400, media_type="text/plain")
        try:
            with self.app.store() as store:
                store.review(
                    doc_id, int(call.field("revision")), user=call.user.name, status=ACTIONS[action]
                )
        except EditConflict as exc:
            return Response(str(exc), 409, media_type="text/plain")
        except (ValueError, LookupError) as exc:
            return Response(f"not saved: {exc}", 400, media_type="text/plain")
        return RedirectResponse(_with_done(back_link(call.field("back")), action, doc_id), 303)

    def text(self, call: Call) -> Response:
        """The stored main text, as plain text (never interpreted as HTML)."""
        doc = self._document(call)
        if doc is None:
            return Response("no such document", 404, media_type="text/plain")
        return Response(doc.body_text, media_type="text/plain; charset=utf-8")


def _with_done(target: str, action: str, doc_id: int) -> str:
    joiner = "&" if "?" in target else "?"
    return f"{target}{joiner}{urlencode({'done': action, 'doc': doc_id})}"


def _diffs(doc: Document) -> list[dict[str, Any]]:
    """Each version against the one before it, newest first."""
    out = []
    for before, after in zip(doc.versions, doc.versions[1:], strict=False):
        out.append(
            {
                "version": after.version,
                "seen_at": after.seen_at,
                "title": (before.title, after.title) if before.title != after.title else None,
                "runs": diff_runs(before.body_text, after.body_text),
            }
        )
    return out[::-1]
