"""What makes two sightings the same document: canonical URLs, 文号, titles and body hashes.

Pure functions shared by the crawler (which computes content hashes) and storage (which
decides identity). See storage/documents.py for how they are combined.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track how a visitor arrived; they never change the page.
TRACKING_PARAMS = frozenset({"from", "spm", "source", "share", "isappinstalled", "wd", "eqid"})
COMPANION_MARKERS = ("答记者问", "解读", "一图读懂", "图解", "问答", "新闻发布会")
_BRACKETS = str.maketrans(
    {
        "[": "〔",
        "]": "〕",
        "［": "〔",
        "］": "〕",
        "(": "〔",
        ")": "〕",
        "（": "〔",
        "）": "〕",
        "【": "〔",
        "】": "〕",
        "﹝": "〔",
        "﹞": "〕",
        "〖": "〔",
        "〗": "〕",
    }
)
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2028\u2029\u2060\ufeff]+")
_COUNTER = re.compile(r"(?:阅读|浏览|访问|点击)(?:次数|量)?\s*[:：]\s*\d+\s*次?")
_TITLE_PUNCT = re.compile(r"[\s\"'“”‘’《》〈〉「」『』·•、，,。.:：;；!！?？\-—_]+")
_INSTRUMENT = re.compile(r"《([^《》]+)》")


def canonical_url(url: str) -> str:
    """The URL a document is filed under: https, lower-case host, no fragment or tracking."""
    parts = urlsplit(url.strip())
    scheme = "https" if parts.scheme in ("http", "https", "") else parts.scheme
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith("utm_")
    ]
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def url_key(url: str) -> str:
    """Key under which aliases of one URL meet: canonical URL without scheme and ``www.``."""
    canon = canonical_url(url)
    rest = canon.split("://", 1)[1]
    return rest[4:] if rest.startswith("www.") else rest


def normalize_doc_number(doc_number: str) -> str:
    """A 文号 in one spelling: NFKC, no spaces, every bracket pair as 〔〕."""
    text = unicodedata.normalize("NFKC", doc_number or "")
    text = _INVISIBLE.sub("", text).translate(_BRACKETS)
    return text


def is_companion(title: str) -> bool:
    """An interpretation, Q&A or graphic about an instrument rather than the instrument itself."""
    return any(marker in (title or "") for marker in COMPANION_MARKERS)


def instrument_title(title: str) -> str:
    """The instrument's name: the 《…》 part when the title wraps one, normalised for matching.

    Companion pages (解读, 答记者问 …) keep their whole title, so they never merge with the
    instrument they explain.
    """
    match = None if is_companion(title) else _INSTRUMENT.search(title or "")
    name = match.group(1) if match else (title or "")
    name = unicodedata.normalize("NFKC", name).translate(_BRACKETS)
    return _TITLE_PUNCT.sub("", name).lower()


def normalize_issuer(issuer: str) -> str:
    """An issuing organ's name for comparison: NFKC, no spaces."""
    return _INVISIBLE.sub("", unicodedata.normalize("NFKC", issuer or ""))


def normalize_body(text: str) -> str:
    """Main text with cosmetic noise removed: width, white space, visit counters."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _COUNTER.sub("", text)
    return _INVISIBLE.sub(" ", text).strip()


def content_hash(body_text: str) -> str:
    """SHA-256 of the normalised main text; equal for cosmetic-only changes."""
    return hashlib.sha256(normalize_body(body_text).encode("utf-8")).hexdigest()
