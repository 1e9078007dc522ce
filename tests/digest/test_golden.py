"""The rendered digest of a fixed set of stored documents, against files kept in golden/.

Text and Markdown are compared exactly; HTML and DOCX are parsed and checked for structure.
After an intended change to the output, regenerate the files with
``REGWATCH_UPDATE_GOLDEN=1 pytest tests/digest/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import io
import os
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pytest
from lxml import html as lxml_html

from config import Settings
from digest.render_docx import render_docx
from digest.render_html import render_html
from digest.render_markdown import render_markdown
from digest.render_text import render_text
from digest.service import approve, load
from model import APPROVED, BEIJING, Document
from model.digest import Digest, Month
from model.glossary import load_glossary
from model.review import Editorial
from storage import Store

GOLDEN = Path(__file__).parent / "golden"
JUNE, JULY = Month(2020, 6), Month(2020, 7)
GLOSSARY = load_glossary()
SEEN = datetime(2020, 8, 1, tzinfo=UTC)


def _settings() -> Settings:
    settings = Settings()
    cfg = settings.digest
    cfg.firm_name = "Example & Partners"
    cfg.contacts = ["Wang Li | Partner; P: +86 10 0000 0000; E: wang.li@example.com"]
    cfg.subscription = "To receive this update by email, write to updates@example.com."
    cfg.footer = "This update is for information only and is not legal advice."
    cfg.sections = ["cii", "personal_information", "app_governance"]
    settings.feeds.base_url = "https://updates.example.com"
    return settings


def _on(day: int, month: int = 7) -> datetime:
    return datetime(2020, month, day, 10, tzinfo=BEIJING)


DOCUMENTS: list[tuple[Document, tuple[str, ...], Editorial | None]] = [
    (
        Document(
            url="https://www.gov.cn/zhengce/content/2020-07/08/content_5525117.htm",
            source="gov_cn",
            title="国务院办公厅关于印发国务院2020年立法工作计划的通知",
            issuers=["国务院办公厅"],
            doc_number="国办发〔2020〕18号",
            doc_type="通知",
            published_at=_on(8),
            body_text="国务院2020年立法工作计划。\n关键信息基础设施安全保护条例。",
        ),
        ("cii",),
        Editorial(
            headline="State Council to formulate the CII security protection regulations",
            lead="On July 8, 2020, the General Office of the State Council issued the 2020 "
            "Legislative Plan, including the Regulations on the Security Protection of "
            "Critical Information Infrastructure.",
        ),
    ),
    (
        Document(
            url="https://www.tc260.org.cn/front/postDetail.html?id=20200722172943",
            source="tc260",
            title="关于国家标准《信息安全技术 信息技术产品供应链安全要求》征求意见稿征求意见的通知",
            issuers=["全国信息安全标准化技术委员会"],
            is_draft_for_comment=True,
            comment_deadline=date(2020, 9, 26),
            published_at=_on(27),
            body_text="征求意见稿。",
        ),
        ("cii", "data_security"),
        None,
    ),
    (
        Document(
            url="https://www.miit.gov.cn/n1146290/n1146402/n1146440/c8027864/content.html",
            source="miit",
            title="工业和信息化部关于开展纵深推进APP侵害用户权益专项整治行动的通知",
            issuers=["工业和信息化部"],
            doc_number="工信部信管函〔2020〕164号",
            doc_type="通知",
            published_at=_on(24),
            body_text="专项整治行动。",
        ),
        ("app_governance", "personal_information"),
        Editorial(
            headline="MIIT launches a special campaign against Apps that infringe users' rights",
            summary="The campaign focuses on the following behaviours by Apps and SDKs:",
            bullets=(
                "illegal collection and use of personal information;",
                "setting up barriers and frequently harassing users;",
                "deceiving and misleading users.",
            ),
        ),
    ),
    (
        Document(
            url="https://www.cac.gov.cn/2020-07/25/c_1597240741055830.htm",
            source="cac",
            title="2020年App违法违规收集使用个人信息治理工作启动会在京召开",
            published_at=_on(22),
            body_text="启动会。",
        ),
        (),
        None,
    ),
]
AMENDED = Document(
    url="https://www.cac.gov.cn/2020-06/01/c_2.htm",
    source="cac",
    title="儿童个人信息网络保护规定（修订）",
    issuers=["国家互联网信息办公室"],
    doc_type="规定",
    published_at=_on(1, month=6),
    body_text="第一条 为了保护儿童个人信息安全。\n第二条 本规定适用于境内。",
)
"""In the closed June digest, then amended in July: it returns as amended."""
LATE = (
    Document(
        url="https://www.cac.gov.cn/2020-06/30/c_1.htm",
        source="cac",
        title="国家互联网信息办公室关于《数据安全管理办法》的说明",
        issuers=["国家互联网信息办公室"],
        published_at=_on(30, month=6),
        body_text="说明。",
    ),
    ("data_security",),
)


@pytest.fixture(scope="module")
def golden_digest(tmp_path_factory: pytest.TempPathFactory) -> Digest:
    """The July 2020 digest: four July documents, and a June one approved after June closed."""
    settings = _settings()
    db = tmp_path_factory.mktemp("golden") / "regwatch.db"
    with Store.open(f"sqlite:///{db}") as store:
        _approve(store, AMENDED, ("personal_information",), None)
        approve(store, JUNE, 0, "partner", settings, GLOSSARY)
        amended = replace(AMENDED, body_text=AMENDED.body_text + "\n第三条 新增的要求。")
        _approve(store, amended, (), None)
        for doc, topics, text in [*DOCUMENTS, (*LATE, None)]:
            _approve(store, doc, topics, text)
        introduction = "July brought the year's campaign against Apps that misuse personal data."
        store.save_digest_layout(JULY, 0, introduction=introduction, placements=())
        return load(store, JULY, settings, GLOSSARY).digest


def _approve(store: Store, doc: Document, topics: tuple[str, ...], text: Editorial | None) -> None:
    doc_id = store.save_document(doc, seen_at=SEEN).document_id
    if topics:
        store.set_topics(doc_id, topics, editor="ana")
    if text is not None:
        stored = store.get_document(doc_id)
        assert stored is not None
        store.review(doc_id, stored.revision, user="ana", editorial=text)
    store.set_review_status([doc_id], APPROVED, user="ana")


def _check(name: str, rendered: str) -> None:
    path = GOLDEN / name
    if os.environ.get("REGWATCH_UPDATE_GOLDEN"):
        path.write_text(rendered, encoding="utf-8")
    assert path.is_file(), f"{path} missing: run with REGWATCH_UPDATE_GOLDEN=1 to create it"
    assert rendered == path.read_text(encoding="utf-8")


def test_text_matches_the_golden_file(golden_digest: Digest) -> None:
    _check("regwatch-digest-2020-07.txt", render_text(golden_digest))


def test_markdown_matches_the_golden_file(golden_digest: Digest) -> None:
    _check("regwatch-digest-2020-07.md", render_markdown(golden_digest))


SECTIONS = [
    "Critical information infrastructure",
    "Personal information protection",  # the MIIT notice's first topic in the section order
    "Other developments",
    "Earlier developments",
]
HEADLINES = [
    "State Council to formulate the CII security protection regulations",
    "关于国家标准《信息安全技术 信息技术产品供应链安全要求》征求意见稿征求意见的通知",
    "儿童个人信息网络保护规定（修订）",
    "MIIT launches a special campaign against Apps that infringe users' rights",
    "2020年App违法违规收集使用个人信息治理工作启动会在京召开",
    "国家互联网信息办公室关于《数据安全管理办法》的说明",
]


def test_the_layout_follows_sections_and_dates(golden_digest: Digest) -> None:
    assert [s.title for s in golden_digest.sections] == SECTIONS
    assert [e.headline for e in golden_digest.entries()] == HEADLINES


def test_html_has_the_sections_entries_and_links(golden_digest: Digest) -> None:
    tree = lxml_html.fromstring(render_html(golden_digest))
    assert [h.text_content().strip() for h in tree.xpath("//h2")] == SECTIONS
    assert [h.text_content().strip() for h in tree.xpath("//h3")] == HEADLINES
    links = tree.xpath("//a/@href")
    for doc, _, _ in DOCUMENTS:
        assert doc.url in links
    assert not tree.xpath("//script | //style | //link")
    assert "to seek public opinions by September 26, 2020." in tree.text_content()
    assert "wang.li@example.com" in tree.text_content()


def test_docx_has_a_heading_per_section_and_entry(golden_digest: Digest) -> None:
    document = docx.Document(io.BytesIO(render_docx(golden_digest)))
    headings = [(p.style.name, p.text) for p in document.paragraphs if "Heading" in p.style.name]
    assert [t for s, t in headings if s == "Heading 1"] == SECTIONS
    assert [t for s, t in headings if s == "Heading 2"] == HEADLINES
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert "deceiving and misleading users." in bullets
    targets = {r.target_ref for r in document.part.rels.values() if r.is_external}
    assert {doc.url for doc, _, _ in DOCUMENTS} <= targets
