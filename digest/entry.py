"""What clients read about one document: the editor's English text, or what regwatch can say.

The digest, the feeds and the calendar all print a document the same way: the editor's
headline, else the original title; the editor's lead, else the generated lead sentence; the
editor's summary and bullets; the source link (http or https only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from digest.lead import lead_sentence
from model.document import BEIJING, Document
from model.glossary import Glossary
from model.sanitize import safe_link


@dataclass(frozen=True)
class EntryText:
    headline: str
    lead: str
    summary: str
    bullets: tuple[str, ...]
    original_title: str
    link: str
    """The source link, or "" when the stored URL is not a safe http(s) link."""
    published_on: date | None


def entry_text(doc: Document, glossary: Glossary) -> EntryText:
    """The text a document is printed with, the editor's where there is one."""
    text = doc.editorial
    title = " ".join(doc.title.split())
    return EntryText(
        headline=text.headline or title,
        lead=text.lead or lead_sentence(doc, glossary),
        summary=text.summary,
        bullets=text.bullets,
        original_title=title,
        link=safe_link(doc.url),
        published_on=published_on(doc),
    )


def published_on(doc: Document) -> date | None:
    """The Beijing date of publication, else the date written (成文日期), else first found."""
    if doc.published_at is not None:
        return _beijing_date(doc.published_at)
    if doc.written_on is not None:
        return doc.written_on
    return _beijing_date(doc.first_seen) if doc.first_seen is not None else None


def _beijing_date(at: datetime) -> date:
    return (at if at.tzinfo else at.replace(tzinfo=BEIJING)).astimezone(BEIJING).date()
