"""Turning a detail page's HTML into text: main body, attachments, metadata tables."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, unquote_to_bytes, urljoin, urlsplit

from parsel import Selector
from w3lib.html import remove_comments, remove_tags, remove_tags_with_content

from model.document import Attachment

ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "rar", "zip", "ofd", "et")
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|div|h\d|li|tr|table|section|blockquote)\s*>", re.I)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_NAME_KEYS = {"filename", "name", "file", "fn"}


def first_node(sel: Selector, selectors: Iterable[str]) -> Selector | None:
    """The first element matched by the first selector that matches at all: a page's main
    container when a site has kept older templates alongside the current one."""
    for css in selectors:
        found = sel.css(css)
        if found:
            return found[0]
    return None


def block_text(fragment: str) -> str:
    """Readable text of an HTML fragment: one line per paragraph, no markup or scripts."""
    fragment = remove_comments(remove_tags_with_content(fragment, ("script", "style")))
    text = html.unescape(remove_tags(_BLOCK_END.sub("\n", fragment)))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def label_table(rows: list[tuple[str, str]]) -> dict[str, str]:
    """``{label: value}`` from label/value cells, labels without spaces or colons."""
    return {re.sub(r"[\s\u00a0\u3000:：]", "", label): value.strip() for label, value in rows}


def cell_pairs(selector: Selector) -> list[tuple[str, str]]:
    """Label/value pairs from a table whose rows alternate label cell, value cell."""
    cells = [block_text(td.get()).replace("\n", " ") for td in selector.css("td")]
    return list(zip(cells[0::2], cells[1::2], strict=False))


def file_name_in(url: str) -> str:
    """The file name a download URL carries, decoded: a ``filename=``/``name=`` query value,
    else the last path segment. Percent-escapes are read as UTF-8, else as GB18030 (older
    Chinese CMSs put GBK-encoded names in query strings)."""
    parts = urlsplit(url)
    raw = next(
        (v for k, v in parse_qsl(parts.query, encoding="latin-1") if k.lower() in _NAME_KEYS),
        None,
    )
    data = (
        raw.encode("latin-1")
        if raw is not None
        else unquote_to_bytes(parts.path.rsplit("/", 1)[-1])
    )
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding).strip()
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace").strip()


def extension_of(url: str, name: str) -> str:
    """A file's extension from its URL path, its link text (TC260 style) or a file name in the
    query string."""
    for candidate in (urlsplit(url).path, name.strip(), file_name_in(url)):
        match = re.search(r"\.([A-Za-z0-9]{2,4})$", candidate)
        if match and match.group(1).lower() in ATTACHMENT_EXTENSIONS:
            return match.group(1).lower()
    return ""


def safe_join(base_url: str, href: str) -> str | None:
    """``href`` resolved against ``base_url``; None for a link no URL can be made of (an
    unbalanced ``[`` in the host, say), which a page's author may well have written."""
    try:
        url = urljoin(base_url, href.strip())
        urlsplit(url).hostname  # noqa: B018 - raises on a malformed host
    except ValueError:
        return None
    return url


def attachments_in(body: Selector, base_url: str) -> list[Attachment]:
    """Links to documents (PDF, Word, WPS, spreadsheets, archives) inside the main body."""
    found: dict[str, Attachment] = {}
    for link in body.css("a[href]"):
        url = safe_join(base_url, link.attrib.get("href") or "")
        if url is None:
            continue
        name = block_text(link.get()).replace("\n", " ") or file_name_in(url)
        ext = extension_of(url, name)
        if ext and url not in found and urlsplit(url).scheme in ("http", "https"):
            found[url] = Attachment(name=name, url=url, extension=ext)
    return list(found.values())
