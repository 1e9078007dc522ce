"""The lead sentence of a legal-update entry, in the style of a law firm's monthly update.

    On July 24, 2020, the Ministry of Industry and Information Technology ("MIIT") issued the
    Notice on ... to seek public opinions by August 14, 2020.

The review app pre-fills it for the editor; the digest reuses it and ``english_date``.
"""

from __future__ import annotations

import re
from datetime import date

from crawler.parsing import detect_doc_type
from model.document import BEIJING, Document
from model.glossary import DocType, Glossary, Issuer

__all__ = ["NEUTRAL_ISSUER", "english_date", "lead_sentence"]

NEUTRAL_ISSUER = "the relevant authorities"
"""Who issued a document when neither its issuers nor its title name one (有关部门)."""

_MONTHS: tuple[str, ...] = ("January", "February", "March", "April", "May", "June")
_MONTHS += ("July", "August", "September", "October", "November", "December")
# Glossary entries that qualify a document rather than name its kind.
_NOT_KINDS = frozenset({"征求意见稿", "送审稿", "（试行）", "暂行"})
# Kinds that wrap a draft instead of being one: "the Notice 《关于公开征求…意见的通知》".
_WRAPPERS = frozenset({"通知", "公告", "通告", "通报", "公示", "函"})


def english_date(d: date) -> str:
    """A date as law-firm English writes it: "July 24, 2020" (no leading zero)."""
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year}"


def lead_sentence(doc: Document, glossary: Glossary, *, title_en: str = "") -> str:
    """The opening sentence of the document's entry: when, who, issued what, and the deadline
    for comments (drafts) or the date it takes effect (when later than publication).

    ``title_en`` is the editor's English title; without it the Chinese title is named in 《》.
    """
    published = _published_on(doc)
    issuers = _issuer_names(doc, glossary)
    verb = "jointly issued" if len(issuers) > 1 else "issued"
    when = f"On {english_date(published)}," if published else ""
    text = f"{when} {_join(issuers)} {verb} {_what(doc, glossary, title_en)}"
    text = re.sub(r"\s+", " ", text + _tail(doc, published)).strip().rstrip(".")
    return text[:1].upper() + text[1:] + "."


def _published_on(doc: Document) -> date | None:
    """The Beijing date of publication, else the date the document was written (成文日期)."""
    if doc.published_at is None:
        return doc.written_on
    at = doc.published_at
    return (at if at.tzinfo else at.replace(tzinfo=BEIJING)).astimezone(BEIJING).date()


def _issuer_names(doc: Document, glossary: Glossary) -> list[str]:
    """The issuers as the sentence names them, each once, in order; never empty."""
    listed = [n.strip() for n in doc.issuers if n.strip()]
    found: list[Issuer | str] = [glossary.issuer(n) or n for n in listed]
    if not found:
        found = list(_issuers_in_title(doc.title, glossary))
    names = [n if isinstance(n, str) else _english_issuer(n) for n in found]
    return list(dict.fromkeys(names)) or [NEUTRAL_ISSUER]


def _issuers_in_title(title: str, glossary: Glossary) -> list[Issuer]:
    """Issuers named before 关于 ("<issuer>关于<subject>的通知"), in title order."""
    head = title.split("关于", 1)[0]
    found = glossary.issuers_in(head)
    return sorted(found, key=lambda i: min(_positions(head, (i.chinese, *i.aliases))))


def _positions(text: str, names: tuple[str, ...]) -> list[int]:
    """Where each of the names occurs in the text (the ones that do)."""
    return [text.find(n) for n in names if n in text]


def _english_issuer(issuer: Issuer) -> str:
    """ "the Ministry of … ("MIIT")": the English name, with its abbreviation when it has one."""
    abbreviation = f' ("{issuer.abbreviation}")' if issuer.abbreviation else ""
    article = "" if issuer.english.lower().startswith("the ") else "the "
    return f"{article}{issuer.english}{abbreviation}"


def _join(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _what(doc: Document, glossary: Glossary, title_en: str) -> str:
    """What was issued: the English title, else "the [draft] <Kind> 《<Chinese title>》"."""
    english = title_en or (doc.title if doc.lang.startswith("en") else "")
    english = " ".join(english.split()).rstrip(".")
    if english:
        return english if english.lower().startswith("the ") else f"the {english}"
    kind = _kind(doc, glossary)
    draft = _is_draft(doc) and detect_doc_type(doc.title) not in _WRAPPERS
    words = ["the", "draft" if draft else "", kind.english if kind else "", _book_title(doc.title)]
    named = " ".join(w for w in words if w)
    return named if named != "the" else "a document"


def _kind(doc: Document, glossary: Glossary) -> DocType | None:
    """The document's kind (办法 → Measures), from its doc_type, else from its title."""
    for kind in (doc.doc_type.strip(), detect_doc_type(doc.title) or ""):
        entry = glossary.doc_type(kind) if kind not in _NOT_KINDS else None
        if entry:
            return entry
    return None


def _book_title(title: str) -> str:
    """The title in 《》 once; 《》 inside it become 〈〉 as Chinese typography nests them."""
    title = " ".join(title.split()).rstrip("。")
    if _wrapped(title):
        title = title[1:-1]
    return f"《{title.replace('《', '〈').replace('》', '〉')}》" if title else ""


def _wrapped(title: str) -> bool:
    """True when the whole title is already one 《…》 (not "《A》和《B》")."""
    depth = 0
    for i, ch in enumerate(title):
        depth += (ch == "《") - (ch == "》")
        if depth <= 0 and i < len(title) - 1:
            return False
    return title.startswith("《") and title.endswith("》") and depth == 0


def _is_draft(doc: Document) -> bool:
    """A draft published for public comment."""
    return doc.is_draft_for_comment or bool(doc.comment_deadline) or "征求意见稿" in doc.title


def _tail(doc: Document, published: date | None) -> str:
    """ "to seek public opinions [by …]" for drafts; ", which will take effect on …" else."""
    if _is_draft(doc):
        deadline = doc.comment_deadline
        return " to seek public opinions" + (f" by {english_date(deadline)}" if deadline else "")
    effective = doc.effective_date
    if effective and published and effective > published:
        return f", which will take effect on {english_date(effective)}"
    return ""
