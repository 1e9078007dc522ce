"""The RSS, Atom and OPML writers: hostile text still makes well-formed feeds (RELIABILITY 39)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest
from lxml import etree

from digest.feeds import (
    ATOM_NS,
    EMPTY_FEED_UPDATED,
    Feed,
    FeedItem,
    atom,
    entry_html,
    opml,
    rfc822,
    rfc3339,
    rss,
    xml_text,
)
from model.document import BEIJING

HOSTILE = 'A ]]> <script>alert("x")</script> & B\x00\x01\x08\x0b\x0c\x1f|\ud800\udfff\ufffe\uffff|Z'
HOSTILE_CLEAN = 'A ]]> <script>alert("x")</script> & B||Z'
LONG_BODY = "个人信息保护" * 3333 + "!!"  # 20,000 characters
PUBLISHED = datetime(2026, 3, 2, 9, 30, tzinfo=BEIJING)
UPDATED = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
WRITERS: dict[str, Callable[[Feed], bytes]] = {"rss": rss, "atom": atom}


def item(**fields: Any) -> FeedItem:
    values: dict[str, Any] = {
        "id": "tag:feeds.example.com,2026:document/7",
        "title": "CAC issues the Measures on Data Export",
        "link": "https://www.cac.gov.cn/2026-03/02/c_1.htm?a=1&b=2",
        "published": PUBLISHED,
        "updated": UPDATED,
        "original_title": "数据出境安全评估办法",
        "lead": "On March 2, 2026, the CAC issued the Measures.",
        "paragraphs": ("First paragraph.", "Second paragraph."),
        "bullets": ("Scope widened", "Deadline: 30 days"),
        "categories": ("cross_border", "personal_information"),
    }
    return FeedItem(**(values | fields))


def feed(*items: FeedItem, **fields: Any) -> Feed:
    values: dict[str, Any] = {
        "path": "all.rss",
        "title": "regwatch: all",
        "subtitle": "Approved regulation",
        "self_url": "https://feeds.example.com/feeds/all.rss",
        "home_url": "https://feeds.example.com/",
        "items": items,
    }
    return Feed(**(values | fields))


def strict(data: bytes) -> Any:
    """The document parsed by lxml with recovery off: malformed XML raises."""
    return etree.fromstring(data, etree.XMLParser(recover=False, resolve_entities=False))


def parsed(data: bytes) -> Any:
    result = feedparser.parse(data)
    assert not result.bozo, result.get("bozo_exception")
    return result


def content_of(entry: Any) -> str:
    return str(entry.content[0].value if "content" in entry else entry.description)


# --- hostile content -------------------------------------------------------------------------


def test_xml_text_drops_only_what_xml_1_0_forbids() -> None:
    kept = "tab\tnl\ncr\r 数据 \U0001f600 \x7f \u2028 ]]> & <"
    assert xml_text(kept) == kept
    assert xml_text("a\x00b\x08c\x0bd\x0ce\x0ef\x1fg\ud800h\udfffi\ufffej\uffff") == "abcdefghij"


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_hostile_titles_and_bodies_still_make_well_formed_feeds(kind: str) -> None:
    hostile = item(
        title=HOSTILE,
        original_title=HOSTILE,
        lead=HOSTILE,
        paragraphs=(LONG_BODY, HOSTILE),
        bullets=(HOSTILE,),
        categories=(HOSTILE,),
    )
    data = WRITERS[kind](feed(hostile, title=HOSTILE, subtitle=HOSTILE))
    strict(data)
    result = parsed(data)
    assert result.version == ("atom10" if kind == "atom" else "rss20")
    assert result.feed.title == HOSTILE_CLEAN
    entry = result.entries[0]
    assert entry.title == HOSTILE_CLEAN
    body = content_of(entry)
    assert LONG_BODY in body
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "\ufffe" not in data.decode("utf-8")


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_the_body_is_escaped_html_of_the_plain_text_pieces(kind: str) -> None:
    one = item(original_title="《办法》<b>", lead="Lead & more.", paragraphs=("P1", "P2"))
    html = content_of(parsed(WRITERS[kind](feed(one))).entries[0])
    assert "<p>Original title: 《办法》&lt;b&gt;</p>" in html
    assert "<p>Lead &amp; more.</p>" in html
    assert "<p>P1</p>" in html and "<p>P2</p>" in html
    assert "<ul><li>Scope widened</li><li>Deadline: 30 days</li></ul>" in html
    link = "https://www.cac.gov.cn/2026-03/02/c_1.htm?a=1&amp;b=2"
    assert f'<a href="{link}">{link}</a>' in html


def test_entry_html_leaves_out_empty_pieces_and_unsafe_links() -> None:
    bare = item(lead="", paragraphs=(), bullets=(" ",), link='javascript:alert("x")')
    html = entry_html(bare)
    assert html == "<p>Original title: 数据出境安全评估办法</p>"


@pytest.mark.parametrize("kind", sorted(WRITERS))
@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<b>", "  JaVaScRiPt:x"])
def test_links_with_bad_schemes_are_left_out(kind: str, link: str) -> None:
    data = WRITERS[kind](feed(item(link=link)))
    entry = parsed(data).entries[0]
    assert "link" not in entry or not entry.link.lower().startswith(("javascript", "data"))
    assert b"javascript" not in data.lower() and b"data:" not in data


# --- identity and dates ----------------------------------------------------------------------


def test_rss_has_a_self_link_non_permalink_guids_and_rfc_822_dates() -> None:
    root = strict(rss(feed(item())))
    channel = root.find("channel")
    self_link = channel.find(f"{{{ATOM_NS}}}link")
    assert self_link.get("rel") == "self"
    assert self_link.get("href") == "https://feeds.example.com/feeds/all.rss"
    guid = channel.find("item/guid")
    assert guid.text == "tag:feeds.example.com,2026:document/7"
    assert guid.get("isPermaLink") == "false"
    assert channel.findtext("item/pubDate") == "Mon, 02 Mar 2026 09:30:00 +0800"
    assert channel.findtext("lastBuildDate") == "Thu, 05 Mar 2026 10:00:00 +0000"
    assert [c.text for c in channel.findall("item/category")] == [
        "cross_border",
        "personal_information",
    ]


def test_atom_has_ids_links_and_rfc_3339_dates() -> None:
    root = strict(atom(feed(item(), id="tag:feeds.example.com,2026:feeds/all.atom")))
    ns = {"a": ATOM_NS}
    assert root.findtext("a:id", namespaces=ns) == "tag:feeds.example.com,2026:feeds/all.atom"
    assert root.findtext("a:updated", namespaces=ns) == "2026-03-05T10:00:00+00:00"
    entry = root.find("a:entry", ns)
    assert entry.findtext("a:id", namespaces=ns) == "tag:feeds.example.com,2026:document/7"
    assert entry.findtext("a:published", namespaces=ns) == "2026-03-02T09:30:00+08:00"
    assert entry.find("a:content", ns).get("type") == "html"
    rels = {link.get("rel"): link.get("href") for link in root.findall("a:link", ns)}
    assert rels == {
        "self": "https://feeds.example.com/feeds/all.rss",
        "alternate": "https://feeds.example.com/",
    }


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_feed_readers_read_the_same_instants(kind: str) -> None:
    entry = parsed(WRITERS[kind](feed(item()))).entries[0]
    assert calendar.timegm(entry.published_parsed) == PUBLISHED.timestamp()
    assert entry.id == "tag:feeds.example.com,2026:document/7"
    if kind == "atom":
        assert calendar.timegm(entry.updated_parsed) == UPDATED.timestamp()


def test_dates_are_written_with_their_offset() -> None:
    assert rfc822(PUBLISHED) == "Mon, 02 Mar 2026 09:30:00 +0800"
    assert rfc3339(PUBLISHED) == "2026-03-02T09:30:00+08:00"
    with pytest.raises(ValueError, match="timezone-aware"):
        rfc3339(datetime(2026, 3, 2))


def test_naive_entry_dates_are_refused() -> None:
    with pytest.raises(ValueError, match="published must be timezone-aware"):
        item(published=datetime(2026, 3, 2, 9))
    with pytest.raises(ValueError, match="updated must be timezone-aware"):
        item(updated=datetime(2026, 3, 2, 9))


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_an_empty_feed_is_valid_and_its_bytes_do_not_change(kind: str) -> None:
    data = WRITERS[kind](feed())
    result = parsed(data)
    assert result.entries == []
    assert WRITERS[kind](feed()) == data
    assert feed().last_updated() == EMPTY_FEED_UPDATED


def test_the_feed_is_as_new_as_its_newest_entry() -> None:
    later = datetime(2026, 4, 1, tzinfo=UTC)
    both = feed(item(), item(id="tag:x,2026:document/8", updated=later))
    assert both.last_updated() == later


# --- OPML ------------------------------------------------------------------------------------


def test_opml_lists_feeds_with_escaped_titles_and_safe_urls_only() -> None:
    data = opml(
        "regwatch & co <feeds>",
        [
            (
                "Topic: A & B\x00",
                "https://feeds.example.com/feeds/topic/a.rss",
                "https://x.example/",
            ),
            ("Bad", "javascript:alert(1)", "https://x.example/"),
            ("No home", "https://feeds.example.com/feeds/all.atom", "file:///etc/passwd"),
        ],
    )
    root = strict(data)
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "regwatch & co <feeds>"
    outlines = root.findall("body/outline")
    assert [o.get("text") for o in outlines] == ["Topic: A & B", "No home"]
    assert outlines[0].get("xmlUrl") == "https://feeds.example.com/feeds/topic/a.rss"
    assert outlines[0].get("htmlUrl") == "https://x.example/"
    assert outlines[1].get("htmlUrl") is None
    assert all(o.get("type") == "rss" for o in outlines)
