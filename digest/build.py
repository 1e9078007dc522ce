"""The digest builder: a month's approved documents, chosen and laid out as the legal update.

Which documents a month's digest holds:

* **new**: approved and published in the month (Beijing time; undated documents count by
  the date written, else the date first found);
* **earlier developments**: approved, published in an earlier month that no closed digest
  covered them in (they were approved after it closed, or its month had no digest), but not
  before the first closed digest: what predates the update's record is history, not news;
* **amended**: held by an earlier closed digest at an older version, approved again since.

Closing (approving) a digest freezes its entries; nothing it holds is offered again unless
amended, so no approved document is ever left out or sent twice as new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from digest.changes import what_changed
from digest.entry import entry_text, published_on
from model.digest import (
    AMENDED_ENTRY,
    DEMO_USER,
    DRAFT,
    EARLIER_ENTRY,
    EARLIER_SECTION,
    EARLIER_TITLE,
    NEW_ENTRY,
    OTHER_SECTION,
    OTHER_TITLE,
    Digest,
    DigestRecord,
    Entry,
    Firm,
    FrozenEntry,
    Month,
    Section,
)
from model.document import BEIJING, Document
from model.glossary import Glossary
from model.sanitize import safe_link
from model.topics import Topic
from storage.digests import DigestCandidate

MAX_LINKS = 3


@dataclass(frozen=True)
class Layout:
    """What a digest is printed with besides its entries: titles, section order, firm."""

    title: str
    sections: dict[str, str]
    """Section key → title, in the order sections appear."""
    firm: Firm
    base_url: str = ""


@dataclass(frozen=True)
class Planned:
    """One entry of a draft, before it is frozen."""

    section: str
    version: int
    entry: Entry


def section_order(preferred: Sequence[str], topics: Sequence[Topic]) -> dict[str, str]:
    """Section key → title: the preferred topic keys first, the other topics in taxonomy
    order, then "Other developments" and "Earlier developments"."""
    names = {t.key: t.name_en for t in topics}
    keys = [k for k in preferred if k in names] + [t.key for t in topics if t.key not in preferred]
    return {k: names[k] for k in keys} | {
        OTHER_SECTION: OTHER_TITLE,
        EARLIER_SECTION: EARLIER_TITLE,
    }


def month_bounds(month: Month) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in Beijing time."""
    start = datetime.combine(month.first_day(), datetime.min.time(), BEIJING)
    end = datetime.combine(month.next().first_day(), datetime.min.time(), BEIJING)
    return start, end


def window_start(month: Month, first_closed: Month | None) -> datetime:
    """Where a month's candidates begin: the first closed digest's month, else the month."""
    since = first_closed if first_closed is not None and first_closed < month else month
    return month_bounds(since)[0]


def kind_of(candidate: DigestCandidate, month: Month, first_closed: Month | None) -> str | None:
    """Why the month's digest holds this document, or None when it does not."""
    if candidate.closed_month is not None:
        return AMENDED_ENTRY if candidate.closed_month < month else None
    day = published_on(candidate.document)
    if day is None:
        return None
    published = Month.of(day)
    if published == month:
        return NEW_ENTRY
    if first_closed is not None and first_closed <= published < month:
        return EARLIER_ENTRY
    return None


def make_entry(candidate: DigestCandidate, kind: str, glossary: Glossary) -> Entry:
    """The entry as clients read it."""
    doc = candidate.document
    text = entry_text(doc, glossary)
    return Entry(
        document_id=doc.id or 0,
        kind=kind,
        headline=text.headline,
        lead=text.lead,
        summary=text.summary,
        bullets=text.bullets,
        links=_links(doc),
        original_title=text.original_title,
        published_on=text.published_on,
        changes=_changes(candidate) if kind == AMENDED_ENTRY else (),
        demo=candidate.approved_by == DEMO_USER,
    )


def _changes(candidate: DigestCandidate) -> tuple[str, ...]:
    """When the update last reported the document, and what changed since."""
    month, since = candidate.closed_month, candidate.closed_version
    if month is None or since is None:
        return ()
    return (
        f"Amended since the {month.english()} update.",
        *what_changed(candidate.document, since),
    )


def _links(doc: Document) -> tuple[str, ...]:
    """The document's URL, then where other sources published it."""
    urls = [doc.url, *(s.url for s in doc.sightings if s.source != doc.source)]
    safe = [u for u in (safe_link(u) for u in urls) if u]
    return tuple(dict.fromkeys(safe))[:MAX_LINKS]


def default_section(doc: Document, kind: str, sections: dict[str, str]) -> str:
    """Earlier developments together; else the document's first topic in section order."""
    if kind == EARLIER_ENTRY:
        return EARLIER_SECTION
    mine = set(doc.topic_keys())
    return next((k for k in sections if k in mine), OTHER_SECTION)


def plan(
    candidates: Sequence[DigestCandidate],
    record: DigestRecord | None,
    month: Month,
    first_closed: Month | None,
    layout: Layout,
    glossary: Glossary,
) -> list[Planned]:
    """A draft's entries in print order: the editor's placements first, the rest by date."""
    placed = {p.document_id: p for p in record.placements} if record else {}
    planned: list[tuple[tuple[int, ...], Planned]] = []
    for c in candidates:
        kind = kind_of(c, month, first_closed)
        if kind is None:
            continue
        entry = make_entry(c, kind, glossary)
        where = placed.get(entry.document_id)
        section = where.section if where and where.section in layout.sections else None
        section = section or default_section(c.document, kind, layout.sections)
        day = (entry.published_on or month.first_day()).toordinal()
        rank = (0, where.position, 0) if where else (1, 0, day)
        planned.append(((*rank, entry.document_id), Planned(section, c.document.version, entry)))
    planned.sort(key=lambda p: p[0])
    return [p for _, p in planned]


def assemble(
    month: Month, record: DigestRecord | None, planned: Sequence[Planned], layout: Layout
) -> Digest:
    """The digest from its planned (draft) entries."""
    by_section: dict[str, list[Entry]] = {}
    for p in planned:
        by_section.setdefault(p.section, []).append(p.entry)
    return _digest(month, record, by_section, layout)


def assemble_frozen(record: DigestRecord, layout: Layout) -> Digest:
    """A closed digest exactly as approved."""
    by_section: dict[str, list[Entry]] = {}
    for f in sorted(record.frozen, key=lambda f: f.position):
        if f.entry is not None:
            by_section.setdefault(f.section, []).append(f.entry)
    return _digest(record.month, record, by_section, layout)


def _digest(
    month: Month, record: DigestRecord | None, by_section: dict[str, list[Entry]], layout: Layout
) -> Digest:
    order = [k for k in layout.sections if k in by_section]
    sections = tuple(
        Section(k, layout.sections.get(k, k), tuple(by_section[k]))
        for k in order + [k for k in by_section if k not in layout.sections]
    )
    status = record.status if record else DRAFT
    closed = status != DRAFT
    entries = [e for s in sections for e in s.entries]
    return Digest(
        month=month,
        title=layout.title,
        status=status,
        introduction=record.introduction if record else "",
        sections=sections,
        firm=layout.firm,
        demo=(record.demo if closed and record else any(e.demo for e in entries)),
        archive_url=f"{layout.base_url}/digests/{month}" if closed and layout.base_url else "",
    )


def freeze(planned: Sequence[Planned]) -> list[FrozenEntry]:
    """The entries a digest's approval stores, positioned within their sections."""
    counters: dict[str, int] = {}
    frozen = []
    for p in planned:
        position = counters.get(p.section, 0)
        counters[p.section] = position + 1
        e = p.entry
        frozen.append(FrozenEntry(e.document_id, p.version, e.kind, p.section, position, e))
    return frozen
