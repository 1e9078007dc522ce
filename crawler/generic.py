"""Reading the document on a page fetched by hand (see :mod:`crawler.manual`).

:func:`extract_page` tries the detail-page parser of the known source serving the page's host
(``config/data/sources.toml``) first; otherwise (or when it finds nothing) the generic reader,
:func:`extract_generic`, reads any article page: the title, the block with the most Chinese
text, the publication date, 文号, comment deadline, signing date and attachment links.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import logging
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

from config import Settings
from crawler.extract import attachments_in, block_text
from crawler.manual import SOURCE
from crawler.parsing import (
    detect_doc_type,
    find_comment_deadline,
    find_doc_number,
    find_effective_date,
    find_head_doc_number,
    is_draft_for_comment,
    parse_date,
    parse_datetime,
)
from model.document import BEIJING, Attachment, Document
from model.glossary import load_glossary

log = logging.getLogger("regwatch.manual")

MIN_TEXT_WEIGHT = 20
"""A main text weighing less (Chinese characters plus Latin words) is no text at all."""


def source_for_host(host: str, settings: Settings) -> str | None:
    """The known source serving ``host``, if any."""
    return next((n for n, s in settings.sources.items() if s.allows_host(host)), None)


def extract_page(page: str, url: str, settings: Settings) -> tuple[Document | None, str]:
    """The document on ``page`` and the extractor that read it (a source's name or
    ``generic``): a known source's detail-page parser first, else the generic one."""
    name = source_for_host(urlsplit(url).hostname or "", settings)
    module = f"crawler.spiders.{name}" if name else ""
    if name and importlib.util.find_spec(module) is not None:
        extract = getattr(importlib.import_module(module), "extract_document", None)
        try:
            doc = extract(page, url) if extract is not None else None
        except Exception as exc:  # that template did not fit: read the page generically
            log.warning("the %s parser failed on %s (%s); reading it generically", name, url, exc)
            doc = None
        if doc is not None:
            return dataclasses.replace(doc, source=SOURCE), name
    return extract_generic(page, url, settings.glossary.extra_path), "generic"


_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z]{2,}")
_LATIN = re.compile(r"[A-Za-z]")
_DROPPED = (  # noqa: SIM905 - a word list reads better as words
    "script style noscript template nav iframe frame object embed select button textarea "
    "svg canvas map header footer aside"
).split()
_PARAGRAPHS = {"p", "pre", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "blockquote"}
_INLINE = frozenset(
    "span font strong b em i u s sub sup small big label br img code ins del strike abbr "  # noqa: SIM905
    "cite q mark nobr tt".split()
)
_NOISE = re.compile(
    r"(?:^|[-_])(?:nav|navbar|menu|breadcrumbs?|crumbs?|position|location|footer|foot|header|"
    r"share|sidebar|copyright|banner|toolbar|related|friendlinks?|links)(?:[-_]|$)",
    re.IGNORECASE,
)
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|——|--|\s[-–—]\s)\s*")
_SITE_NAME = re.compile(r"(?:网|网站|门户|官网|首页|政府|法院|检察院|委员会|办公厅|厅|局)$")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_TITLE_METAS = ("articletitle", "og:title", "dc.title")
_DATE_METAS = (
    "pubdate",
    "publishdate",
    "firstpublishedtime",
    "publishtime",
    "article:published_time",
    "og:release_date",
    "dc.date",
    "dc.date.issued",
    "dc.date.created",
)
_SITE_METAS = ("og:site_name", "sitename")
_DATE_LABEL = re.compile(
    r"(?:发布|发文|印发|公布|公开|发表|成文)?(?:时间|日期)\s*[:：]\s*([^\n]{4,40})"
)
_PUBLISHER_LABEL = re.compile(r"(?:来源|发布机构|发布单位)\s*[:：]\s*([^\s|｜/]{2,40})")
_NUMBER_LABEL = re.compile(r"(?:发文字号|文号)\s*[:：]\s*([^\s|｜]{3,40})")
_BARE_DATE = re.compile(
    r"^(?:(?:19|20)\d{2}|[〇○零O一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
    r"\s*[\d一二三四五六七八九十]{1,3}\s*日$"
)


def extract_generic(page: str, url: str, glossary_path: str = "") -> Document | None:
    """A Document from any article page; None without a title or a main text.

    The main text is the element whose own paragraphs hold the most Chinese text (Latin words
    count too, link text does not), after scripts, navigation, headers and footers are dropped.
    """
    root = Selector(text=page).root
    if not isinstance(getattr(root, "tag", None), str):
        return None
    metas = _metas(root)
    full = block_text(page)
    title = _title(root, metas)
    for bad in root.xpath("|".join(f"//{tag}" for tag in _DROPPED)):
        if bad.getparent() is not None:
            bad.drop_tree()
    main = _main_element(root)
    if main is None:
        return None
    body = block_text(Selector(root=main).get())
    if not title or _weight(body) < MIN_TEXT_WEIGHT:
        return None
    before = _text_before(full, body)
    published = _published(metas, before, full)
    day = published.astimezone(BEIJING).date() if published else None
    issuers = []
    if "关于" in title:
        head = title.split("关于", 1)[0]
        issuers = [i.chinese for i in load_glossary(glossary_path or None).issuers_in(head)]
    return Document(
        url=url,
        title=title,
        source=SOURCE,
        lang=_lang(root, body),
        published_at=published,
        issuers=issuers,
        doc_number=_doc_number(before, body, title),
        doc_type=detect_doc_type(title) or "",
        is_draft_for_comment=is_draft_for_comment(title, body),
        comment_deadline=find_comment_deadline(body, day),
        effective_date=find_effective_date(body, day),
        written_on=_signed_on(body),
        publisher=_publisher(metas, before),
        body_text=body,
        attachments=_attachments(main, url),
    )


def _weight(text: str) -> int:
    """How much text: Chinese characters plus Latin words."""
    return len(_CJK.findall(text)) + len(_WORD.findall(text))


def _squeeze(text: str) -> str:
    return _CJK_GAP.sub("", " ".join(text.split()))


def _metas(root: Any) -> dict[str, str]:
    """``<meta name|property=… content=…>`` by lower-case name, first one wins."""
    found: dict[str, str] = {}
    for meta in root.xpath("//meta[@content]"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        value = _squeeze(meta.get("content") or "")
        if key and value and key not in found:
            found[key] = value
    return found


def _title(root: Any, metas: dict[str, str]) -> str:
    """The ArticleTitle meta, an h1 that is not the site's name, og:title, <title>'s part that
    is not the site's name, or else the first heading (h2, h3, ``*title*`` class) that is."""
    parts = _TITLE_SEPARATORS.split(_squeeze(" ".join(root.xpath("//title//text()"))))
    parts = [p.strip() for p in parts if p.strip()]
    sites = {metas[k] for k in _SITE_METAS if k in metas} | set(parts[1:])

    def not_a_site(text: str) -> bool:
        return len(text) >= 4 and not any(text in site for site in sites)

    if metas.get("articletitle"):
        return metas["articletitle"]
    for h1 in root.xpath("//h1"):
        text = _squeeze(h1.text_content())
        if not_a_site(text):
            return text
    for key in _TITLE_METAS[1:]:
        if metas.get(key):
            return _main_part(_TITLE_SEPARATORS.split(metas[key]), sites)
    main = _main_part(parts, sites) if parts else ""
    if main and not _SITE_NAME.search(main):
        return main
    headings = root.xpath("//body//*[self::h2 or self::h3 or contains(@class, 'title')]")
    found = (_squeeze(h.text_content()) for h in headings)
    return next((text for text in found if not_a_site(text) and len(text) <= 200), main)


def _main_part(parts: Sequence[str], sites: set[str]) -> str:
    """The part of a ``title_site`` string that is the title, not the site's name."""
    parts = [p.strip() for p in parts if p.strip()]
    if len(parts) < 2:
        return parts[0] if parts else ""
    candidates = [p for p in parts if p not in sites - {parts[0]}] or parts
    for part in candidates:
        if len(part) >= 4 and not _SITE_NAME.search(part):
            return part
    return max(candidates, key=len)


def _own_text(el: Any) -> str:
    """An element's own text: its text, its inline children's own text, their tails."""
    pieces = [el.text or ""]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag.lower() in _INLINE:
            pieces.append(_own_text(child))
        pieces.append(child.tail or "")
    return "".join(pieces)


def _link_weight(el: Any) -> int:
    return sum(_weight(a.text_content()) for a in el.iter("a"))


def _noisy(el: Any) -> bool:
    names = f"{el.get('class') or ''} {el.get('id') or ''}".split()
    return any(_NOISE.search(name) for name in names)


def _main_element(root: Any) -> Any:
    """The element holding the main text: paragraphs score their container fully and its
    parent by half; navigation-like names and link-heavy blocks are marked down."""
    scores: dict[Any, float] = {}
    for el in root.iter():
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag or tag in _INLINE or tag in ("a", "html", "head", "title"):
            continue
        weight = _weight(_own_text(el))
        if not weight:
            continue
        container = el.getparent() if tag in _PARAGRAPHS else el
        if container is None:
            continue
        scores[container] = scores.get(container, 0.0) + weight
        parent = container.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0.0) + weight / 2
    best, best_score = None, 0.0
    for el, score in scores.items():
        total = _weight(el.text_content())
        if total:
            score *= 1 - min(_link_weight(el) / total, 1.0)
        if _noisy(el):
            score *= 0.2
        if score > best_score:
            best, best_score = el, score
    return best


def _text_before(full: str, body: str) -> str:
    """The page text above the main text (title, date line, source line)."""
    first = next((line for line in body.splitlines() if len(line) >= 4), "")
    at = full.find(first) if first else -1
    return full[:at] if at > 0 else ""


def _published(metas: dict[str, str], before: str, full: str) -> datetime | None:
    """A publication-date meta, else a dated label above the text (发布时间：…), else the
    first date above the text, else a dated label anywhere."""
    for key in _DATE_METAS:
        found = parse_datetime(metas[key]) if metas.get(key) else None
        if found:
            return found
    labelled = (parse_datetime(m.group(1)) for m in _DATE_LABEL.finditer(before))
    found = next((d for d in labelled if d), None) or (parse_datetime(before) if before else None)
    if found:
        return found
    labelled = (parse_datetime(m.group(1)) for m in _DATE_LABEL.finditer(full))
    return next((d for d in labelled if d), None)


def _signed_on(body: str) -> date | None:
    """The date standing alone on one of the last lines (the signature's 成文日期)."""
    for line in body.splitlines()[-4:][::-1]:
        if _BARE_DATE.match(line.strip()):
            return parse_date(line)
    return None


def _doc_number(before: str, body: str, title: str) -> str:
    """文号: a 发文字号 label above the text, a number heading the text, or one in the title."""
    match = _NUMBER_LABEL.search(before)
    if match and find_doc_number(match.group(1)):
        return match.group(1)
    return find_head_doc_number(body) or find_doc_number(title) or ""


def _publisher(metas: dict[str, str], before: str) -> str:
    match = _PUBLISHER_LABEL.search(before)
    return match.group(1) if match else metas.get("contentsource", "")


def _lang(root: Any, body: str) -> str:
    """``zh`` unless the text is mostly Latin letters (then the page's lang, or ``en``)."""
    cjk, latin = len(_CJK.findall(body)), len(_LATIN.findall(body))
    if cjk * 10 >= latin:
        return "zh"
    declared = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    primary = declared.strip().lower().split("-")[0]
    return primary if primary and primary != "zh" else "en"


def _attachments(main: Any, url: str) -> list[Attachment]:
    """Attachment links in the main text, else in the two blocks around it."""
    node = main
    for _ in range(3):
        found = attachments_in(Selector(root=node), url)
        if found or node.getparent() is None:
            return found
        node = node.getparent()
    return []
