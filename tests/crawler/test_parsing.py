"""Table-driven tests for the parsing helpers shared by the spiders.

Phrasings are taken from documents published on www.gov.cn, www.cac.gov.cn, www.miit.gov.cn
and www.tc260.org.cn; dates are sometimes moved so the tables read consistently.
"""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.parsing import (
    BEIJING,
    detect_doc_type,
    find_comment_deadline,
    find_doc_number,
    find_effective_date,
    find_head_doc_number,
    is_draft_for_comment,
    parse_date,
    parse_datetime,
)

P = pytest.param

# --- parse_date ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        P("2026年10月1日", date(2026, 10, 1), id="cn-plain"),
        P("2024年9月24日", date(2024, 9, 24), id="cn-single-digit-month"),
        P("2026 年 10 月 1 日", date(2026, 10, 1), id="cn-spaces-inside"),
        P("２０２６年１０月１日", date(2026, 10, 1), id="cn-fullwidth-digits"),
        P("二〇二六年十月一日", date(2026, 10, 1), id="cn-numerals-ling"),
        P("二○二四年九月二十四日", date(2024, 9, 24), id="cn-numerals-circle"),
        P("二〇二五年十二月三十一日", date(2025, 12, 31), id="cn-numerals-thirty-one"),
        P("二〇二二年十一月十日", date(2022, 11, 10), id="cn-numerals-eleven-ten"),
        P("2026-09-28", date(2026, 9, 28), id="iso"),
        P("2026-9-8", date(2026, 9, 8), id="iso-unpadded"),
        P("2026.09.28", date(2026, 9, 28), id="dotted-pubtimeStr"),
        P("2026/09/28", date(2026, 9, 28), id="slashed"),
        P("2026-09-28-16:25:37", date(2026, 9, 28), id="firstpublishedtime"),
        P("1727511937000", date(2024, 9, 28), id="epoch-ms-string"),
        P(1727511937000, date(2024, 9, 28), id="epoch-ms-int"),
        P("1727452800000", date(2024, 9, 28), id="epoch-ms-beijing-midnight"),
        P("发布时间：2024-09-30 17:20", date(2024, 9, 30), id="label-prefix"),
        P("总理  李强\n2024年9月24日", date(2024, 9, 24), id="signature-block"),
        P("2026年9月28日 星期一", date(2026, 9, 28), id="weekday-after"),
        P("2026-02-30", None, id="invalid-day-iso"),
        P("2026年2月30日", None, id="invalid-day-cn"),
        P("2026-13-01", None, id="invalid-month"),
        P("", None, id="empty"),
        P("国务院办公厅", None, id="no-digits"),
        P("本办法第3条", None, id="article-number"),
        P("联系电话：010-68208888", None, id="phone-number"),
        P("2026年", None, id="year-only"),
        P("https://www.cac.gov.cn/2024-09/30/c_1729293940000.htm", None, id="url-id"),
    ],
)
def test_parse_date(text: str | int, expected: date | None) -> None:
    assert parse_date(text) == expected


# --- parse_datetime ------------------------------------------------------------------------


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        P("2026-09-28-16:25:37", bj(2026, 9, 28, 16, 25, 37), id="firstpublishedtime"),
        P("2026-09-28 16:25", bj(2026, 9, 28, 16, 25), id="iso-space-minutes"),
        P("2026-09-28 16:25:37", bj(2026, 9, 28, 16, 25, 37), id="iso-space-seconds"),
        P("2026年09月28日 16:25", bj(2026, 9, 28, 16, 25), id="cn-date-time"),
        P("2026年9月28日16时25分", bj(2026, 9, 28, 16, 25), id="cn-hour-minute"),
        P("发布时间：2026-09-28 16:25", bj(2026, 9, 28, 16, 25), id="label-prefix"),
        P("2026-09-28", bj(2026, 9, 28), id="date-only-midnight"),
        P("2026.09.28", bj(2026, 9, 28), id="dotted-midnight"),
        P(1727511937000, bj(2024, 9, 28, 16, 25, 37), id="epoch-ms-int"),
        P(" 1727511937000 ", bj(2024, 9, 28, 16, 25, 37), id="epoch-ms-padded"),
        P("2026-09-28T16:25:37+08:00", bj(2026, 9, 28, 16, 25, 37), id="iso-offset-beijing"),
        P("2026-09-28T08:25:37Z", bj(2026, 9, 28, 16, 25, 37), id="iso-utc-z"),
        P("2026-09-28T00:30:00-05:00", bj(2026, 9, 28, 13, 30), id="iso-negative-offset"),
        P("2026-09-28T20:00:00+00:00", bj(2026, 9, 29, 4), id="iso-utc-next-day-in-beijing"),
        P("2026-09-28T16:25:37.120+0800", bj(2026, 9, 28, 16, 25, 37), id="iso-fraction"),
        P("2026-09-28 25:00", bj(2026, 9, 28), id="impossible-time-ignored"),
        P("2026-02-30 10:00", None, id="invalid-date"),
        P("暂无", None, id="no-date"),
    ],
)
def test_parse_datetime(text: str | int, expected: datetime | None) -> None:
    result = parse_datetime(text)
    assert result == expected
    if result is not None:
        assert result.utcoffset() == timedelta(hours=8)


def test_parse_date_of_iso_offset_uses_beijing_day() -> None:
    assert parse_date("2026-09-28T20:00:00Z") == date(2026, 9, 29)


# --- find_doc_number -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        P("国办发〔2026〕28号", "国办发〔2026〕28号", id="guobanfa"),
        P("工信部联规〔2026〕211号", "工信部联规〔2026〕211号", id="miit-joint"),
        P(
            "关于印发《工业和信息化领域数据安全管理办法（试行）》的通知 工信部网安〔2022〕166号",
            "工信部网安〔2022〕166号",
            id="miit-data-security-measures",
        ),
        P("网安秘字〔2026〕34号", "网安秘字〔2026〕34号", id="tc260-secretariat"),
        P("信安秘字〔2020〕10号", "信安秘字〔2020〕10号", id="tc260-old-name"),
        P("网安秘字[2026]34号", "网安秘字[2026]34号", id="ascii-square-brackets"),
        P("网安秘字［2026］34号", "网安秘字［2026］34号", id="fullwidth-square-brackets"),
        P("国办发（2026）28号", "国办发（2026）28号", id="fullwidth-parentheses"),
        P("国办发(2026)28号", "国办发(2026)28号", id="ascii-parentheses"),
        P("国办发【2026】28号", "国办发【2026】28号", id="lenticular-brackets"),
        P("国办发﹝2026﹞28号", "国办发﹝2026﹞28号", id="small-tortoise-brackets"),
        P("国办发〔２０２６〕２８号", "国办发〔２０２６〕２８号", id="fullwidth-digits"),
        P("（国令第790号）", "国令第790号", id="state-council-order-short"),
        P("中华人民共和国国务院令\n第790号", "中华人民共和国国务院令\n第790号", id="order-heading"),
        P("国家互联网信息办公室令第17号", "国家互联网信息办公室令第17号", id="cac-order"),
        P(
            "中华人民共和国工业和信息化部令第68号",
            "中华人民共和国工业和信息化部令第68号",
            id="miit-order-full",
        ),
        P("  工业和信息化部令第 68 号  ", "工业和信息化部令第 68 号", id="miit-order-spaces"),
        P(
            "中华人民共和国主席令第八十四号",
            "中华人民共和国主席令第八十四号",
            id="cn-numeral-serial",
        ),
        P(
            "中华人民共和国国家标准公告2023年第11号",
            "中华人民共和国国家标准公告2023年第11号",
            id="announcement-year-serial",
        ),
        P(
            "《网络数据安全管理条例》（国令第790号）自2025年1月1日起施行",
            "国令第790号",
            id="inside-running-text",
        ),
        P("根据工信部网安〔2022〕166号文件要求", "工信部网安〔2022〕166号", id="strip-genju"),
        P("请参照工信部网安〔2022〕166号执行", "工信部网安〔2022〕166号", id="strip-qing-canzhao"),
        P("以国务院令第790号公布", "国务院令第790号", id="strip-yi"),
        P(
            "国办发〔2026〕28号、国办发〔2026〕29号",
            "国办发〔2026〕28号",
            id="first-of-two",
        ),
        P("2026年9月28日", None, id="date-is-not-a-number"),
        P("2026年第3季度", None, id="year-in-running-text"),
        P("依据本办法第3条规定", None, id="article"),
        P("第十二条 网络数据处理者应当", None, id="article-cn-numerals"),
        P("联系电话：010-68208888", None, id="phone"),
        P("GB/T 35273-2020", None, id="standard-number"),
        P("https://www.miit.gov.cn/art/2022/art_1727511937000.html", None, id="url"),
        P("", None, id="empty"),
    ],
)
def test_find_doc_number(text: str, expected: str | None) -> None:
    assert find_doc_number(text) == expected


# --- detect_doc_type -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        P("关于印发《数据安全管理办法》的通知", "通知", id="notice-wrapping-measures"),
        P("网络数据安全管理条例", "条例", id="regulation"),
        P("个人信息出境认证办法（征求意见稿）", "办法", id="measures-draft"),
        P("工业和信息化领域数据安全管理办法（试行）", "办法", id="measures-trial"),
        P("生成式人工智能服务管理暂行办法", "办法", id="interim-measures"),
        P(
            "国家互联网信息办公室关于《网络数据安全管理条例（征求意见稿）》公开征求意见的通知",
            "通知",
            id="cac-consultation-notice",
        ),
        P(
            "关于国家标准《网络安全技术 某某安全要求》征求意见稿征求意见的通知",
            "通知",
            id="tc260-consultation-notice",
        ),
        P("关于发布第十批深度合成服务算法备案信息的公告", "公告", id="announcement"),
        P(
            "全国人民代表大会常务委员会关于加强网络信息保护的决定",
            "决定",
            id="npc-decision",
        ),
        P("数据出境安全评估申报指南（第二版）", "指南", id="guide-edition"),
        P("个人信息出境标准合同备案指南（第二版）", "指南", id="filing-guide"),
        P("某某管理办法实施细则", "实施细则", id="implementing-rules"),
        P(
            "工业和信息化部等十六部门关于促进数据安全产业发展的指导意见",
            "指导意见",
            id="guiding-opinions",
        ),
        P(
            "中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见",
            "意见",
            id="opinions",
        ),
        P("促进和规范数据跨境流动规定", "规定", id="provisions"),
        P("儿童个人信息网络保护规定", "规定", id="provisions-children"),
        P("个人信息保护认证实施规则", "规则", id="rules"),
        P("“十四五”大数据产业发展规划", "规划", id="plan-quoted"),
        P("工业领域数据安全能力提升实施方案（2024—2026年）", "方案", id="scheme-years"),
        P("关于某事项的通告", "通告", id="circular"),
        P(
            "关于侵害用户权益行为的APP（SDK）通报（2024年第5批，总第40批）",
            "通报",
            id="miit-app-bulletin",
        ),
        P("国务院关于同意设立某试验区的批复", "批复", id="reply"),
        P("中华人民共和国国务院令 第790号", "令", id="order-with-number"),
        P("国家互联网信息办公室令（第16号）", "令", id="order-bracketed-number"),
        P("GB/T 35273-2020 信息安全技术 个人信息安全规范", "标准", id="gbt-title"),
        P("信息安全技术 个人信息安全规范", "标准", id="tc260-old-prefix"),
        P("数据安全技术 数据分类分级规则", "标准", id="tc260-data-prefix"),
        P("国家标准《网络安全技术 某某安全要求》征求意见稿", "标准", id="std-draft"),
        P("网络安全标准实践指南—网络数据分类分级指引", "实践指南", id="practice-guide"),
        P("网络安全标准实践指南——个人信息跨境处理活动安全认证规范", "实践指南", id="pg-dash"),
        P(
            "国家互联网信息办公室有关负责人就《促进和规范数据跨境流动规定》答记者问",
            "答记者问",
            id="press-qa",
        ),
        P("《网络数据安全管理条例》解读", "解读", id="interpretation"),
        P("专家解读｜推动数据跨境流动规范发展", "解读", id="expert-interpretation-prefix"),
        P("中华人民共和国数据安全法", "法", id="law"),
        P("中华人民共和国网络安全法（修正草案）", "法", id="law-draft-amendment"),
        P("关于某某问题的复函", "函", id="letter"),
        P("关于某某名单的公示", "公示", id="public-notice"),
        P("数据安全风险评估方法", None, id="method-is-not-law"),
        P("关于《某办法》公开征求意见", None, id="bare-consultation"),
        P("某某工作情况", None, id="nothing"),
        P("", None, id="empty"),
    ],
)
def test_detect_doc_type(title: str, expected: str | None) -> None:
    assert detect_doc_type(title) == expected


# --- is_draft_for_comment ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        P("个人信息出境认证办法（征求意见稿）", "", True, id="title-draft-bracket"),
        P(
            "国家互联网信息办公室关于《网络数据安全管理条例（征求意见稿）》公开征求意见的通知",
            "",
            True,
            id="title-cac-notice",
        ),
        P("关于公开征求《某规定》意见的通知", "", True, id="title-zhengqiu-yijian-split"),
        P("关于对《某办法》征求意见的通知", "", True, id="title-zhengqiu-de-tongzhi"),
        P("某管理办法（送审稿）", "", True, id="title-songshengao"),
        P("某标准意见征集", "", True, id="title-yijian-zhengji"),
        P(
            "关于国家标准《网络安全技术 某要求》征求意见稿征求意见的通知",
            "",
            True,
            id="title-tc260",
        ),
        P(
            "某通知",
            "国家互联网信息办公室起草了《某办法（征求意见稿）》，现向社会公开征求意见。",
            True,
            id="body-cac-phrase",
        ),
        P("某通知", "意见反馈截止时间为2026年10月1日。", True, id="body-deadline"),
        P(
            "工业和信息化部等十六部门关于促进数据安全产业发展的指导意见",
            "",
            False,
            id="guiding-opinions",
        ),
        P(
            "中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见",
            "",
            False,
            id="opinions",
        ),
        P("关于印发《某某实施意见》的通知", "", False, id="notice-of-opinions"),
        P(
            "某负责人答记者问",
            "起草过程中，先后两次向社会公开征求意见。",
            False,
            id="body-past-consultation",
        ),
        P("网络数据安全管理条例", "本条例自2025年1月1日起施行。", False, id="final-regulation"),
        P("", "", False, id="empty"),
    ],
)
def test_is_draft_for_comment(title: str, body: str, expected: bool) -> None:
    assert is_draft_for_comment(title, body) is expected


# --- find_comment_deadline -----------------------------------------------------------------

PUB = date(2026, 9, 1)


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        P("意见反馈截止时间为2026年10月1日。", None, date(2026, 10, 1), id="cac-standard"),
        P("反馈意见截止时间：2026年10月1日", None, date(2026, 10, 1), id="fankui-yijian"),
        P("截止日期为2026年10月1日。", None, date(2026, 10, 1), id="jiezhi-riqi-wei"),
        P("截止时间：2026年10月1日", None, date(2026, 10, 1), id="jiezhi-shijian"),
        P("征求意见截至2026年10月1日。", None, date(2026, 10, 1), id="jiezhi-with-context"),
        P(
            "请于2026年10月1日前将意见反馈至电子邮箱。",
            None,
            date(2026, 10, 1),
            id="qingyu-qian",
        ),
        P("请在2026年10月1日前将意见反馈我部。", None, date(2026, 10, 1), id="qingzai-qian"),
        P("各有关单位于2026年10月1日前将意见反馈", None, date(2026, 10, 1), id="yu-qian"),
        P(
            "请于2026年10月1日24:00前将意见反馈至秘书处。",
            None,
            date(2026, 10, 1),
            id="tc260-clock-time",
        ),
        P(
            "如有意见，请于2026年10月1日（星期四）前反馈。",
            None,
            date(2026, 10, 1),
            id="weekday-bracket",
        ),
        P(
            "征求意见时间为2026年9月1日至2026年10月1日。",
            None,
            date(2026, 10, 1),
            id="period-full",
        ),
        P("公示时间：2026年9月1日至9月7日", None, date(2026, 9, 7), id="period-yearless-end"),
        P("公示时间：2026年9月1日—2026年9月7日", None, date(2026, 9, 7), id="period-dash"),
        P("公示期为2026年12月25日至1月5日", None, date(2027, 1, 5), id="period-across-new-year"),
        P("[截至日期:2026-10-01]", None, date(2026, 10, 1), id="tc260-list"),
        P("意见反馈截止日期：2026-10-01", None, date(2026, 10, 1), id="iso-date"),
        P("意见反馈截止时间为 2026 年 10 月 1 日", None, date(2026, 10, 1), id="spaces"),
        P("请于10月15日前反馈意见。", PUB, date(2026, 10, 15), id="yearless"),
        P("请于8月15日前反馈意见。", PUB, date(2027, 8, 15), id="yearless-rolls-over"),
        P("请于10月15日前反馈意见。", None, None, id="yearless-without-published"),
        P(
            "截至2026年6月30日，尚有12款APP未完成整改。",
            None,
            None,
            id="statistics-cutoff",
        ),
        P("请于2026年10月1日前报送材料。", None, None, id="submission-not-comments"),
        P("本办法自2026年1月1日起施行。", None, None, id="effective-date-only"),
        P(
            "原文链接：https://www.cac.gov.cn/2024-09/30/c_1729293940000.htm",
            None,
            None,
            id="url-with-digits",
        ),
        P("", None, None, id="empty"),
    ],
)
def test_find_comment_deadline(text: str, published: date | None, expected: date | None) -> None:
    assert find_comment_deadline(text, published) == expected


# --- find_effective_date -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        P(
            "《网络数据安全管理条例》已经2024年8月30日国务院第40次常务会议通过，"
            "现予公布，自2025年1月1日起施行。",
            None,
            date(2025, 1, 1),
            id="network-data-regulation",
        ),
        P("本法自2021年9月1日起施行。", None, date(2021, 9, 1), id="data-security-law"),
        P("本法自2021年11月1日起施行。", None, date(2021, 11, 1), id="pipl"),
        P("本办法自2022年9月1日起施行。", None, date(2022, 9, 1), id="export-assessment"),
        P("本办法自2023年1月1日起施行。", None, date(2023, 1, 1), id="miit-166"),
        P("自2026年1月1日起实施", None, date(2026, 1, 1), id="shishi"),
        P("本规定自2026年1月1日起正式施行。", None, date(2026, 1, 1), id="zhengshi"),
        P("本标准自2026年1月1日起实施。", None, date(2026, 1, 1), id="standard"),
        P("本办法自二〇二六年一月一日起施行。", None, date(2026, 1, 1), id="cn-numerals"),
        P("实施日期：2026-03-01", None, date(2026, 3, 1), id="standard-field"),
        P("本规定自公布之日起施行。", date(2024, 3, 22), date(2024, 3, 22), id="on-publication"),
        P("本办法自发布之日起施行。", PUB, PUB, id="on-release"),
        P("本通知自印发之日起实施。", PUB, PUB, id="on-issue"),
        P("本办法自发布之日起施行。", None, None, id="on-release-unknown-date"),
        P(
            "请于2026年1月1日前完成整改，逾期将依法处理。",
            None,
            None,
            id="before-is-not-effective",
        ),
        P("2026年1月1日前", None, None, id="bare-before"),
        P("发布时间：2026-09-28", None, None, id="publication-date-only"),
        P("", None, None, id="empty"),
    ],
)
def test_find_effective_date(text: str, published: date | None, expected: date | None) -> None:
    assert find_effective_date(text, published) == expected


# --- properties ----------------------------------------------------------------------------

TRICKY = st.text(
    alphabet="0123456789０１２年月日时分至前起施行实施自截止至日期请于意见反馈〔〕[]()（）"
    "号令第公告发布之-/.:TZ+ 〇○一二三四五六七八九十征求稿通知办法",
    max_size=60,
)
TEXTS = st.one_of(st.text(max_size=200), TRICKY)
PUBLISHED = st.one_of(st.none(), st.dates())


@given(TEXTS)
def test_parse_date_is_total(text: str) -> None:
    assert parse_date(text) is None or isinstance(parse_date(text), date)


@given(st.one_of(TEXTS, st.integers()))
def test_parse_datetime_is_total_and_in_beijing(text: str | int) -> None:
    result = parse_datetime(text)
    assert result is None or result.utcoffset() == timedelta(hours=8)


@given(TEXTS)
def test_find_doc_number_is_total(text: str) -> None:
    result = find_doc_number(text)
    assert result is None or (isinstance(result, str) and result == result.strip() and result)


@given(TEXTS)
def test_detect_doc_type_is_total(title: str) -> None:
    assert detect_doc_type(title) is None or isinstance(detect_doc_type(title), str)


@given(TEXTS, TEXTS)
def test_is_draft_for_comment_is_total(title: str, body: str) -> None:
    assert isinstance(is_draft_for_comment(title, body), bool)


@given(TEXTS, PUBLISHED)
def test_find_comment_deadline_is_total(text: str, published: date | None) -> None:
    result = find_comment_deadline(text, published)
    assert result is None or type(result) is date


@given(TEXTS, PUBLISHED)
def test_find_effective_date_is_total(text: str, published: date | None) -> None:
    result = find_effective_date(text, published)
    assert result is None or type(result) is date


def test_head_doc_number_is_a_line_of_its_own_at_the_top() -> None:
    body = "工信部网安〔2024〕82号\n各省、自治区、直辖市工业和信息化主管部门："
    assert find_head_doc_number(body) == "工信部网安〔2024〕82号"
    cited = "各有关单位：\n根据《数据安全管理办法（试行）》（工信部网安〔2022〕166号）"
    assert find_head_doc_number(cited) == ""
    late = "各有关单位：\n" + "正文。" * 80 + "\n工信部网安〔2024〕82号"
    assert find_head_doc_number(late) == ""
