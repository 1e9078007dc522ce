"""The legal update as Markdown (CommonMark and GitHub-flavoured): for wikis and archives.

Every piece of untrusted text is escaped, so what an editor or a government page wrote shows
as written and can never become a link, an image, HTML, a heading or a list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from digest.render_text import (
    CHANGES_LABEL,
    CONTACT_LABEL,
    DEMO_ENTRY_NOTE,
    entry_links,
    one_line,
    original_line,
    paragraphs,
)
from model.digest import AMENDED_ENTRY, DEMO_NOTICE, Digest, Entry, Section
from model.sanitize import safe_link

__all__ = ["escape_markdown", "render_markdown"]

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|&~])")
# What starts a block at the beginning of a line: a list item, a setext underline.
_BLOCK_START = re.compile(r"^(\d{1,9})(?=[.)])|^(?=[-+=])")
# What GitHub turns into a link by itself: "https://…", "www.…".
_BARE_LINK = re.compile(r"(?<=[A-Za-z])(?=://)|(?<![\w.])((?i:www))(?=\.)")


def escape_markdown(text: str) -> str:
    """One line of untrusted text as Markdown that shows exactly that text."""
    text = _SPECIAL.sub(r"\\\1", one_line(text))
    text = _BARE_LINK.sub(r"\1\\", text)
    return _BLOCK_START.sub(r"\1\\", text)


def render_markdown(d: Digest) -> str:
    """The digest as Markdown: "#" heading, "##" sections, "###" entries, "-" bullets."""
    blocks = [f"> **{escape_markdown(DEMO_NOTICE)}**"] if d.demo else []
    blocks += [f"# {escape_markdown(d.heading())}", escape_markdown(d.firm.name)]
    blocks += _paragraphs(d.introduction)
    blocks += [_section(s) for s in d.sections if s.entries]
    blocks += _footer(d)
    return "\n\n".join(b for b in blocks if b) + "\n"


def _section(section: Section) -> str:
    title = f"## {escape_markdown(section.title)}"
    return "\n\n".join([title, *(_entry(e) for e in section.entries)])


def _entry(entry: Entry) -> str:
    """Headline, lead, summary, bullets, changes, original title and links."""
    blocks = [f"### {escape_markdown(entry.headline)}", escape_markdown(entry.lead)]
    blocks += [f"*{escape_markdown(DEMO_ENTRY_NOTE)}*"] if entry.demo else []
    blocks += _paragraphs(entry.summary)
    blocks += [_list(entry.bullets), _changes(entry)]
    blocks += [escape_markdown(original_line(entry))]
    blocks += [_autolink(url) for url in entry_links(entry)]
    return "\n\n".join(b for b in blocks if b)


def _changes(entry: Entry) -> str:
    changes = _list(entry.changes)
    if entry.kind != AMENDED_ENTRY or not changes:
        return ""
    return f"**{escape_markdown(CHANGES_LABEL)}**\n\n{changes}"


def _footer(d: Digest) -> list[str]:
    """Subscription line, contacts (lines kept by hard breaks), firm footer, archive link."""
    contacts = [_hard_breaks(c) for c in d.firm.contacts]
    contacts = [c for c in contacts if c]
    blocks = ["---", escape_markdown(d.firm.subscription)]
    blocks += [escape_markdown(CONTACT_LABEL), *contacts] if contacts else []
    blocks += _paragraphs(d.firm.footer)
    archive = safe_link(d.archive_url)
    return [*blocks, _autolink(archive) if archive else ""]


def _paragraphs(text: str) -> list[str]:
    return [_soft_lines(lines) for lines in paragraphs(text)]


def _soft_lines(lines: Iterable[str]) -> str:
    """A paragraph's lines, each escaped (leading space cut: it would make a code block)."""
    return "\n".join(escape_markdown(line) for line in lines if line.strip())


def _hard_breaks(lines: Iterable[str]) -> str:
    """Lines kept apart by CommonMark hard line breaks (a backslash at the end)."""
    return "\\\n".join(escape_markdown(line) for line in lines if line.strip())


def _list(items: Iterable[str]) -> str:
    return "\n".join(f"- {escape_markdown(i)}" for i in items if one_line(i))


def _autolink(url: str) -> str:
    """ "<https://…>": a URL safe_link passed; "<" and ">" cannot end the autolink early."""
    return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"
