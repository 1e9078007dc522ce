"""Parsing helpers shared by every spider: dates, document numbers and document types.

Every function is pure and total: it takes text as published on a government site and
returns a plain value, or None when nothing recognisable is found. None of them raises on
odd input.
"""

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone

from model.document import BEIJING

__all__ = [
    "BEIJING",
    "detect_doc_type",
    "find_comment_deadline",
    "find_doc_number",
    "find_effective_date",
    "find_head_doc_number",
    "is_draft_for_comment",
    "parse_date",
    "parse_datetime",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# --- normalisation -------------------------------------------------------------------------

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {
    "○": 0,
    "零": 0,
    "O": 0,
    "0": 0,
}
_CN_DATE_RE = re.compile(
    r"([〇○零O0一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月"
    r"\s*([一二三四五六七八九十]{1,3})\s*日"
)
_CJK_GAP_RE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_SENTENCE_END = "。;!?\n"


def _cn_number(s: str) -> int | None:
    """Value of a Chinese numeral from 1 to 99 such as 九, 十, 二十四."""
    head, sep, tail = s.partition("十")
    if not sep:
        return _CN_DIGITS.get(s) if len(s) == 1 else None
    if len(head) > 1 or len(tail) > 1:
        return None
    tens = _CN_DIGITS.get(head, -1) if head else 1
    ones = _CN_DIGITS.get(tail, -1) if tail else 0
    return tens * 10 + ones if tens > 0 and ones >= 0 else None


def _arabic_date(m: re.Match[str]) -> str:
    """Rewrite one Chinese-numeral date (二〇二六年十月一日) with Arabic digits."""
    year = "".join(str(_CN_DIGITS[c]) for c in m[1])
    month, day = _cn_number(m[2]), _cn_number(m[3])
    return m[0] if month is None or day is None else f"{year}年{month}月{day}日"


def _normalize(text: str) -> str:
    """NFKC-fold, join CJK characters split by line breaks, spell dates with Arabic digits."""
    text = _CJK_GAP_RE.sub("", unicodedata.normalize("NFKC", text))
    return _CN_DATE_RE.sub(_arabic_date, text)


def _sentence_around(text: str, start: int, end: int) -> str:
    """The sentence of text that contains text[start:end]."""
    left = max(text.rfind(c, 0, start) for c in _SENTENCE_END) + 1
    rights = [i for c in _SENTENCE_END if (i := text.find(c, end)) != -1]
    return text[left : min(rights, default=len(text))]


# --- dates ---------------------------------------------------------------------------------

_YMD = (
    r"(?<!\d)(?:19|20)\d{2}(?:\s*年\s*\d{1,2}\s*月\s*\d{1,2}"
    r"|-\d{1,2}-\d{1,2}|\.\d{1,2}\.\d{1,2}|/\d{1,2}/\d{1,2})(?!\d)(?:\s*日)?"
)
_MD = r"(?<![\d年./-])\d{1,2}\s*月\s*\d{1,2}\s*日"
_ANY = rf"(?:{_YMD}|{_MD})"
_DATE_RE = re.compile(_YMD)
_TIME_RE = re.compile(
    r"(?:\s*|[T-])([01]?\d|2[0-3])\s*[:时]\s*([0-5]\d)(?:\s*[:分]\s*([0-5]\d))?"
    r"(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?(?!\d)"
)
_EPOCH_MS_RE = re.compile(r"\s*(\d{12,13})\s*")
_NUM_RE = re.compile(r"\d+")


def _safe_date(year: int, month: int, day: int) -> date | None:
    """date(year, month, day), or None when that day does not exist."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _offset(spec: str | None) -> timezone | None:
    """The timezone of an ISO 8601 offset such as Z, +08:00 or -0500."""
    if not spec:
        return None
    if spec == "Z":
        return UTC
    sign = -1 if spec[0] == "-" else 1
    delta = timedelta(hours=int(spec[1:3]), minutes=int(spec[-2:]))
    return timezone(sign * delta) if delta < timedelta(hours=24) else None


def _with_time(day: date, m: re.Match[str] | None) -> datetime:
    """Combine day with the time matched right after it, converted to Beijing time."""
    if m is None:
        return datetime.combine(day, time(), BEIJING)
    clock = time(int(m[1]), int(m[2]), int(m[3] or 0))
    return datetime.combine(day, clock, _offset(m[4]) or BEIJING).astimezone(BEIJING)


def _resolve(found: str, reference: date | None) -> date | None:
    """Date of a matched date string; a year-less one takes its year from reference."""
    nums = [int(n) for n in _NUM_RE.findall(found)]
    if len(nums) == 3:
        return _safe_date(*nums)
    if reference is None:
        return None
    day = _safe_date(reference.year, *nums)
    if day is not None and day < reference:
        day = _safe_date(reference.year + 1, *nums)
    return day


def parse_datetime(text: str | int) -> datetime | None:
    """First date (with time if given) in text as an aware datetime in Beijing time."""
    s = _normalize(str(text))
    if m := _EPOCH_MS_RE.fullmatch(s):
        return (_EPOCH + timedelta(milliseconds=int(m[1]))).astimezone(BEIJING)
    for m in _DATE_RE.finditer(s):
        if (day := _resolve(m[0], None)) is not None:
            return _with_time(day, _TIME_RE.match(s, m.end()))
    return None


def parse_date(text: str | int) -> date | None:
    """First date in text (any common Chinese or numeric form, or epoch milliseconds)."""
    moment = parse_datetime(text)
    return moment.date() if moment is not None else None


# --- document numbers ----------------------------------------------------------------------

_DIGIT = "[0-9０-９]"
_SERIAL = rf"(?:{_DIGIT}{{1,5}}|[一二三四五六七八九十百〇零]{{1,8}})"
_DOC_NO_RE = re.compile(
    rf"(?P<prefix>[\u4e00-\u9fff]{{1,20}})(?P<rest>"
    rf"\s*[〔\[［(（【﹝〖]\s*[12１２]{_DIGIT}{{3}}\s*[〕\]］)）】﹞〗]\s*(?:第\s*)?{_SERIAL}\s*号"
    rf"|令\s*第\s*{_SERIAL}\s*号"
    rf"|公告\s*[12１２]{_DIGIT}{{3}}\s*年\s*第\s*{_SERIAL}\s*号)"
)
# Words that end running text just before a document number; none occurs inside an issuer.
_LEAD_IN_RE = re.compile(
    "根据|依据|按照|参照|依照|对照|参见|详见|关于|印发|转发|公布|发布"
    "|请|见|即|以|由|将|于|在|的|及|与|或|为|按|并|是"
)


def find_doc_number(text: str) -> str | None:
    """First official document number (文号) in text, as published."""
    m = _DOC_NO_RE.search(text)
    if m is None:
        return None
    prefix = _LEAD_IN_RE.split(m["prefix"])[-1]
    return (prefix + m["rest"]).strip()


def find_head_doc_number(body: str, head_chars: int = 200) -> str:
    """The 文号 standing on a line of its own at the top of a body (``工信部网安〔2024〕82号``).

    Only the first ``head_chars`` characters are read, and only a line that starts with the
    number counts: a number cited in the text ("根据…（工信部网安〔2022〕166号）") belongs to
    another document, and taking it would merge the two in storage.
    """
    for line in body[:head_chars].splitlines():
        line = line.strip()
        number = find_doc_number(line)
        if number and line.replace(" ", "").startswith(number.replace(" ", "")):
            return number
    return ""


# --- document types ------------------------------------------------------------------------

_TYPE_NAMES = (
    "通知 公告 通告 通报 公示 决定 决议 批复 函 令 条例 办法 规定 规则 规范 规划 计划 方案 "
    "指南 实践指南 指引 实施细则 细则 意见 指导意见 标准 法 修正案 答记者问 解读"
)
_DOC_TYPES = sorted(_TYPE_NAMES.split(), key=len, reverse=True)
_WRAPPERS = {"通知", "公告", "通告", "通报", "公示", "决定", "批复", "函", "答记者问", "解读"}
_NON_TYPE_NAMES = (
    "征求意见 征集意见 方法 算法 做法 看法 说法 想法 执法 立法 司法 违法 合法 守法 依法"
)
_NOT_TYPES = tuple(_NON_TYPE_NAMES.split())
_TITLE_TAIL_RE = re.compile(
    r"(?:\s|[。.;,!]|[(【\[〔〖][^(【\[〔〖]*?[)】\]〕〗]|第\s*[\d一二三四五六七八九十百〇零]+\s*号"
    r"|征求意见稿|送审稿|报批稿|草案)+\Z"
)
_STANDARD_RE = re.compile(
    r"(?<![A-Za-z])(?:GB|GB/T|GB/Z)\s*\d|^(?:国家标准|行业标准)?《?(?:信息|网络|数据)安全技术"
)
_PRACTICE_GUIDE_RE = re.compile(r"^[^《》]*实践指南\s*[—–-]")
_COMMENTARY_RE = re.compile(r"^(?:专家|政策|权威)?解读\s*[|丨:]")


def _bare_title(title: str) -> str:
    """Title without trailing qualifiers such as (试行), (征求意见稿) or 第68号, and quotes."""
    previous, title = None, unicodedata.normalize("NFKC", title).strip()
    while previous != title:
        previous = title
        title = _TITLE_TAIL_RE.sub("", title).strip("《》“”\"'「」『』 ")
    return title


def _ending_type(title: str) -> str | None:
    """The longest document type the title ends with."""
    if title.endswith(_NOT_TYPES):
        return None
    return next((t for t in _DOC_TYPES if title.endswith(t)), None)


def detect_doc_type(title: str) -> str | None:
    """Type of the outer document named by title (通知, 办法, 条例 ...), or None."""
    bare = _bare_title(title)
    if _PRACTICE_GUIDE_RE.search(bare):
        return "实践指南"
    if _COMMENTARY_RE.search(bare):
        return "解读"
    ending = _ending_type(bare)
    if ending not in _WRAPPERS and _STANDARD_RE.search(bare):
        return "标准"
    return ending


# --- drafts for comment --------------------------------------------------------------------

_DRAFT_TITLE_RE = re.compile(r"征求意见稿|送审稿|公开征求|意见征集|征集意见|征求[^。;]{0,40}?意见")
_DRAFT_BODY_RE = re.compile(r"公开征求意见|向社会征求意见|意见反馈截止|反馈意见截止|征求意见截止")
_PAST_RE = re.compile(r"曾|已经|已于|先后|此前|前期|多次|经公开|经向社会")


def is_draft_for_comment(title: str, body: str = "") -> bool:
    """True when the title or body shows a draft published for public comment."""
    if _DRAFT_TITLE_RE.search(_normalize(title)):
        return True
    text = _normalize(body)
    for m in _DRAFT_BODY_RE.finditer(text):
        if not _PAST_RE.search(_sentence_around(text, m.start(), m.start())):
            return True
    return False


# --- comment deadlines and effective dates -------------------------------------------------

_CLOCK = r"(?:\s*\d{1,2}\s*[:时]\s*(?:\d{2})?\s*分?)?"
_WEEKDAY = r"(?:\s*\([^)]{0,8}\))?"
_DEADLINE_RE = re.compile(rf"截[止至](?:时间|日期)\s*(?:为|是|到|至)?\s*:?\s*({_ANY})")
_CUTOFF_RE = re.compile(
    rf"(?:意见|反馈|征求|征集|公示)[^{_SENTENCE_END}]{{0,20}}?截[止至]\s*(?:为|到|至)?\s*({_ANY})"
)
_BEFORE_RE = re.compile(rf"[于在]\s*({_ANY}){_WEEKDAY}{_CLOCK}\s*(?:之|以)?前")
_PERIOD_RE = re.compile(
    rf"(?:征求意见|意见征集|征集|公示|反馈)[^{_SENTENCE_END}]{{0,20}}?"
    rf"({_YMD}){_WEEKDAY}\s*(?:至|到|[-—–~]+)\s*({_ANY})"
)
_ABOUT_COMMENTS_RE = re.compile(r"意见|反馈|建议")
_EFFECTIVE_RE = re.compile(rf"({_ANY})\s*起\s*(?:正式)?(?:施行|实施|生效|执行)")
_EFFECTIVE_FIELD_RE = re.compile(rf"(?:施行|实施|生效)日期\s*(?:为|是)?\s*:?\s*({_ANY})")
_ON_PUBLICATION_RE = re.compile(
    r"自(?:发布|印发|公布|颁布|发文)之日起\s*(?:正式)?(?:施行|实施|生效|执行)"
)

_Finder = Callable[[str, re.Match[str], date | None], date | None]


def _plain(text: str, m: re.Match[str], ref: date | None) -> date | None:
    """The date in group 1."""
    return _resolve(m[1], ref)


def _before(text: str, m: re.Match[str], ref: date | None) -> date | None:
    """The date of 请于…前, but only in a sentence about comments."""
    sentence = _sentence_around(text, m.start(), m.end())
    return _resolve(m[1], ref) if _ABOUT_COMMENTS_RE.search(sentence) else None


def _period_end(text: str, m: re.Match[str], ref: date | None) -> date | None:
    """The end date of a 从…至… period; a year-less end takes the start's year."""
    return _resolve(m[2], _resolve(m[1], None))


def _on_publication(text: str, m: re.Match[str], ref: date | None) -> date | None:
    """The publication date, for 自发布之日起施行."""
    return ref


def _first(
    text: str, published: date | None, finders: list[tuple[re.Pattern[str], _Finder]]
) -> date | None:
    """The date found earliest in text by any (pattern, reader) pair."""
    hits: list[tuple[int, date]] = []
    for pattern, reader in finders:
        for m in pattern.finditer(text):
            if (found := reader(text, m, published)) is not None:
                hits.append((m.start(1) if pattern.groups else m.start(), found))
                break
    return min(hits)[1] if hits else None


def find_comment_deadline(text: str, published: date | None = None) -> date | None:
    """Deadline for public comments stated in text, or None."""
    finders = [(_DEADLINE_RE, _plain), (_CUTOFF_RE, _plain), (_BEFORE_RE, _before)]
    return _first(_normalize(text), published, [*finders, (_PERIOD_RE, _period_end)])


def find_effective_date(text: str, published: date | None = None) -> date | None:
    """Date from which the document takes effect, per 自…起施行 and similar phrases."""
    finders = [(_EFFECTIVE_RE, _plain), (_EFFECTIVE_FIELD_RE, _plain)]
    return _first(_normalize(text), published, [*finders, (_ON_PUBLICATION_RE, _on_publication)])
