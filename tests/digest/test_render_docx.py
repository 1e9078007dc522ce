"""The legal update as a Word document: reopened with python-docx and checked by style."""

from __future__ import annotations

import io
from dataclasses import replace

import docx
from docx.document import Document
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.shared import RGBColor

from digest.render_docx import render_docx
from model.digest import DEMO_NOTICE
from tests.digest.sample_digest import (
    ARCHIVE_URL,
    CII_CHANGES,
    CONTROL,
    CONTROLLED,
    DEMO,
    ENTRY_LINKS,
    FIRM,
    HEADLINES,
    HOSTILE,
    MIIT_BULLETS,
    SAMPLE,
    SECTION_TITLES,
    SHENZHEN,
)

DATA = render_docx(SAMPLE)


def reopen(data: bytes) -> Document:
    return docx.Document(io.BytesIO(data))


DOC = reopen(DATA)


def styled(doc: Document, style: str) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style is not None and p.style.name == style]


def texts(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_title_and_core_properties() -> None:
    assert styled(DOC, "Title") == [SAMPLE.heading()]
    assert DOC.paragraphs[0].style is not None
    assert DOC.paragraphs[0].style.name == "Title"
    assert DOC.core_properties.title == SAMPLE.heading()
    assert DOC.core_properties.subject == "Data, Cyber and Privacy Legal Update, July 2020"
    assert DOC.core_properties.author == FIRM.name


def test_one_heading_1_per_section_with_entries() -> None:
    assert styled(DOC, "Heading 1") == list(SECTION_TITLES)


def test_one_heading_2_per_entry_in_order_each_followed_by_its_lead() -> None:
    assert styled(DOC, "Heading 2") == list(HEADLINES)
    all_texts = texts(DOC)
    after = all_texts[all_texts.index(SHENZHEN.headline) + 1]
    assert after == SHENZHEN.lead


def test_summary_paragraphs_are_normal_with_their_line_breaks() -> None:
    normal = styled(DOC, "Normal")
    assert "The Draft Regulations propose the concept of “data right” for the first time." in normal
    assert "Public data is a new type of state-owned assets,\nand its data" in "".join(normal)


def test_bullets_and_changes_in_list_bullet_style() -> None:
    assert styled(DOC, "List Bullet") == [*MIIT_BULLETS, *CII_CHANGES, *HOSTILE.bullets]
    all_texts = texts(DOC)
    assert all_texts[all_texts.index("What changed:") + 1] == CII_CHANGES[0]


def test_source_links_are_external_hyperlinks() -> None:
    rels = DOC.part.rels.values()
    targets = {r.target_ref for r in rels if r.reltype == RELATIONSHIP_TYPE.HYPERLINK}
    assert targets == {*ENTRY_LINKS, ARCHIVE_URL}
    assert all(r.is_external for r in rels if r.reltype == RELATIONSHIP_TYPE.HYPERLINK)
    shown = [h.address for p in DOC.paragraphs for h in p.hyperlinks]
    assert shown == [*ENTRY_LINKS, ARCHIVE_URL]
    assert all(h.text == h.address for p in DOC.paragraphs for h in p.hyperlinks)


def test_a_javascript_link_is_not_a_hyperlink() -> None:
    assert not any("javascript" in r.target_ref for r in DOC.part.rels.values() if r.is_external)


def test_hostile_text_stays_text() -> None:
    assert HOSTILE.headline in styled(DOC, "Heading 2")
    assert HOSTILE.bullets[0] in styled(DOC, "List Bullet")


def test_demo_notice_bold_and_red_only_in_the_demo() -> None:
    assert DEMO_NOTICE not in texts(DOC)
    demo = reopen(render_docx(DEMO))
    (notice,) = [p for p in demo.paragraphs if p.text == DEMO_NOTICE]
    assert demo.paragraphs[1].text == DEMO_NOTICE
    (run,) = notice.runs
    assert run.bold is True
    assert run.font.color.rgb == RGBColor(0xB0, 0x00, 0x20)


def test_contacts_and_footer_close_the_document() -> None:
    tail = texts(DOC)[-7:]
    assert tail == [
        FIRM.subscription,
        "For more information, please contact:",
        "Jane Doe | Partner\nExample Law Firm\nE: jane.doe@example.com",
        "John Roe | Counsel\nE: john.roe@example.com",
        "Example Law Firm, Beijing.",
        "This update is not legal advice.",
        ARCHIVE_URL,
    ]


def test_control_characters_do_not_break_the_document() -> None:
    doc = reopen(render_docx(CONTROLLED))
    assert styled(doc, "Heading 1") == ["Data protection"]
    assert styled(doc, "Heading 2") == ["Headline"]
    assert styled(doc, "List Bullet") == ["Bullet"]
    assert "Intro text" in texts(doc)
    assert not set(CONTROL) & set("".join(texts(doc)))


def test_the_same_digest_gives_the_same_bytes() -> None:
    assert render_docx(replace(SAMPLE)) == DATA
    assert render_docx(DEMO) != DATA
