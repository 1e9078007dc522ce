"""Untrusted text from government pages and editors: plain text only, links http(s) only.

regwatch stores scraped and pasted content as plain text, never as HTML; templates escape it
when they render it. What arrives as HTML (a page fetched by hand, text pasted from a
browser) becomes plain text here, through nh3 (a maintained HTML sanitiser), before it is
stored. Every URL regwatch links to passes :func:`safe_link`.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]")
_DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}


def safe_link(url: str | None) -> str:
    """``url`` when it is an absolute http(s) URL with a host, else "" (render no link)."""
    if not url:
        return ""
    cleaned = url.strip(" \t\r\n\f")
    if _CONTROL.search(cleaned):
        return ""  # a browser drops tabs and newlines, so "java\tscript:" would run
    cleaned = cleaned.replace(" ", "%20")
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not host:
        return ""
    return cleaned


def plain_text(value: str) -> str:
    """Text with any HTML markup removed (scripts and styles with their content)."""
    if not _MARKUP.search(value):
        return value
    cleaned = nh3.clean(value, tags=set(), clean_content_tags=_DROP_WITH_CONTENT, attributes={})
    return html.unescape(cleaned)
