"""The legal update as an email body: parsed back with lxml and checked element by element."""

from __future__ import annotations

from dataclasses import replace

import jinja2
import lxml.html
import pytest

from digest.render_html import render_html, template_environment
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
    MIIT_BULLETS,
    SAMPLE,
    SCRIPT,
    SECTION_TITLES,
    SHENZHEN,
)

HTML = render_html(SAMPLE)
STYLED = ("body", "table", "td", "h1", "h2", "h3", "p", "ul", "li", "a")


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


PAGE = parse(HTML)


def texts(page: lxml.html.HtmlElement, xpath: str) -> list[str]:
    return [e.text_content() for e in page.xpath(xpath)]


def test_a_complete_document_in_english_with_a_title() -> None:
    assert HTML.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert HTML.endswith("</html>\n")
    assert PAGE.get("lang") == "en"
    assert texts(PAGE, "//head/title") == [SAMPLE.heading()]
    assert PAGE.xpath("//head/meta/@charset") == ["utf-8"]


def test_a_centered_600px_table_holds_all_the_content() -> None:
    (inner,) = PAGE.xpath("//table[@width='600']")
    assert inner.getparent().tag == "td"
    assert inner.getparent().get("align") == "center"
    assert "width:600px" in inner.get("style")
    content = PAGE.xpath("//body//*[self::h1 or self::h2 or self::h3 or self::p or self::ul]")
    assert content
    assert all(inner in e.iterancestors() for e in content)


def test_no_script_style_class_or_event_handler() -> None:
    assert PAGE.xpath("//script | //style | //link | //img | //iframe") == []
    assert PAGE.xpath("//@class | //@id") == []
    names = {a.attrname for a in PAGE.xpath("//@*")}
    assert not [n for n in names if n.lower().startswith("on")]


@pytest.mark.parametrize("tag", STYLED)
def test_every_element_is_styled_inline(tag: str) -> None:
    elements = PAGE.xpath(f"//{tag}")
    assert elements
    assert all(":" in (e.get("style") or "") for e in elements)


def test_headings_in_order() -> None:
    headings = texts(PAGE, "//*[self::h1 or self::h2 or self::h3]")
    assert headings == [
        SAMPLE.heading(),
        SECTION_TITLES[0],
        *HEADLINES[:2],
        SECTION_TITLES[1],
        *HEADLINES[2:4],
        SECTION_TITLES[2],
        HEADLINES[4],
    ]


def test_hostile_text_is_escaped_not_markup() -> None:
    assert texts(PAGE, "//h3")[3] == f"{SCRIPT} NISSIT seeks public opinions"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in HTML
    assert "<b>" not in HTML
    assert PAGE.xpath("//b") == []


def test_every_link_is_http_and_shows_its_url() -> None:
    links = PAGE.xpath("//a")
    assert [a.get("href") for a in links] == [*ENTRY_LINKS, ARCHIVE_URL]
    assert all(a.text_content() == a.get("href") for a in links)


def test_a_link_cannot_break_out_of_its_attribute() -> None:
    url = 'https://e.x/"onmouseover="alert(1)'
    entry = replace(SHENZHEN, links=(url,))
    page = parse(render_html(replace(SAMPLE, sections=(Section("d", "D", (entry,)),))))
    (link,) = page.xpath("//a[not(contains(@href, 'archive'))]")
    assert link.get("href") == url
    assert link.get("onmouseover") is None


def test_demo_banner_only_in_the_demo() -> None:
    assert DEMO_NOTICE not in PAGE.text_content()
    demo = parse(render_html(DEMO))
    (banner,) = [td for td in demo.xpath("//td") if td.text_content() == DEMO_NOTICE]
    assert "background-color:#b00020" in banner.get("style")
    assert demo.xpath("//table[@width='600']/tr[1]/td")[0] is banner


def test_bullets_as_a_list_and_the_changes_of_the_amended_entry() -> None:
    assert texts(PAGE, "(//ul)[1]/li") == list(MIIT_BULLETS)
    (label,) = PAGE.xpath("//p[.='What changed:']")
    assert texts(label, "following-sibling::ul[1]/li") == list(CII_CHANGES)


def test_summary_paragraphs_keep_their_line_breaks() -> None:
    (paragraph,) = PAGE.xpath("//p[starts-with(., 'Public data')]")
    assert len(paragraph.xpath("br")) == 1
    assert texts(PAGE, "//p[starts-with(., 'Original title')]")[0] == (
        "Original title: 《深圳经济特区数据条例（征求意见稿）》, published July 15, 2020"
    )


def test_footer_has_subscription_contacts_and_firm_footer() -> None:
    footer = PAGE.xpath("//table[@width='600']/tr[last()]/td")[0]
    paragraphs = [p.text_content() for p in footer.xpath("p")]
    assert paragraphs == [
        FIRM.subscription,
        "For more information, please contact:",
        "Jane Doe | PartnerExample Law FirmE: jane.doe@example.com",
        "John Roe | CounselE: john.roe@example.com",
        "Example Law Firm, Beijing.",
        "This update is not legal advice.",
        ARCHIVE_URL,
    ]
    assert len(footer.xpath("p[3]/br")) == 2


def test_control_characters_are_dropped() -> None:
    html = render_html(CONTROLLED)
    assert not set(CONTROL) & set(html)
    assert texts(parse(html), "//h3") == ["Headline"]


def test_template_refuses_a_missing_value() -> None:
    template = template_environment().get_template("digest.html")
    with pytest.raises(jinja2.UndefinedError):
        template.render(heading="x")


def test_rendering_is_deterministic() -> None:
    assert render_html(replace(SAMPLE)) == HTML
