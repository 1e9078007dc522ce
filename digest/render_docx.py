"""The legal update as a Word document, for the lawyers who edit it before it goes out.

Title, one Heading 1 per section, one Heading 2 per entry, "List Bullet" bullets and source
links as real hyperlinks. The bytes are reproducible: the same digest gives the same file.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.shared import RGBColor
from docx.text.paragraph import Paragraph

from digest.render_text import (
    CHANGES_LABEL,
    CONTACT_LABEL,
    DEMO_ENTRY_NOTE,
    clean,
    entry_links,
    one_line,
    original_line,
    paragraphs,
)
from model.digest import AMENDED_ENTRY, DEMO_NOTICE, Digest, Entry
from model.sanitize import safe_link

__all__ = ["render_docx"]

RED = RGBColor(0xB0, 0x00, 0x20)
LINK_BLUE = "0563C1"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def render_docx(d: Digest) -> bytes:
    """The digest as the bytes of a .docx file."""
    doc = Document()
    _properties(doc, d)
    doc.add_heading(one_line(d.heading()), level=0)
    if d.demo:
        _add_text(doc, DEMO_NOTICE, bold=True, color=RED)
    _add_text(doc, one_line(d.firm.name), italic=True)
    _add_paragraphs(doc, d.introduction)
    for section in (s for s in d.sections if s.entries):
        doc.add_heading(one_line(section.title), level=1)
        for entry in section.entries:
            _add_entry(doc, entry)
    _add_footer(doc, d)
    return _saved(doc)


def _properties(doc: DocxDocument, d: Digest) -> None:
    """Title, subject and author; fixed dates, so the file does not change from run to run."""
    props = doc.core_properties
    props.title = one_line(d.heading())
    props.subject = one_line(f"{d.title}, {d.month.english()}")
    props.author = props.last_modified_by = one_line(d.firm.name) or "regwatch"
    issued = d.month.next().first_day()
    props.created = props.modified = datetime(issued.year, issued.month, 1, tzinfo=UTC)


def _add_entry(doc: DocxDocument, entry: Entry) -> None:
    """Headline, lead, summary, bullets, changes, original title and links."""
    doc.add_heading(one_line(entry.headline), level=2)
    _add_text(doc, one_line(entry.lead))
    if entry.demo:
        _add_text(doc, DEMO_ENTRY_NOTE, italic=True, color=RED)
    _add_paragraphs(doc, entry.summary)
    _add_bullets(doc, entry.bullets)
    if entry.kind == AMENDED_ENTRY and any(map(one_line, entry.changes)):
        _add_text(doc, CHANGES_LABEL, bold=True)
        _add_bullets(doc, entry.changes)
    _add_text(doc, original_line(entry), italic=True)
    for url in entry_links(entry):
        _add_hyperlink(doc.add_paragraph(), url)


def _add_footer(doc: DocxDocument, d: Digest) -> None:
    """Subscription line, contacts (one paragraph each, lines kept), footer, archive link."""
    _add_text(doc, one_line(d.firm.subscription))
    contacts = [[one_line(line) for line in c if one_line(line)] for c in d.firm.contacts]
    contacts = [c for c in contacts if c]
    if contacts:
        _add_text(doc, CONTACT_LABEL)
    for lines in contacts:
        _add_text(doc, "\n".join(lines))
    _add_paragraphs(doc, d.firm.footer)
    archive = safe_link(d.archive_url)
    if archive:
        _add_hyperlink(doc.add_paragraph(), archive)


def _add_text(
    doc: DocxDocument,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    color: RGBColor | None = None,
) -> None:
    """A Normal paragraph of cleaned text ("\\n" becomes a line break); nothing when empty."""
    text = clean(text)
    if not text.strip():
        return
    run = doc.add_paragraph().add_run(text)
    run.bold = bold or None
    run.italic = italic or None
    if color is not None:
        run.font.color.rgb = color


def _add_paragraphs(doc: DocxDocument, text: str) -> None:
    """Each blank-line separated paragraph of the text, its lines kept as line breaks."""
    for lines in paragraphs(text):
        _add_text(doc, "\n".join(lines))


def _add_bullets(doc: DocxDocument, items: Iterable[str]) -> None:
    for item in filter(None, map(one_line, items)):
        doc.add_paragraph(item, style="List Bullet")


def _add_hyperlink(paragraph: Paragraph, url: str) -> None:
    """Append a clickable link to ``url``, showing the URL, blue and underlined."""
    rel_id = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink", {qn("r:id"): rel_id})
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    props.append(OxmlElement("w:color", {qn("w:val"): LINK_BLUE}))
    props.append(OxmlElement("w:u", {qn("w:val"): "single"}))
    text = OxmlElement("w:t")
    text.text = url
    run.append(props)
    run.append(text)
    link.append(run)
    paragraph._p.append(link)


def _saved(doc: DocxDocument) -> bytes:
    """The document's bytes, its zip entries stamped with one fixed time."""
    raw = io.BytesIO()
    doc.save(raw)
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            stamped = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            stamped.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(stamped, src.read(info.filename))
    return fixed.getvalue()
