"""A fixed month's legal update for the renderer tests, with hostile text in its fields.

Sections: data protection (a draft for comment with a summary, an entry with bullets and two
links), cybersecurity (an amended entry, an entry written by an attacker) and earlier
developments. ``DEMO`` is the same update holding one approval made by the demo rule.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from model.digest import (
    AMENDED_ENTRY,
    APPROVED,
    EARLIER_ENTRY,
    EARLIER_SECTION,
    EARLIER_TITLE,
    NEW_ENTRY,
    Digest,
    Entry,
    Firm,
    Month,
    Section,
)

SCRIPT = "<script>alert(1)</script>"
FAKE_LINK = "*bold* [x](javascript:alert(1))"
JS_URL = "javascript:alert(1)"

SHENZHEN_URL = "http://sf.sz.gov.cn/xxgk/xxgkml/gsgg/content/post_7892072.html"
SHENZHEN = Entry(
    document_id=1,
    kind=NEW_ENTRY,
    headline="Shenzhen proposes local data protection regulations to protect “Data Right”",
    lead=(
        "On July 15, 2020, the Justice Bureau of Shenzhen Municipality issued the Data "
        "Regulations of Shenzhen Special Economic Zone (“Draft Regulations”) to solicit "
        "public opinions by August 14, 2020."
    ),
    summary=(
        "The Draft Regulations propose the concept of “data right” for the first time.\n\n"
        "Public data is a new type of state-owned assets,\nand its data rights belong to the "
        "state."
    ),
    links=(SHENZHEN_URL,),
    original_title="深圳经济特区数据条例（征求意见稿）",
    published_on=date(2020, 7, 15),
)

MIIT_URLS = (
    "http://www.miit.gov.cn/n1146290/n1146402/n1146440/c7993756/content.html",
    "http://www.miit.gov.cn/n1146290/n1146402/n1146440/c8026316/content.html",
)
MIIT_BULLETS = (
    "asking for permission frequently or excessively;",
    "rejecting providing services if no permission is given;",
    "- difficult to de-register the account.",
)
MIIT = Entry(
    document_id=2,
    kind=NEW_ENTRY,
    headline="MIIT exposes the second and third batches of Apps infringing upon user’s rights",
    lead=(
        "Recently, the Ministry of Industry and Information Technology (“MIIT”) issued the "
        "Second and Third Batches of Apps that Infringe Upon User’s Rights and Interests."
    ),
    summary="The above Apps are found of the following problems:",
    bullets=MIIT_BULLETS,
    links=MIIT_URLS,
    original_title="关于侵害用户权益行为的APP通报（2020年第三批）",
    published_on=date(2020, 7, 24),
)

CII_CHANGES = (
    "The comment deadline moved from August 14 to August 31, 2020.",
    "Article 12 now covers cloud services.",
)
CII = Entry(
    document_id=3,
    kind=AMENDED_ENTRY,
    headline="State Council to formulate the CII security protection regulations",
    lead="On July 8, 2020, the General Office of the State Council issued the 2020 Plan.",
    links=("http://www.gov.cn/zhengce/content/2020-07/08/content_5525117.htm",),
    original_title="国务院办公厅关于印发国务院2020年立法工作计划的通知",
    published_on=date(2020, 7, 8),
    changes=CII_CHANGES,
)

TC260_URL = "https://www.tc260.org.cn/front/postDetail.html?id=20200722172943&a=1"
HOSTILE = Entry(
    document_id=4,
    kind=NEW_ENTRY,
    headline=f"{SCRIPT} NISSIT seeks public opinions",
    lead=f"On July 27, 2020, NISSIT released {FAKE_LINK} for comment.",
    summary=f"# Not a heading\n\n1. not a list\n\n{SCRIPT} & <b>bold</b> ![img](https://e.x/i.png)",
    bullets=(f"{FAKE_LINK} bullet", "| not | a | table |"),
    links=(JS_URL, TC260_URL),
    original_title="信息安全技术 ICT供应链安全风险管理指南（征求意见稿）",
    published_on=date(2020, 7, 27),
)

ANHUI = Entry(
    document_id=5,
    kind=EARLIER_ENTRY,
    headline="Anhui Province proposes regulations to boost big data",
    lead=(
        "On June 6, 2020, the Government of Anhui Province issued the Regulations on the "
        "Development and Application of Big Data in Anhui Province to seek public opinions."
    ),
    links=("http://sft.ah.gov.cn/zhzx/tzgg/53877731.html",),
    original_title="安徽省大数据发展应用条例（征求意见稿）",
    published_on=date(2020, 6, 6),
)

FIRM = Firm(
    name="Example Law Firm",
    contacts=(
        ("Jane Doe | Partner", "Example Law Firm", "E: jane.doe@example.com"),
        ("John Roe | Counsel", "E: john.roe@example.com"),
    ),
    subscription="If you would like to receive our legal update via email, please contact us.",
    footer="Example Law Firm, Beijing.\n\nThis update is not legal advice.",
)

SECTION_TITLES = ("Data protection", "Cybersecurity", EARLIER_TITLE)
HEADLINES = (SHENZHEN.headline, MIIT.headline, CII.headline, HOSTILE.headline, ANHUI.headline)
ARCHIVE_URL = "https://updates.example.com/archive/2020-07"

SAMPLE = Digest(
    month=Month(2020, 7),
    title="Data, Cyber and Privacy Legal Update",
    status=APPROVED,
    introduction=f"Welcome to our July update.\n\nEditor's note: {FAKE_LINK}",
    sections=(
        Section("data", SECTION_TITLES[0], (SHENZHEN, MIIT)),
        Section("cyber", SECTION_TITLES[1], (CII, HOSTILE)),
        Section("empty", "A section with no entries", ()),
        Section(EARLIER_SECTION, SECTION_TITLES[2], (ANHUI,)),
    ),
    firm=FIRM,
    archive_url=ARCHIVE_URL,
)

DEMO = replace(
    SAMPLE,
    demo=True,
    sections=(
        replace(SAMPLE.sections[0], entries=(replace(SHENZHEN, demo=True), MIIT)),
        *SAMPLE.sections[1:],
    ),
)

# Characters XML forbids, in every kind of field.
CONTROL = "\x00\x01\x08\x0b\x0c\x1b\x7f\ud800\ufffe"
CONTROLLED = replace(
    SAMPLE,
    introduction=f"Intro{CONTROL} text",
    sections=(
        Section(
            "data",
            f"Data{CONTROL} protection",
            (replace(SHENZHEN, headline=f"Head{CONTROL}line", bullets=(f"Bul{CONTROL}let",)),),
        ),
    ),
)

# Every http(s) link of SAMPLE's entries, in order (the javascript: one is never a link).
ENTRY_LINKS = (SHENZHEN_URL, *MIIT_URLS, CII.links[0], TC260_URL, ANHUI.links[0])
