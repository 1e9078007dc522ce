"""Facts a document page lacks, read from its attachments when the page is a cover note.

Chinese regulators often publish a one-paragraph notice ("现将《…》印发给你们…") with the
instrument itself attached. When the page body is that short, the 文号, issuers, the
draft-for-comment flag, the comment deadline and the effective date are also looked for in
the attachments' text. A fact the page states always wins; nothing is overwritten.
"""

from __future__ import annotations

from dataclasses import replace

from crawler.parsing import (
    find_comment_deadline,
    find_doc_number,
    find_effective_date,
    is_draft_for_comment,
)
from model.document import BEIJING, Document
from model.glossary import load_glossary

HEAD_CHARS = 400
"""How much of an attachment's start is searched for its 文号 and issuers (its header)."""


def complete_from_attachments(doc: Document, cover_note_chars: int) -> Document:
    """``doc`` with missing facts filled from its attachments' text, if it is a cover note."""
    texts = [a.text for a in doc.attachments if a.text]
    if not texts or len(doc.body_text) >= cover_note_chars:
        return doc
    text = "\n".join(texts)
    heads = "\n".join(t[:HEAD_CHARS] for t in texts)
    day = doc.published_at.astimezone(BEIJING).date() if doc.published_at else None
    return replace(
        doc,
        doc_number=doc.doc_number or find_doc_number(heads) or "",
        issuers=doc.issuers or [i.chinese for i in load_glossary().issuers_in(heads)],
        is_draft_for_comment=doc.is_draft_for_comment or is_draft_for_comment(doc.title, text),
        comment_deadline=doc.comment_deadline or find_comment_deadline(text, day),
        effective_date=doc.effective_date or find_effective_date(text, day),
    )
