"""Safe parsing of RSS 2.0, RSS 1.0 and Atom feeds, and of other small XML such as sitemaps.

XML from the network is hostile input (RELIABILITY 12). :func:`parse_xml` stops at a document
type declaration before libxml2 reads its internal subset, so no entity is ever declared, let
alone expanded, and nothing is fetched from the network or the local disk. It keeps libxml2's
default limits on nesting depth (256), names and entity amplification (no ``huge_tree``), never
uses recover mode, and refuses input over :data:`MAX_FEED_BYTES`. Every refusal is a
:class:`FeedError` with a one-line reason; no regular expression ever runs over the document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urljoin, urlsplit

from lxml import etree

__all__ = ["MAX_FEED_BYTES", "FeedEntry", "FeedError", "parse_feed", "parse_xml"]

MAX_FEED_BYTES = 10 * 1024 * 1024
_DOCTYPE_REFUSED = "XML with a DOCTYPE is refused (entities are not expanded)"

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RSS1 = "http://purl.org/rss/1.0/"
_ATOM = "http://www.w3.org/2005/Atom"
_DC_DATE = "{http://purl.org/dc/elements/1.1/}date"
_HTML_ROOTS = frozenset({"html", "head", "body", "script", "meta", "noscript"})
_SNIPPET_CHARS = 60
_SCAN_CHUNK = 64 * 1024
_REASON_CHARS = 120


class FeedError(ValueError):
    """The bytes are not a feed we accept; the message says why in one line."""


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed, as published."""

    title: str
    link: str  # absolute http(s) URL, resolved against the feed's URL when relative
    published: str  # raw date text (pubDate, published, updated or dc:date), "" if none


def _parser(target: object = None) -> Any:
    """A fresh libxml2 parser that expands no entity, loads no DTD and fetches nothing."""
    return etree.XMLParser(
        target=target,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=True,
    )


def _snippet(data: bytes) -> str:
    """The first characters of data on one line, quoted, to show what a refused input was."""
    text = data[: _SNIPPET_CHARS * 4].decode("utf-8", "replace").lstrip("\ufeff")
    return repr(" ".join(text.split())[:_SNIPPET_CHARS])


def _not_xml(err: Exception, data: bytes) -> NoReturn:
    """Raise the FeedError for input libxml2 could not parse."""
    reason = " ".join(str(getattr(err, "msg", None) or err).split())[:_REASON_CHARS]
    raise FeedError(f"not XML ({reason}): starts with {_snippet(data)}") from None


def _not_html(name: str, data: bytes) -> None:
    """Raise a FeedError when name (a DOCTYPE or root element name) says this is HTML."""
    if name.lower() in _HTML_ROOTS:
        raise FeedError(f"not XML but an HTML page: starts with {_snippet(data)}")


class _Stop(Exception):
    """Ends the prolog scan: at a DOCTYPE (its name) or at the root start tag (None)."""

    def __init__(self, doctype: str | None) -> None:
        super().__init__(doctype)
        self.doctype = doctype


class _PrologScan:
    """Parser target that stops at the DOCTYPE, before its internal subset, or the root tag."""

    def doctype(self, name: str | None, public_id: str | None, system_url: str | None) -> None:
        raise _Stop(name or "")

    def start(self, *args: object) -> None:
        raise _Stop(None)

    def close(self) -> None:
        return None


def _refuse_doctype(data: bytes) -> None:
    """Raise FeedError when data declares a DOCTYPE; reads the prolog only, declares nothing."""
    parser = _parser(target=_PrologScan())
    try:
        for start in range(0, len(data), _SCAN_CHUNK):  # chunks: stop soon after the prolog
            parser.feed(data[start : start + _SCAN_CHUNK])
        parser.close()
    except _Stop as stop:
        if stop.doctype is not None:
            _not_html(stop.doctype, data)
            raise FeedError(_DOCTYPE_REFUSED) from None
    except etree.ParseError as err:
        _not_xml(err, data)


def _parse_hardened(data: bytes) -> etree._Element:
    """The root element of data parsed with the hardened parser; raises lxml's errors."""
    return etree.fromstring(data, _parser())


def parse_xml(data: bytes) -> etree._Element:
    """The root element (``lxml.etree._Element``) of a feed, sitemap or other DTD-less XML.

    Honours the encoding in the XML declaration or BOM (UTF-8 without one). Raises FeedError
    for input that is empty, over MAX_FEED_BYTES, has a DOCTYPE, is not well-formed (which
    includes nesting deeper than 256 elements, e.g. 10 000 or 100 000 levels) or is an HTML
    page, such as an anti-bot challenge.
    """
    if len(data) > MAX_FEED_BYTES:
        raise FeedError(f"XML of {len(data)} bytes is refused (limit {MAX_FEED_BYTES})")
    if not data.strip():
        raise FeedError("not XML: the document is empty")
    _refuse_doctype(data)
    try:
        root = _parse_hardened(data)
    except etree.ParseError as err:
        _not_xml(err, data)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise FeedError(_DOCTYPE_REFUSED)
    _not_html(str(etree.QName(root).localname), data)
    return root


def _text(element: etree._Element, *paths: str) -> str:
    """Whitespace-collapsed text of the first element at paths that has any."""
    for path in paths:
        found = element.find(path)
        if found is not None and (text := " ".join("".join(found.itertext()).split())):
            return text
    return ""


def _atom_link(entry: etree._Element) -> str:
    """href of the entry's first alternate link (rel absent or "alternate"), else first link."""
    links = [link for link in entry.iterfind(f"{{{_ATOM}}}link") if link.get("href", "").strip()]
    alternates = [link for link in links if link.get("rel", "alternate").strip() == "alternate"]
    return str((alternates or links)[0].get("href")).strip() if links else ""


def _absolute(link: str, base_url: str) -> str | None:
    """link resolved against base_url when it is an http(s) URL, else None."""
    if not link:
        return None
    try:
        url = urljoin(base_url, link)
        scheme = urlsplit(url).scheme
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    return url if scheme in ("http", "https") else None


def _entry(
    item: etree._Element, link: str, date_paths: tuple[str, ...], base_url: str
) -> FeedEntry | None:
    """The FeedEntry of one item or entry, or None when it has no usable link."""
    url = _absolute(link, base_url)
    if url is None:
        return None
    namespace = etree.QName(item).namespace
    title = _text(item, f"{{{namespace}}}title" if namespace else "title")
    return FeedEntry(title=title, link=url, published=_text(item, *date_paths))


def parse_feed(data: bytes, base_url: str) -> list[FeedEntry]:
    """Entries of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, in document order.

    Entries without a link, or whose link is not http(s), are skipped. Raises FeedError for
    anything :func:`parse_xml` refuses and for XML that is none of these feeds.
    """
    root = parse_xml(data)
    dates: tuple[str, ...]
    if root.tag == "rss":
        dates = ("pubDate", _DC_DATE)
        found = [(it, _text(it, "link")) for it in root.iterfind("channel/item")]
    elif root.tag == f"{{{_RDF}}}RDF":
        dates = (_DC_DATE,)
        found = [(it, _text(it, f"{{{_RSS1}}}link")) for it in root.iterfind(f"{{{_RSS1}}}item")]
    elif root.tag == f"{{{_ATOM}}}feed":
        dates = (f"{{{_ATOM}}}published", f"{{{_ATOM}}}updated", _DC_DATE)
        found = [(it, _atom_link(it)) for it in root.iterfind(f"{{{_ATOM}}}entry")]
    else:
        name = etree.QName(root).localname
        raise FeedError(f"not a feed: root element <{name}>, starts with {_snippet(data)}")
    entries = (_entry(item, link, dates, base_url) for item, link in found)
    return [entry for entry in entries if entry is not None]
