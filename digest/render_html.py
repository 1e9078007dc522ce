"""The legal update as the body of an email: a table layout with inline styles only.

Outlook and Gmail drop <style> blocks, classes and scripts, so the template
(templates/digest.html) styles every element where it stands. Text is escaped by Jinja2's
autoescape; links pass safe_link (http and https only) before they reach the template.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

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

__all__ = ["TEMPLATES", "render_html", "template_environment"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class _EntryView:
    """One entry as the template prints it: cleaned text, safe links."""

    headline: str
    lead: str
    demo_note: str
    summary: list[list[str]]
    bullets: list[str]
    changes: list[str]
    original: str
    links: list[str]


@dataclass(frozen=True)
class _SectionView:
    title: str
    entries: list[_EntryView]


def render_html(d: Digest) -> str:
    """The digest as a complete HTML document for an email body."""
    template = template_environment().get_template("digest.html")
    return template.render(
        heading=one_line(d.heading()),
        firm_name=one_line(d.firm.name),
        demo_notice=DEMO_NOTICE if d.demo else "",
        introduction=paragraphs(d.introduction),
        sections=[_section(s) for s in d.sections if s.entries],
        subscription=one_line(d.firm.subscription),
        contact_label=CONTACT_LABEL,
        contacts=_contacts(d),
        footer=paragraphs(d.firm.footer),
        archive_url=safe_link(d.archive_url),
        changes_label=CHANGES_LABEL,
    )


@cache
def template_environment() -> Environment:
    """The template environment: autoescape always on, undefined names an error."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _section(section: Section) -> _SectionView:
    return _SectionView(one_line(section.title), [_entry(e) for e in section.entries])


def _entry(entry: Entry) -> _EntryView:
    amended = entry.kind == AMENDED_ENTRY
    return _EntryView(
        headline=one_line(entry.headline),
        lead=one_line(entry.lead),
        demo_note=DEMO_ENTRY_NOTE if entry.demo else "",
        summary=paragraphs(entry.summary),
        bullets=_lines(entry.bullets),
        changes=_lines(entry.changes) if amended else [],
        original=original_line(entry),
        links=entry_links(entry),
    )


def _contacts(d: Digest) -> list[list[str]]:
    """Each contact's non-empty lines; contacts without any are left out."""
    contacts = [_lines(c) for c in d.firm.contacts]
    return [c for c in contacts if c]


def _lines(items: tuple[str, ...]) -> list[str]:
    return [line for line in map(one_line, items) if line]
