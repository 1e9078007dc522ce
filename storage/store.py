"""The Store: one object the other stages use to reach the database."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from model.digest import DEMO_USER, DigestRecord, FrozenEntry, Month, Placement
from model.document import Document, StoreResult
from model.health import ChannelHealth
from model.review import Editorial, ReviewEvent
from model.status import APPROVED, UNCHANGED
from model.topics import Classification, ModelInfo, Topic
from model.users import User
from storage import digests as digests_db
from storage import documents as docs
from storage import fetches, health, queries
from storage import review as review_db
from storage import topics as topics_db
from storage import users as users_db
from storage.digests import DigestCandidate
from storage.engine import is_sqlite, make_engine, read_transaction, write_transaction
from storage.fetches import Validators
from storage.migrate import ensure_schema
from storage.queries import DocumentFilter
from storage.topics import EditorExample, PendingDocument
from storage.users import SessionInfo


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class Store:
    """Documents in a SQLite file or a PostgreSQL database."""

    def __init__(self, engine: Engine, *, title_window_days: int = 180) -> None:
        self.engine = engine
        self.title_window_days = title_window_days

    @classmethod
    def open(
        cls,
        url: str,
        *,
        busy_timeout: float = 10.0,
        title_window_days: int = 180,
        migrate: bool = True,
    ) -> Store:
        """Connect to ``url``; an empty database gets the schema when ``migrate`` is set."""
        store = cls(
            make_engine(url, busy_timeout=busy_timeout), title_window_days=title_window_days
        )
        if migrate:
            try:
                ensure_schema(store.engine)
            except BaseException:
                store.close()
                raise
        return store

    def close(self) -> None:
        """Release every pooled connection (on SQLite, first refresh the planner's statistics)."""
        if is_sqlite(self.engine):
            try:
                with write_transaction(self.engine) as conn:
                    conn.exec_driver_sql("PRAGMA optimize")
            except OperationalError:
                pass  # a busy or read-only database keeps its old statistics
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save_document(self, doc: Document, *, seen_at: datetime | None = None) -> StoreResult:
        """Store one crawled document in its own write transaction."""
        with write_transaction(self.engine) as conn:
            return docs.save_document(
                conn, doc, seen_at=seen_at or utcnow(), window_days=self.title_window_days
            )

    def save_documents(
        self, batch: Iterable[Document], *, seen_at: datetime | None = None
    ) -> list[StoreResult]:
        """Store many documents in one write transaction (imports): all or none."""
        seen_at = seen_at or utcnow()
        with write_transaction(self.engine) as conn:
            return [
                docs.save_document(conn, d, seen_at=seen_at, window_days=self.title_window_days)
                for d in batch
            ]

    def mark_gone(self, url: str, *, at: datetime | None = None) -> int | None:
        """Record that the page at ``url`` disappeared."""
        with write_transaction(self.engine) as conn:
            return docs.mark_gone(conn, url, at=at or utcnow())

    def get_document(self, doc_id: int) -> Document | None:
        """One document, or None."""
        with read_transaction(self.engine) as conn:
            return queries.get_document(conn, doc_id)

    def list_documents(self, flt: DocumentFilter = DocumentFilter()) -> list[Document]:
        """Documents matching ``flt``, newest first."""
        with read_transaction(self.engine) as conn:
            return queries.list_documents(conn, flt)

    def iter_documents(self, flt: DocumentFilter = DocumentFilter()) -> Iterator[Document]:
        """Every matching document, in batches, from one consistent snapshot."""
        with read_transaction(self.engine) as conn:
            yield from queries.iter_documents(conn, flt)

    def count_documents(self, flt: DocumentFilter = DocumentFilter()) -> int:
        """How many documents match ``flt`` (its limit and offset aside)."""
        with read_transaction(self.engine) as conn:
            return queries.count_documents(conn, flt)

    def status_counts(self, flt: DocumentFilter = DocumentFilter()) -> dict[str, int]:
        """How many documents matching ``flt`` are pending, approved and rejected."""
        with read_transaction(self.engine) as conn:
            return queries.status_counts(conn, flt)

    def set_review_status(
        self, ids: Iterable[int], status: str, *, user: str, at: datetime | None = None
    ) -> list[int]:
        """Approve, reject or reset documents (logged); returns ids that do not exist."""
        with write_transaction(self.engine) as conn:
            return review_db.set_statuses(conn, list(ids), status, user, at or utcnow())

    def review(
        self,
        doc_id: int,
        revision: int,
        *,
        user: str,
        editorial: Editorial | None = None,
        topics: Iterable[str] | None = None,
        status: str | None = None,
        at: datetime | None = None,
    ) -> int:
        """An editor's save, refused with EditConflict when the document moved past ``revision``.

        Text, topics and decision are written together or not at all; every change is logged.
        Returns the document's new revision.
        """
        with write_transaction(self.engine) as conn:
            return review_db.review(
                conn,
                doc_id,
                revision,
                user,
                at or utcnow(),
                editorial=editorial,
                topics=None if topics is None else list(topics),
                status=status,
            )

    def review_events(self, doc_id: int) -> list[ReviewEvent]:
        """A document's audit log, oldest first."""
        with read_transaction(self.engine) as conn:
            return review_db.events_of(conn, doc_id)

    def add_by_hand(
        self, doc: Document, *, user: str, how: str, at: datetime | None = None
    ) -> StoreResult:
        """Store a document an editor added (by URL or pasted), logging who added it."""
        at = at or utcnow()
        with write_transaction(self.engine) as conn:
            result = docs.save_document(conn, doc, seen_at=at, window_days=self.title_window_days)
            if result.outcome != UNCHANGED:
                review_db.record_added(conn, result.document_id, user, how, at)
            return result

    def validators(self, url: str) -> Validators | None:
        """HTTP validators from the last fetch of ``url``."""
        with read_transaction(self.engine) as conn:
            return fetches.validators(conn, url)

    def record_fetch(
        self,
        url: str,
        *,
        status: int,
        etag: str = "",
        last_modified: str = "",
        at: datetime | None = None,
    ) -> None:
        """Remember a fetch of ``url`` for the next poll's conditional request."""
        with write_transaction(self.engine) as conn:
            fetches.record_fetch(
                conn, url, status=status, etag=etag, last_modified=last_modified, at=at or utcnow()
            )

    def seen_unchanged(self, url: str, *, at: datetime | None = None) -> None:
        """A page answered 304 Not Modified: it is still there, unchanged."""
        with write_transaction(self.engine) as conn:
            fetches.seen_unchanged(conn, url, at=at or utcnow())

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Which of ``urls`` are already stored as sightings."""
        with read_transaction(self.engine) as conn:
            return fetches.known_urls(conn, urls)

    def known_attachments(self, urls: Iterable[str]) -> set[str]:
        """Which attachment URLs are stored with their content already read."""
        with read_transaction(self.engine) as conn:
            return fetches.known_attachments(conn, urls)

    def due_for_recheck(
        self, source: str, *, published_after: datetime, checked_before: datetime
    ) -> list[str]:
        """Recent documents of ``source`` whose pages should be fetched again."""
        with read_transaction(self.engine) as conn:
            return fetches.due_for_recheck(
                conn, source, published_after=published_after, checked_before=checked_before
            )

    def channel_health(self, source: str | None = None) -> list[ChannelHealth]:
        """The remembered health of every channel (of one source, or all)."""
        with read_transaction(self.engine) as conn:
            return health.channel_health(conn, source)

    def save_health(self, rows: list[ChannelHealth]) -> None:
        """Store the health of these channels after a poll."""
        with write_transaction(self.engine) as conn:
            health.save_health(conn, rows)

    def reset_health(self, source: str, channel: str | None = None) -> int:
        """Forget a source's (or channel's) state, ending any wait; returns rows removed."""
        with write_transaction(self.engine) as conn:
            return health.reset_health(conn, source, channel)

    def published_dates(self, source: str, limit: int = 60) -> list[datetime]:
        """When the source's latest documents were published, newest first."""
        with read_transaction(self.engine) as conn:
            return health.published_dates(conn, source, limit)

    def add_topic(self, topic: Topic, *, at: datetime | None = None) -> None:
        """Add an editor's topic (its key must be new); the next training learns it."""
        with write_transaction(self.engine) as conn:
            topics_db.add_topic(conn, topic, at or utcnow())

    def editor_topics(self) -> list[Topic]:
        """Topics editors added."""
        with read_transaction(self.engine) as conn:
            return topics_db.editor_topics(conn)

    def save_model(self, info: ModelInfo, data: bytes) -> int:
        """Store a trained classifier model; returns its version."""
        with write_transaction(self.engine) as conn:
            return topics_db.save_model(conn, info, data)

    def latest_model(self, embedder: str) -> tuple[ModelInfo, bytes] | None:
        """The newest model trained for this embedder, with its weights."""
        with read_transaction(self.engine) as conn:
            return topics_db.latest_model(conn, embedder)

    def models(self) -> list[ModelInfo]:
        """Every stored classifier model, newest first."""
        with read_transaction(self.engine) as conn:
            return topics_db.models(conn)

    def pending_classification(
        self, *, after_id: int = 0, limit: int = 64
    ) -> list[PendingDocument]:
        """Documents the classifier has not tagged yet, by id."""
        with read_transaction(self.engine) as conn:
            return topics_db.pending_documents(conn, after_id=after_id, limit=limit)

    def count_pending_classification(self) -> int:
        """How many documents the classifier has not tagged yet."""
        with read_transaction(self.engine) as conn:
            return topics_db.count_pending(conn)

    def mark_stale_classifications(self, current_version: int) -> int:
        """Queue for tagging again every document a model older than this one tagged."""
        with write_transaction(self.engine) as conn:
            return topics_db.mark_stale(conn, current_version)

    def save_classifications(
        self, results: Iterable[Classification], *, at: datetime | None = None
    ) -> int:
        """Store the model's verdicts in one transaction; returns how many documents had one."""
        at = at or utcnow()
        with write_transaction(self.engine) as conn:
            return sum(topics_db.save_classification(conn, r, at) for r in results)

    def classification(self, doc_id: int) -> Classification | None:
        """The model's latest verdict on a document: scores, labels and nearest examples."""
        with read_transaction(self.engine) as conn:
            return topics_db.classification_of(conn, doc_id)

    def set_topics(
        self, doc_id: int, keys: Iterable[str], *, editor: str, at: datetime | None = None
    ) -> None:
        """An editor sets a document's topics (possibly none); the model will not change them."""
        with write_transaction(self.engine) as conn:
            topics_db.set_editor_topics(conn, doc_id, list(keys), editor, at or utcnow())

    def editor_examples(self) -> list[EditorExample]:
        """Documents whose topics editors decided: training examples."""
        with read_transaction(self.engine) as conn:
            return topics_db.editor_examples(conn)

    def add_user(
        self, name: str, email: str, role: str, password_hash: str, *, at: datetime | None = None
    ) -> User:
        """Create a user (the password already hashed)."""
        with write_transaction(self.engine) as conn:
            return users_db.add_user(conn, name, email, role, password_hash, at or utcnow())

    def users(self) -> list[User]:
        """Every user, by name."""
        with read_transaction(self.engine) as conn:
            return users_db.list_users(conn)

    def user_with_hash(self, name: str) -> tuple[User, str] | None:
        """A user and their password hash, for checking a login."""
        with read_transaction(self.engine) as conn:
            return users_db.user_by_name(conn, name)

    def set_password(self, name: str, password_hash: str, *, at: datetime | None = None) -> None:
        """Replace a user's password hash; their sessions end."""
        with write_transaction(self.engine) as conn:
            users_db.set_password(conn, name, password_hash, at or utcnow())

    def set_user_disabled(self, name: str, disabled: bool = True) -> None:
        """Disable a user (ending their sessions) or enable them again."""
        with write_transaction(self.engine) as conn:
            users_db.set_disabled(conn, name, disabled)

    def create_session(
        self, user_id: int, token_hash: str, csrf_token: str, *, at: datetime, expires_at: datetime
    ) -> None:
        with write_transaction(self.engine) as conn:
            users_db.create_session(conn, user_id, token_hash, csrf_token, at, expires_at)

    def session(self, token_hash: str, *, at: datetime | None = None) -> SessionInfo | None:
        """The live session with this token hash, or None."""
        with write_transaction(self.engine) as conn:
            return users_db.session(conn, token_hash, at or utcnow())

    def end_session(self, token_hash: str) -> None:
        with write_transaction(self.engine) as conn:
            users_db.end_session(conn, token_hash)

    def record_login_failure(self, keys: list[str], *, at: datetime | None = None) -> None:
        with write_transaction(self.engine) as conn:
            users_db.record_failure(conn, keys, at or utcnow())

    def login_failures_since(self, key: str, since: datetime) -> int:
        with read_transaction(self.engine) as conn:
            return users_db.failures_since(conn, key, since)

    def clear_login_failures(self, key: str, *, purge_before: datetime | None = None) -> None:
        """Forget a key's failed logins, and everybody's older than ``purge_before``."""
        with write_transaction(self.engine) as conn:
            users_db.clear_failures(conn, key)
            if purge_before is not None:
                users_db.purge_failures(conn, purge_before)

    def digest(self, month: Month) -> DigestRecord | None:
        """The stored digest of a month (its layout, or a closed one's frozen entries)."""
        with read_transaction(self.engine) as conn:
            return digests_db.get_digest(conn, month)

    def digests(self, status: str | None = None) -> list[DigestRecord]:
        """Every stored digest (of one status), newest month first, without entries."""
        with read_transaction(self.engine) as conn:
            return digests_db.list_digests(conn, status)

    def save_digest_layout(
        self,
        month: Month,
        revision: int,
        *,
        introduction: str,
        placements: Sequence[Placement],
        at: datetime | None = None,
    ) -> int:
        """Store a draft digest's introduction and layout (refused on a stale revision)."""
        with write_transaction(self.engine) as conn:
            return digests_db.save_layout(
                conn,
                month,
                revision,
                at or utcnow(),
                introduction=introduction,
                placements=placements,
            )

    def close_digest(
        self,
        month: Month,
        revision: int,
        *,
        entries: Sequence[FrozenEntry],
        demo: bool,
        user: str,
        at: datetime | None = None,
    ) -> int:
        """Approve a draft digest, freezing exactly these entries."""
        with write_transaction(self.engine) as conn:
            return digests_db.close_digest(
                conn, month, revision, at or utcnow(), entries=entries, demo=demo, user=user
            )

    def reopen_digest(self, month: Month, revision: int, *, at: datetime | None = None) -> int:
        """An approved, unsent digest back to draft."""
        with write_transaction(self.engine) as conn:
            return digests_db.reopen_digest(conn, month, revision, at or utcnow())

    def first_closed_month(self) -> Month | None:
        """The month of the earliest closed digest, or None before any closed."""
        with read_transaction(self.engine) as conn:
            return digests_db.first_closed_month(conn)

    def digest_candidates(self, start: datetime | None, end: datetime) -> list[DigestCandidate]:
        """Approved documents published in [start, end) (or undated) no closed digest holds
        at their current version, with who approved them and their closed-digest history."""
        with read_transaction(self.engine) as conn:
            return digests_db.candidates(conn, start, end)

    def demo_approve(self, min_score: float, *, at: datetime | None = None) -> list[int]:
        """Approve, as the reviewer ``demo``, pending documents whose best topic score is at
        least ``min_score``; returns their ids. For the offline demo only."""
        with write_transaction(self.engine) as conn:
            ids = digests_db.demo_candidates(conn, min_score)
            review_db.set_statuses(conn, ids, APPROVED, DEMO_USER, at or utcnow())
            return ids
