"""The digest as the command line, the main job and the web app use it: from the store and
the settings to a :class:`~model.digest.Digest`, and the status changes around it."""

from __future__ import annotations

from dataclasses import dataclass

from config import Settings
from digest.build import (
    Layout,
    Planned,
    assemble,
    assemble_frozen,
    freeze,
    month_bounds,
    plan,
    section_order,
    window_start,
)
from digest.entry import published_on
from model.digest import DRAFT, Digest, DigestError, DigestRecord, Firm, Month
from model.glossary import Glossary
from model.topics import bundled_topics
from storage import DocumentFilter, Store


@dataclass(frozen=True)
class Draft:
    """A month's digest as it stands, with what approving it would freeze."""

    digest: Digest
    record: DigestRecord | None
    planned: tuple[Planned, ...]
    """Empty for a closed digest: its entries are frozen."""
    layout: Layout

    @property
    def revision(self) -> int:
        return self.record.revision if self.record else 0


def firm_of(settings: Settings) -> Firm:
    """The firm's details from the settings; a contact's lines are separated by ';'."""
    cfg = settings.digest
    contacts = tuple(
        tuple(line.strip() for line in c.split(";") if line.strip()) for c in cfg.contacts
    )
    return Firm(cfg.firm_name, tuple(c for c in contacts if c), cfg.subscription, cfg.footer)


def layout_of(store: Store, settings: Settings) -> Layout:
    """Titles, section order and firm details for every digest."""
    topics = [*bundled_topics(), *store.editor_topics()]
    return Layout(
        title=settings.digest.title,
        sections=section_order(settings.digest.sections, topics),
        firm=firm_of(settings),
        base_url=settings.feeds.base_url.rstrip("/"),
    )


def load(store: Store, month: Month, settings: Settings, glossary: Glossary) -> Draft:
    """The month's digest: frozen when closed, else planned from the approved documents."""
    layout = layout_of(store, settings)
    record = store.digest(month)
    if record is not None and record.status != DRAFT:
        return Draft(assemble_frozen(record, layout), record, (), layout)
    first_closed = store.first_closed_month()
    _, end = month_bounds(month)
    candidates = store.digest_candidates(window_start(month, first_closed), end)
    planned = plan(candidates, record, month, first_closed, layout, glossary)
    return Draft(assemble(month, record, planned, layout), record, tuple(planned), layout)


def approve(
    store: Store,
    month: Month,
    revision: int,
    user: str,
    settings: Settings,
    glossary: Glossary,
) -> Digest:
    """Approve a draft as it stands now, freezing its entries (refused on a stale revision)."""
    draft = load(store, month, settings, glossary)
    if draft.digest.status != DRAFT:
        raise DigestError(f"the {month} digest is already {draft.digest.status}")
    store.close_digest(
        month,
        revision,
        entries=freeze(draft.planned),
        demo=draft.digest.demo,
        user=user,
    )
    return load(store, month, settings, glossary).digest


def latest_month(store: Store) -> Month | None:
    """The month of the newest stored publication (Beijing time)."""
    newest = store.list_documents(DocumentFilter(sort="newest", limit=1))
    day = published_on(newest[0]) if newest else None
    return Month.of(day) if day else None
