"""What the classifier reads of a document: its language, its title and the lead of its body."""

from __future__ import annotations

import re
import unicodedata

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
SPACES = re.compile(r"\s+")

LEAD_CHARS = {"zh": 160, "en": 600}
"""Characters of the body read after the title: about 128 tokens of the e5 vocabulary."""


def detect_lang(text: str) -> str:
    """``zh`` when Chinese characters carry the text, else ``en``.

    A Chinese title often holds a Latin word or two (App, SDK, GB/T); an English title may quote
    a Chinese name. Two Chinese characters count as one word.
    """
    cjk = len(CJK.findall(text))
    latin = len(LATIN_WORD.findall(text))
    return "zh" if cjk and cjk >= 2 * latin else "en"


def clean(text: str) -> str:
    """NFKC-normalised text on one line (full-width letters and digits become ASCII)."""
    return SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def classifier_input(title: str, lead: str = "", lang: str = "") -> str:
    """The text embedded for a document: its title and the start of its summary or body."""
    title = clean(title)
    lead = clean(lead)
    if not lead:
        return title
    limit = LEAD_CHARS.get(lang or detect_lang(title + lead), LEAD_CHARS["en"])
    if lead.startswith(title):
        lead = lead[len(title) :].strip()
    return f"{title}\n{lead[:limit]}".strip()
