"""The review queue's query string: what an editor filtered, sorted and paged by.

Parsing never fails: a value that makes no sense is dropped and named in ``problems``, so a
hand-edited or stale link still shows a queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from model.document import BEIJING
from model.status import FLAGS, REVIEW_STATUSES
from storage.queries import NO_TOPIC, SORTS, DocumentFilter

PAGE_SIZE = 50
ALL = "all"
MAX_QUERY_CHARS = 200


@dataclass(frozen=True)
class QueueQuery:
    """The queue's filters as the editor chose them (empty string: not filtered)."""

    status: str = "pending"
    q: str = ""
    source: str = ""
    topic: str = ""
    flag: str = ""
    draft: str = ""
    open: str = ""
    since: str = ""
    until: str = ""
    sort: str = "newest"
    page: int = 1
    problems: tuple[str, ...] = field(default=(), compare=False)

    def to_filter(self, today: date, page_size: int = PAGE_SIZE) -> DocumentFilter:
        """The storage filter for this page of the queue (``today`` in Beijing)."""
        return DocumentFilter(
            review_status=None if self.status == ALL else self.status,
            source=self.source or None,
            flag=self.flag or None,
            topic=self.topic or None,
            draft={"yes": True, "no": False}.get(self.draft),
            deadline_from=today if self.open else None,
            published_from=_day_start(self.since),
            published_until=_day_start(self.until, plus_days=1),
            text=self.q,
            sort=self.sort,
            limit=page_size,
            offset=(self.page - 1) * page_size,
        )

    def link(self, **changes: Any) -> str:
        """A query string for this queue with some values changed (page reset to 1 unless given)."""
        values = asdict(replace(self, **({"page": 1} | changes)))
        values.pop("problems")
        defaults = asdict(QueueQuery())
        kept = {k: v for k, v in values.items() if v != defaults[k]}
        return "?" + urlencode(kept) if kept else "?"


def _day_start(value: str, plus_days: int = 0) -> datetime | None:
    if not value:
        return None
    day = date.fromisoformat(value) + timedelta(days=plus_days)
    return datetime.combine(day, time(), BEIJING)


def _iso_day(value: str) -> str:
    date.fromisoformat(value)
    return value


def parse_queue_query(params: Mapping[str, str], sources: set[str]) -> QueueQuery:
    """The queue query from request parameters; nonsense is dropped and reported."""
    problems: list[str] = []
    checks: dict[str, Any] = {
        "status": lambda v: v if v in (*REVIEW_STATUSES, ALL) else None,
        "q": lambda v: v.strip()[:MAX_QUERY_CHARS],
        "source": lambda v: v if v in sources else None,
        "topic": lambda v: v if v == NO_TOPIC or v.replace("_", "").isalnum() else None,
        "flag": lambda v: v if v in FLAGS else None,
        "draft": lambda v: v if v in ("yes", "no") else None,
        "open": lambda v: "1" if v else "",
        "since": _iso_day,
        "until": _iso_day,
        "sort": lambda v: v if v in SORTS else None,
        "page": lambda v: int(v) if 1 <= int(v) <= 100_000 else None,
    }
    values: dict[str, Any] = {}
    for name, check in checks.items():
        raw = params.get(name, "")
        if raw == "":
            continue
        try:
            value = check(raw)
        except ValueError:
            value = None
        if value is None:
            problems.append(f"ignored {name}={raw[:40]!r}")
        else:
            values[name] = value
    return QueueQuery(**values, problems=tuple(problems))
