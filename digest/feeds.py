"""RSS 2.0, Atom 1.0 and OPML writers: plain dataclasses in, well-formed UTF-8 XML out.

Every text goes through :func:`xml_text` (characters XML 1.0 forbids are dropped) and into
the tree through lxml, which escapes it; entry bodies are HTML built from escaped plain text,
with links only through :func:`model.sanitize.safe_link`. No I/O and no storage here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from lxml import etree

from model.sanitize import safe_link

ATOM_NS = "http://www.w3.org/2005/Atom"
GENERATOR = "regwatch"
EMPTY_FEED_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)
"""The ``updated`` of a feed without entries (fixed, so an empty feed's bytes never change)."""

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 forbids (controls, lone surrogates, U+FFFE/F)."""
    return _ILLEGAL_XML.sub("", value)


def _aware(at: datetime, what: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got {at!r}")
    return at


@dataclass(frozen=True)
class FeedItem:
    """One entry: a document as clients read it. ``id`` never changes for the document."""

    id: str
    title: str
    link: str
    published: datetime
    updated: datetime
    original_title: str = ""
    lead: str = ""
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _aware(self.published, "published")
        _aware(self.updated, "updated")


@dataclass(frozen=True)
class Feed:
    """A feed: its path in the set, its titles, its own and its home address, its entries."""

    path: str
    title: str
    subtitle: str
    self_url: str
    home_url: str
    items: tuple[FeedItem, ...] = ()
    id: str = ""
    """The Atom feed id; the self URL when empty."""
    updated: datetime | None = None
    """When the feed last changed; the newest entry's ``updated`` when None."""

    def last_updated(self) -> datetime:
        """The feed's ``updated``: given, else its newest entry's, else a fixed date."""
        if self.updated is not None:
            return _aware(self.updated, "updated")
        return max((i.updated for i in self.items), default=EMPTY_FEED_UPDATED)


def rfc822(at: datetime) -> str:
    """An aware datetime as RSS writes it: "Mon, 02 Mar 2026 09:00:00 +0800"."""
    return format_datetime(_aware(at, "date"))


def rfc3339(at: datetime) -> str:
    """An aware datetime as Atom writes it: "2026-03-02T09:00:00+08:00"."""
    return _aware(at, "date").isoformat(timespec="seconds")


def _escaped(value: str) -> str:
    return html.escape(xml_text(value), quote=True)


def _paragraph(value: str, label: str = "") -> str:
    return f"<p>{_escaped(label)}{_escaped(value)}</p>" if value.strip() else ""


def _bullet_list(bullets: Sequence[str]) -> str:
    items = "".join(f"<li>{_escaped(b)}</li>" for b in bullets if b.strip())
    return f"<ul>{items}</ul>" if items else ""


def _source_paragraph(url: str) -> str:
    link = _escaped(safe_link(url))
    return f'<p>Source: <a href="{link}">{link}</a></p>' if link else ""


def entry_html(item: FeedItem) -> str:
    """The entry's body as HTML: original title, lead, summary, bullets and source link."""
    parts = [
        _paragraph(item.original_title, "Original title: "),
        _paragraph(item.lead),
        *(_paragraph(p) for p in item.paragraphs),
        _bullet_list(item.bullets),
        _source_paragraph(item.link),
    ]
    return "\n".join(p for p in parts if p)


def _sub(
    parent: Any, tag: str, text: str | None = None, attrs: dict[str, str] | None = None
) -> Any:
    element = etree.SubElement(parent, tag, {k: xml_text(v) for k, v in (attrs or {}).items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def _serialise(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))


def _atom(tag: str) -> str:
    return f"{{{ATOM_NS}}}{tag}"


def rss(feed: Feed) -> bytes:
    """The feed as RSS 2.0, with an ``atom:link rel="self"``."""
    root = etree.Element("rss", {"version": "2.0"}, nsmap={"atom": ATOM_NS})
    channel = _sub(root, "channel")
    _sub(channel, "title", feed.title)
    if home := safe_link(feed.home_url):
        _sub(channel, "link", home)
    _sub(channel, "description", feed.subtitle or feed.title)
    if own := safe_link(feed.self_url):
        attrs = {"href": own, "rel": "self", "type": "application/rss+xml"}
        _sub(channel, _atom("link"), attrs=attrs)
    _sub(channel, "lastBuildDate", rfc822(feed.last_updated()))
    _sub(channel, "generator", GENERATOR)
    for item in feed.items:
        _rss_item(channel, item)
    return _serialise(root)


def _rss_item(channel: Any, item: FeedItem) -> None:
    element = _sub(channel, "item")
    _sub(element, "title", item.title)
    if link := safe_link(item.link):
        _sub(element, "link", link)
    _sub(element, "description", entry_html(item))
    _sub(element, "guid", item.id, {"isPermaLink": "false"})
    _sub(element, "pubDate", rfc822(item.published))
    for category in item.categories:
        _sub(element, "category", category)


def atom(feed: Feed) -> bytes:
    """The feed as Atom 1.0 (RFC 4287)."""
    root = etree.Element(_atom("feed"), nsmap={None: ATOM_NS})
    _sub(root, _atom("id"), feed.id or feed.self_url)
    _sub(root, _atom("title"), feed.title, {"type": "text"})
    if feed.subtitle:
        _sub(root, _atom("subtitle"), feed.subtitle, {"type": "text"})
    _sub(root, _atom("updated"), rfc3339(feed.last_updated()))
    _sub(_sub(root, _atom("author")), _atom("name"), feed.title)
    _atom_link(root, feed.home_url, "alternate", "text/html")
    _atom_link(root, feed.self_url, "self", "application/atom+xml")
    _sub(root, _atom("generator"), GENERATOR)
    for item in feed.items:
        _atom_entry(root, item)
    return _serialise(root)


def _atom_link(parent: Any, url: str, rel: str, media_type: str = "") -> None:
    if href := safe_link(url):
        attrs = {"rel": rel, "href": href} | ({"type": media_type} if media_type else {})
        _sub(parent, _atom("link"), attrs=attrs)


def _atom_entry(root: Any, item: FeedItem) -> None:
    entry = _sub(root, _atom("entry"))
    _sub(entry, _atom("id"), item.id)
    _sub(entry, _atom("title"), item.title, {"type": "text"})
    _atom_link(entry, item.link, "alternate")
    _sub(entry, _atom("published"), rfc3339(item.published))
    _sub(entry, _atom("updated"), rfc3339(item.updated))
    for category in item.categories:
        _sub(entry, _atom("category"), attrs={"term": category})
    _sub(entry, _atom("content"), entry_html(item), {"type": "html"})


def opml(title: str, feeds: Sequence[tuple[str, str, str]]) -> bytes:
    """An OPML 2.0 subscription list of ``(title, feed URL, home URL)``; unsafe URLs left out."""
    root = etree.Element("opml", {"version": "2.0"})
    _sub(_sub(root, "head"), "title", title)
    body = _sub(root, "body")
    for name, xml_url, html_url in feeds:
        if not (feed_url := safe_link(xml_url)):
            continue
        attrs = {"type": "rss", "text": name, "title": name, "xmlUrl": feed_url}
        if home := safe_link(html_url):
            attrs["htmlUrl"] = home
        _sub(body, "outline", attrs=attrs)
    return _serialise(root)
