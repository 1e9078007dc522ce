"""What changed in an amended document since the version a closed digest printed."""

from __future__ import annotations

import difflib

from digest.lead import english_date
from model.document import BEIJING, Document, DocumentVersion


def what_changed(doc: Document, since_version: int) -> tuple[str, ...]:
    """One plain sentence per change between ``since_version`` and the current version."""
    old = _version(doc, since_version)
    new = _version(doc, doc.version)
    if old is None or new is None:
        return (f"The document was amended after version {since_version}.",)
    lines = [*_title_change(old, new), *_date_change(old, new), *_text_change(old, new)]
    return tuple(lines) or ("The document was republished with minor changes.",)


def _version(doc: Document, number: int) -> DocumentVersion | None:
    return next((v for v in doc.versions if v.version == number), None)


def _title_change(old: DocumentVersion, new: DocumentVersion) -> list[str]:
    if not old.title or old.title == new.title:
        return []
    return [f"The title changed from 《{old.title}》 to 《{new.title}》."]


def _date_change(old: DocumentVersion, new: DocumentVersion) -> list[str]:
    if old.published_at is None or new.published_at is None:
        return []
    before = old.published_at.astimezone(BEIJING).date()
    after = new.published_at.astimezone(BEIJING).date()
    if before == after:
        return []
    return [
        f"The date of publication changed from {english_date(before)} to {english_date(after)}."
    ]


def _text_change(old: DocumentVersion, new: DocumentVersion) -> list[str]:
    before, after = _paragraphs(old.body_text), _paragraphs(new.body_text)
    if before == after:
        return []
    added = removed = 0
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    counts = [_count(n, what) for n, what in ((added, "added"), (removed, "removed")) if n]
    return [f"The text changed: {', '.join(counts)}."]


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in text.splitlines() if p.strip()]


def _count(n: int, what: str) -> str:
    return f"{n} paragraph{'s' if n != 1 else ''} {what}"
