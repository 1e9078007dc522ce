"""The plain-text and Markdown legal update, and writing every format of a month to a folder."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from digest.render import FORMATS, parse_formats, write_digest
from digest.render_html import render_html
from digest.render_markdown import escape_markdown, render_markdown
from digest.render_text import CHANGES_LABEL, CONTACT_LABEL, render_text
from model.digest import DEMO_NOTICE, Section
from tests.digest.sample_digest import (
    ARCHIVE_URL,
    CII_CHANGES,
    CONTROL,
    CONTROLLED,
    DEMO,
    ENTRY_LINKS,
    FIRM,
    HEADLINES,
    JS_URL,
    MIIT_BULLETS,
    SAMPLE,
    SHENZHEN,
)

TEXT = render_text(SAMPLE)
MARKDOWN = render_markdown(SAMPLE)
FILES = ["regwatch-digest-2020-07." + ext for ext in ("html", "txt", "md", "docx")]


def lines_starting(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


# --- plain text -------------------------------------------------------------------------------


def test_text_opens_with_heading_and_firm_and_the_demo_notice_only_on_a_demo() -> None:
    assert TEXT.startswith(f"{SAMPLE.heading()}\nExample Law Firm\n\nWelcome to our July update.")
    assert DEMO_NOTICE not in TEXT
    assert render_text(DEMO).startswith(f"{DEMO_NOTICE}\n\n{SAMPLE.heading()}\n")


def test_text_sections_are_uppercase_and_underlined_and_empty_ones_left_out() -> None:
    assert "\n\nDATA PROTECTION\n===============\n\n" in TEXT
    assert "\n\nEARLIER DEVELOPMENTS\n====================\n\n" in TEXT
    assert "NO ENTRIES" not in TEXT


def test_text_underline_counts_wide_characters_twice() -> None:
    d = replace(SAMPLE, sections=(Section("data", "数据 A", (SHENZHEN,)),))
    assert "\n数据 A\n======\n" in render_text(d)


def test_text_entries_in_order_each_headline_lead_summary_then_link() -> None:
    positions = [TEXT.index(f"\n{h}\n\n") for h in HEADLINES]
    assert positions == sorted(positions)
    assert (
        f"\n\n{SHENZHEN.headline}\n\n{SHENZHEN.lead}\n\n"
        "The Draft Regulations propose the concept of “data right” for the first time.\n\n"
        "Public data is a new type of state-owned assets,\nand its data rights belong to the "
        "state.\n\nOriginal title: 《深圳经济特区数据条例（征求意见稿）》, published July 15, 2020"
        f"\n\n{SHENZHEN.links[0]}\n\n"
    ) in TEXT


def test_text_bullets_and_the_changes_of_the_amended_entry() -> None:
    assert lines_starting(TEXT, "  • ")[:3] == [f"  • {b}" for b in MIIT_BULLETS]
    changes = "\n".join(f"  - {c}" for c in CII_CHANGES)
    assert f"\n\n{CHANGES_LABEL}\n{changes}\n\n" in TEXT
    assert TEXT.count(CHANGES_LABEL) == 1


def test_text_links_on_their_own_lines_and_never_a_javascript_one() -> None:
    links = [line for line in TEXT.splitlines() if line.startswith(("http://", "https://"))]
    assert links == [*ENTRY_LINKS, ARCHIVE_URL]
    assert f"\n{ENTRY_LINKS[1]}\n{ENTRY_LINKS[2]}\n" in TEXT
    assert JS_URL + "\n" not in TEXT


def test_text_footer_subscription_contacts_footer_archive() -> None:
    tail = TEXT[TEXT.index(FIRM.subscription) :]
    assert tail == (
        f"{FIRM.subscription}\n\n{CONTACT_LABEL}\n\n"
        "Jane Doe | Partner\nExample Law Firm\nE: jane.doe@example.com\n\n"
        "John Roe | Counsel\nE: john.roe@example.com\n\n"
        f"Example Law Firm, Beijing.\n\nThis update is not legal advice.\n\n{ARCHIVE_URL}\n"
    )


def test_text_keeps_hostile_text_as_written() -> None:
    assert "\n<script>alert(1)</script> NISSIT seeks public opinions\n" in TEXT
    assert "Editor's note: *bold* [x](javascript:alert(1))\n" in TEXT


def test_text_ends_with_one_newline_and_is_deterministic() -> None:
    assert TEXT.endswith(f"{ARCHIVE_URL}\n")
    assert not TEXT.endswith("\n\n")
    assert "\n\n\n" not in TEXT
    assert render_text(replace(SAMPLE)) == TEXT


def test_text_without_archive_ends_with_the_footer() -> None:
    assert render_text(replace(SAMPLE, archive_url="")).endswith("not legal advice.\n")


def test_text_drops_control_characters() -> None:
    text = render_text(CONTROLLED)
    assert not set(CONTROL) & set(text)
    assert "Intro text" in text
    assert "\nHeadline\n" in text


# --- Markdown ---------------------------------------------------------------------------------


def test_markdown_headings_in_order() -> None:
    headings = lines_starting(MARKDOWN, "#")
    assert headings[0] == f"# {SAMPLE.heading()}"
    assert [h for h in headings if h.startswith("## ")] == [
        "## Data protection",
        "## Cybersecurity",
        "## Earlier developments",
    ]
    assert lines_starting(MARKDOWN, "### ")[2:4] == [
        f"### {HEADLINES[2]}",
        "### \\<script\\>alert(1)\\</script\\> NISSIT seeks public opinions",
    ]


def test_markdown_demo_notice_is_a_blockquote_at_the_top() -> None:
    assert render_markdown(DEMO).startswith("> **DEMO: the documents in this update")
    assert ">" not in MARKDOWN.splitlines()[0]
    assert "DEMO" not in MARKDOWN


def test_markdown_bullets_changes_and_autolinks() -> None:
    assert lines_starting(MARKDOWN, "- ")[:3] == [
        "- asking for permission frequently or excessively;",
        "- rejecting providing services if no permission is given;",
        "- \\- difficult to de-register the account.",
    ]
    assert f"**What changed:**\n\n- {CII_CHANGES[0]}\n- {CII_CHANGES[1]}\n" in MARKDOWN
    assert lines_starting(MARKDOWN, "<") == [f"<{u}>" for u in (*ENTRY_LINKS, ARCHIVE_URL)]


def test_markdown_contacts_keep_their_lines_with_hard_breaks() -> None:
    assert "Jane Doe \\| Partner\\\nExample Law Firm\\\nE: jane.doe@example.com\n" in MARKDOWN


def test_markdown_escapes_hostile_text() -> None:
    assert "Editor's note: \\*bold\\* \\[x\\](javascript:alert(1))\n" in MARKDOWN
    assert "\n\\# Not a heading\n\n1\\. not a list\n" in MARKDOWN
    assert "\\&" in MARKDOWN
    assert "![" not in MARKDOWN
    unescaped_angle = re.findall(r"(?<!\\)<(?!https?://)", MARKDOWN)
    assert unescaped_angle == []


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
        ("![i](https://e.x/i.png)", "!\\[i\\](https\\://e.x/i.png)"),
        ("<img src=x onerror=alert(1)>", "\\<img src=x onerror=alert(1)\\>"),
        ("a\\b `c` _d_ ~e~ x|y #1", "a\\\\b \\`c\\` \\_d\\_ \\~e\\~ x\\|y \\#1"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("2020. Year", "2020\\. Year"),
        ("1) item", "1\\) item"),
        ("=== setext", "\\=== setext"),
        ("  indented\tcode  ", "indented code"),
        ("see www.example.com", "see www\\.example.com"),
        ("x-y 1.2 3-4", "x-y 1.2 3-4"),
    ],
)
def test_escape_markdown(text: str, escaped: str) -> None:
    assert escape_markdown(text) == escaped


def test_markdown_autolink_cannot_be_closed_early() -> None:
    entry = replace(SHENZHEN, links=("https://e.x/a<b>c",))
    d = replace(SAMPLE, sections=(Section("data", "Data", (entry,)),))
    assert "\n<https://e.x/a%3Cb%3Ec>\n" in render_markdown(d)


def test_markdown_parsed_has_no_html_image_or_foreign_link() -> None:
    html = MarkdownIt("commonmark").enable("table").render(render_markdown(DEMO))
    tags = set(re.findall(r"<([a-z0-9]+)", html))
    assert tags <= {
        "a",
        "blockquote",
        "br",
        "em",
        "h1",
        "h2",
        "h3",
        "hr",
        "li",
        "p",
        "strong",
        "ul",
    }
    assert "<h3>&lt;script&gt;alert(1)&lt;/script&gt; NISSIT seeks public opinions</h3>" in html
    assert re.findall(r'<a href="([^"]*)"', html) == [
        u.replace("&", "&amp;") for u in (*ENTRY_LINKS, ARCHIVE_URL)
    ]


def test_markdown_is_deterministic_and_ends_with_one_newline() -> None:
    assert render_markdown(replace(SAMPLE)) == MARKDOWN
    assert MARKDOWN.endswith(f"<{ARCHIVE_URL}>\n")
    assert "\n\n\n" not in MARKDOWN


# --- formats and files ------------------------------------------------------------------------


def test_formats_map_names_to_extensions() -> None:
    assert {n: ext for n, (ext, _) in FORMATS.items()} == {
        "html": ".html",
        "text": ".txt",
        "md": ".md",
        "docx": ".docx",
    }


def test_parse_formats_keeps_order_and_drops_repeats() -> None:
    assert parse_formats("html,text") == ["html", "text"]
    assert parse_formats(" MD , docx,md ,") == ["md", "docx"]


@pytest.mark.parametrize("spec", ["pdf", "html,pdf", "txt"])
def test_parse_formats_names_the_valid_formats_for_an_unknown_one(spec: str) -> None:
    with pytest.raises(ValueError, match=r"unknown digest format .*; use html, text, md, docx"):
        parse_formats(spec)


def test_parse_formats_refuses_nothing() -> None:
    with pytest.raises(ValueError, match="no digest format given"):
        parse_formats(" , ")


def test_write_digest_writes_every_format_into_a_new_folder(tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder"
    paths = write_digest(SAMPLE, list(FORMATS), out)
    assert [p.name for p in paths] == FILES
    assert sorted(os.listdir(out)) == sorted(FILES)
    assert (out / FILES[1]).read_text(encoding="utf-8") == TEXT
    assert (out / FILES[0]).read_bytes() == render_html(SAMPLE).encode("utf-8")
    assert (out / FILES[3]).read_bytes()[:2] == b"PK"


def test_write_digest_replaces_an_old_file(tmp_path: Path) -> None:
    (tmp_path / FILES[2]).write_text("old", encoding="utf-8")
    assert write_digest(SAMPLE, ["md"], tmp_path) == [tmp_path / FILES[2]]
    assert (tmp_path / FILES[2]).read_text(encoding="utf-8") == MARKDOWN
    assert os.listdir(tmp_path) == [FILES[2]]


def test_write_digest_refuses_an_unknown_format_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'pdf'"):
        write_digest(SAMPLE, ["text", "pdf"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_write_digest_leaves_no_temporary_file_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / FILES[1]).write_text("old", encoding="utf-8")

    def refuse(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_digest(SAMPLE, ["text"], tmp_path)
    assert os.listdir(tmp_path) == [FILES[1]]
    assert (tmp_path / FILES[1]).read_text(encoding="utf-8") == "old"
