"""What editors add to a document: the English text clients read, and the record of decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# What an entry in a document's audit log records.
ADDED = "added"
EDITED = "edited"
APPROVED = "approved"
REJECTED = "rejected"
REOPENED = "reopened"
TOPICS = "topics"
ACTIONS = (ADDED, EDITED, APPROVED, REJECTED, REOPENED, TOPICS)

MAX_BULLETS = 12


@dataclass(frozen=True)
class Editorial:
    """An editor's English text for a document: what the monthly update prints."""

    headline: str = ""
    lead: str = ""
    summary: str = ""
    bullets: tuple[str, ...] = ()

    def cleaned(self) -> Editorial:
        """The same text with whitespace trimmed and empty bullets dropped."""
        bullets = tuple(b.strip() for b in self.bullets if b.strip())
        if len(bullets) > MAX_BULLETS:
            raise ValueError(f"at most {MAX_BULLETS} bullet points")
        return Editorial(self.headline.strip(), self.lead.strip(), self.summary.strip(), bullets)

    def is_empty(self) -> bool:
        return not (self.headline or self.lead or self.summary or self.bullets)


@dataclass(frozen=True)
class ReviewEvent:
    """One entry of a document's audit log: who did what, when, and what changed.

    ``changes`` maps a field name to ``[before, after]``.
    """

    at: datetime
    user: str
    action: str
    changes: dict[str, Any] = field(default_factory=dict)


class EditConflict(Exception):
    """Someone else changed the document since the editor opened it; nothing was saved."""

    def __init__(self, doc_id: int, expected: int, current: int) -> None:
        super().__init__(
            f"document {doc_id} changed since you opened it (revision {expected}, now "
            f"{current}): nothing was saved; reload it, check the other change and save again"
        )
        self.doc_id = doc_id
        self.expected = expected
        self.current = current
