"""Decoding pages whose declared charset is missing or wrong (common on Chinese sites).

Scrapy decodes by BOM, then the HTTP header, then ``<meta>``, and falls back to guessing
UTF-8 or cp1252 — which turns an undeclared GBK page into mojibake. Here a page is decoded
as Scrapy would when that decoding is clean; otherwise its bytes are re-detected, with
GB18030 (a superset of GBK and GB2312) tried first because these sites publish in it.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from scrapy.http import TextResponse

_LATIN_MOJIBAKE = set("ÃÂÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ¤¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿")


def looks_wrong(text: str) -> bool:
    """Replacement characters, or a run of Latin-1 mojibake where Chinese text should be."""
    if "\ufffd" in text:
        return True
    letters = [c for c in text if ord(c) > 127]
    odd = sum(c in _LATIN_MOJIBAKE for c in letters)
    return bool(letters) and odd / len(letters) > 0.3


def page_text(response: TextResponse) -> str:
    """The page as text, re-detecting the encoding when the declared one decodes badly."""
    body = response.body
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    text = response.text
    if not looks_wrong(text):
        return text
    for candidate in ("gb18030", "utf-8"):
        try:
            return body.decode(candidate)
        except UnicodeDecodeError:
            continue
    best = from_bytes(body).best()
    return str(best) if best is not None else text
