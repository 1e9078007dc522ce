"""The documents regwatch collects: what every stage reads and writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from model.review import Editorial
from model.status import PENDING
from model.topics import TopicAssignment

BEIJING = timezone(timedelta(hours=8))
"""Beijing time (UTC+08:00): the time zone every publication date is read in."""


@dataclass(frozen=True)
class Sighting:
    """One place a document was seen: a source and the URL it was published at."""

    source: str
    url: str
    first_seen: datetime
    last_seen: datetime | None = None
    gone_at: datetime | None = None


@dataclass
class Attachment:
    """A file linked from a document, with the text read from it when that worked."""

    name: str
    url: str
    extension: str = ""
    size: int | None = None
    sha256: str = ""
    text: str = ""
    error: str = ""


@dataclass(frozen=True)
class DocumentVersion:
    """The main text of a document as it stood at one point."""

    version: int
    content_hash: str
    body_text: str
    seen_at: datetime
    title: str = ""
    published_at: datetime | None = None


@dataclass
class Document:
    """A regulation, draft, standard or notice, as extracted and as stored.

    ``published_at`` is an aware datetime in Beijing time (+08:00). ``doc_number`` is the
    文号 as published and ``doc_type`` the document type as published (通知, 办法 …).
    ``written_on`` is the 成文日期, ``publisher`` the 来源 (the site or outlet that published
    it, not necessarily the issuer) and ``subject`` the site's 主题分类.
    Fields the crawler cannot know (id, version, review status, flags, first/last seen) are
    filled in by storage.
    """

    url: str
    title: str
    source: str = ""
    lang: str = "zh"
    published_at: datetime | None = None
    issuers: list[str] = field(default_factory=list)
    doc_number: str = ""
    doc_type: str = ""
    is_draft_for_comment: bool = False
    comment_deadline: date | None = None
    effective_date: date | None = None
    written_on: date | None = None
    publisher: str = ""
    subject: str = ""
    body_text: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    id: int | None = None
    sightings: list[Sighting] = field(default_factory=list)
    content_hash: str = ""
    version: int = 0
    review_status: str = PENDING
    flags: frozenset[str] = frozenset()
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    versions: list[DocumentVersion] = field(default_factory=list)
    topics: list[TopicAssignment] = field(default_factory=list)
    """The topics the document carries now, each with who set it (filled in by storage)."""
    editorial: Editorial = field(default_factory=Editorial)
    """The editors' English headline, lead sentence, summary and bullets."""
    revision: int = 0
    """Bumped by every change to the document; a save names the revision it started from."""

    def topic_keys(self) -> list[str]:
        """The keys of the document's topics."""
        return [t.topic for t in self.topics]


@dataclass(frozen=True)
class StoreResult:
    """What storing one crawled document did: new, amended, unchanged or sighted."""

    document_id: int
    outcome: str
    version: int
