"""The monthly legal update: what the digest builder hands to the renderers and the web app.

A :class:`Digest` is a month's approved developments laid out in sections, with the firm's
details around them. The renderers (HTML, text, Markdown, DOCX) read nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

# A digest's life: editors draft it, a partner approves it, a later stage sends it.
DRAFT = "draft"
APPROVED = "approved"
SENT = "sent"
DIGEST_STATUSES = (DRAFT, APPROVED, SENT)
CLOSED_STATUSES = (APPROVED, SENT)
"""A closed digest's entries are frozen: what it holds is never offered again as new."""

# Why a document is in a digest.
NEW_ENTRY = "new"
"""Published in the digest's month."""
AMENDED_ENTRY = "amended"
"""Already in a closed digest, and amended since."""
EARLIER_ENTRY = "earlier"
"""Published in an earlier month, approved only after that month's digest closed."""
ENTRY_KINDS = (NEW_ENTRY, AMENDED_ENTRY, EARLIER_ENTRY)

OTHER_SECTION = "other"
"""The section of approved documents that carry no topic."""
EARLIER_SECTION = "earlier"
"""The closing section: "Earlier developments"."""
OTHER_TITLE = "Other developments"
EARLIER_TITLE = "Earlier developments"

DEMO_USER = "demo"
"""The reviewer recorded for approvals the demo makes by rule; a digest holding one is a demo."""

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class DigestError(ValueError):
    """A digest cannot be built, edited or approved as asked; nothing was changed."""


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, written ``YYYY-MM``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        found = _MONTH.match(text.strip())
        if not found:
            raise DigestError(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2020-07")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def english(self) -> str:
        """ "July 2020"."""
        return f"{_MONTH_NAMES[self.month - 1]} {self.year}"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True)
class Placement:
    """Where an editor put one document in a draft digest: its section and order there."""

    document_id: int
    section: str
    position: int


@dataclass(frozen=True)
class FrozenEntry:
    """One entry of a closed digest: the document, at which version, why and where it stood."""

    document_id: int
    version: int
    kind: str
    section: str
    position: int
    entry: Entry | None = None
    """The entry as approved: a closed digest prints this, whatever was edited since."""


@dataclass(frozen=True)
class DigestRecord:
    """A stored digest: its status, the editor's introduction and layout.

    For a draft, ``placements`` are the editor's overrides (documents without one go to their
    first topic's section, by date). For a closed digest, ``frozen`` lists exactly what it held.
    """

    month: Month
    status: str = DRAFT
    introduction: str = ""
    revision: int = 0
    placements: tuple[Placement, ...] = ()
    frozen: tuple[FrozenEntry, ...] = ()
    demo: bool = False
    approved_by: str = ""
    approved_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Entry:
    """One development as the client reads it."""

    document_id: int
    kind: str
    headline: str
    lead: str
    summary: str = ""
    bullets: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    original_title: str = ""
    published_on: date | None = None
    changes: tuple[str, ...] = ()
    """For an amended entry: what changed since the digest that carried it, one line each."""
    demo: bool = False
    """Approved by the demo rule, not by an editor."""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Firm:
    """The firm the update goes out under, from the settings."""

    name: str = ""
    contacts: tuple[tuple[str, ...], ...] = ()
    """Each contact as its lines ("Samuel Yang | Partner", "E: …")."""
    subscription: str = ""
    footer: str = ""


@dataclass(frozen=True)
class Digest:
    """A month's legal update, laid out and ready to render."""

    month: Month
    title: str
    status: str
    introduction: str
    sections: tuple[Section, ...]
    firm: Firm = field(default_factory=Firm)
    demo: bool = False
    """Holds approvals made by the demo rule: marked in every format, never sent."""
    archive_url: str = ""

    def entries(self) -> list[Entry]:
        return [e for s in self.sections for e in s.entries]

    def heading(self) -> str:
        """ "Data, Cyber and Privacy Legal Update — July 2020"."""
        return f"{self.title} — {self.month.english()}"

    def sendable(self) -> bool:
        """Only an approved digest that holds no demo approval may ever be sent."""
        return self.status == APPROVED and not self.demo


DEMO_NOTICE = (
    "DEMO: the documents in this update were approved by a rule (classifier confidence), "
    "not by an editor. It is not legal advice and can never be sent."
)


def file_stem(month: Month) -> str:
    """ "regwatch-digest-2020-07": the name every format of a month's digest shares."""
    return f"regwatch-digest-{month}"
