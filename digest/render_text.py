"""The legal update as plain text, laid out like a law firm's monthly update.

Also the helpers every format shares: cleaning untrusted text, splitting it into paragraphs,
the safe links of an entry and the line that names the original document.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from digest.lead import english_date
from model.digest import AMENDED_ENTRY, DEMO_NOTICE, Digest, Entry, Section
from model.sanitize import safe_link

__all__ = [
    "CHANGES_LABEL",
    "CONTACT_LABEL",
    "DEMO_ENTRY_NOTE",
    "clean",
    "entry_links",
    "one_line",
    "original_line",
    "paragraphs",
    "render_text",
]

CHANGES_LABEL = "What changed:"
CONTACT_LABEL = "For more information, please contact:"
DEMO_ENTRY_NOTE = "Demo approval: approved by a rule, not reviewed by an editor."

# Characters XML 1.0 forbids or terminals act on: C0/C1 controls but tab and newline, lone
# surrogates, the two noncharacters U+FFFE and U+FFFF.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def clean(text: str) -> str:
    """Text with newlines as ``\\n`` and the characters XML forbids removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _FORBIDDEN.sub("", text)


def one_line(text: str) -> str:
    """Cleaned text on one line, runs of whitespace as one space."""
    return " ".join(clean(text).split())


def paragraphs(text: str) -> list[list[str]]:
    """The blank-line separated paragraphs of a text, each as its lines, trailing space cut."""
    found = []
    for block in _BLANK_LINE.split(clean(text)):
        lines = [line.rstrip() for line in block.strip("\n").split("\n")]
        if any(lines):
            found.append(lines)
    return found


def entry_links(entry: Entry) -> list[str]:
    """The entry's http(s) links, each once, in order; any other link is dropped."""
    safe = (safe_link(url) for url in entry.links)
    return list(dict.fromkeys(url for url in safe if url))


def original_line(entry: Entry) -> str:
    """ "Original title: 《…》, published July 24, 2020", or what of it is known; "" when the
    headline is the original title already."""
    title = one_line(entry.original_title)
    if title == one_line(entry.headline):
        return ""
    if title and not title.startswith("《"):
        title = f"《{title}》"
    when = english_date(entry.published_on) if entry.published_on else ""
    if title:
        return f"Original title: {title}" + (f", published {when}" if when else "")
    return f"Published {when}" if when else ""


def render_text(d: Digest) -> str:
    """The digest as plain text: headings, paragraphs, "•" bullets, links on their own lines."""
    blocks = [DEMO_NOTICE] if d.demo else []
    blocks += [_join_lines([one_line(d.heading()), one_line(d.firm.name)])]
    blocks += _paragraph_blocks(d.introduction)
    blocks += [_section(s) for s in d.sections if s.entries]
    blocks += _footer(d)
    return "\n\n".join(b for b in blocks if b) + "\n"


def _section(section: Section) -> str:
    """The uppercase title, underlined, then its entries."""
    title = one_line(section.title).upper()
    underline = "=" * _width(title)
    return "\n\n".join([f"{title}\n{underline}", *(_entry(e) for e in section.entries)])


def _entry(entry: Entry) -> str:
    """Headline, lead, summary, bullets, changes, original title and links."""
    blocks = [one_line(entry.headline), one_line(entry.lead)]
    blocks += [DEMO_ENTRY_NOTE] if entry.demo else []
    blocks += _paragraph_blocks(entry.summary)
    blocks += [_join_lines(f"  • {one_line(b)}" for b in entry.bullets)]
    blocks += [_changes(entry)]
    blocks += [original_line(entry), "\n".join(entry_links(entry))]
    return "\n\n".join(b for b in blocks if b)


def _changes(entry: Entry) -> str:
    """ "What changed:" and the change lines of an amended entry, else ""."""
    lines = [f"  - {one_line(c)}" for c in entry.changes if one_line(c)]
    if entry.kind != AMENDED_ENTRY or not lines:
        return ""
    return "\n".join([CHANGES_LABEL, *lines])


def _footer(d: Digest) -> list[str]:
    """Subscription line, contacts, the firm's footer and the archive link."""
    contacts = [_join_lines(one_line(line) for line in c) for c in d.firm.contacts]
    contacts = [c for c in contacts if c]
    blocks = [one_line(d.firm.subscription)]
    blocks += [CONTACT_LABEL, *contacts] if contacts else []
    blocks += _paragraph_blocks(d.firm.footer)
    return [*blocks, safe_link(d.archive_url)]


def _paragraph_blocks(text: str) -> list[str]:
    return ["\n".join(lines) for lines in paragraphs(text)]


def _join_lines(lines: Iterable[str]) -> str:
    """The non-empty lines, one per line."""
    return "\n".join(line for line in lines if line)


def _width(text: str) -> int:
    """How many columns the text takes in a terminal: wide (CJK) characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
