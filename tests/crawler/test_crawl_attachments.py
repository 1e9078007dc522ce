"""gov_cn's attachments are downloaded and read in the main job, broken ones included.

A cover-note page (SITES.md §1.3: ``./P0….pdf`` links in ``#UCAP-CONTENT``) links a DOCX
holding the draft's 文号 and deadline, a PDF, a truncated PDF and an archive larger than the
attachment limit. The document is stored with every attachment, each with its facts or error,
and the facts the short page lacks come from the attachment text.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from crawler.replay.writer import write_fixture
from model.document import Document
from storage import Store
from tests.crawler.files import make_docx, make_pdf
from tests.crawler.govcn_pages import FEED, JSON, crawl, detail_html, feed_json, save

PAGE = "https://www.gov.cn/zhengce/zhengceku/202611/content_7100001.htm"
BASE = "https://www.gov.cn/zhengce/zhengceku/202611/"
TITLE = "工业和信息化部办公厅关于公开征求对《工业领域数据出境安全管理办法》意见的通知"
COVER = (
    "<p>为规范工业领域数据出境活动，我部起草了《工业领域数据出境安全管理办法》，现向社会公开征求意见。</p>"
    '<p>附件：<a href="./P020261118001.docx">1.工业领域数据出境安全管理办法（征求意见稿）</a>'
    '<a href="./P020261118002.pdf">2.起草说明</a>'
    '<a href="./P020261118003.pdf">3.意见反馈表</a>'
    '<a href="./P020261118004.zip">4.参考资料</a></p>'
)
DRAFT = make_docx(
    "工业和信息化部",
    "工信厅网安函〔2026〕301号",
    "工业领域数据出境安全管理办法（征求意见稿）",
    "公众可于2026年12月18日前通过电子邮件反馈意见。",
    "第一条 为了规范工业领域数据出境活动，制定本办法。",
)
NOTE = make_pdf([["起草说明", "Drafting note"]])
FILES = {
    "P020261118001.docx": DRAFT,
    "P020261118002.pdf": NOTE,
    "P020261118003.pdf": NOTE[: len(NOTE) // 2],
    "P020261118004.zip": b"PK\x03\x04" + bytes(300_000),
}
ORIGIN = {"origin": "reconstructed", "origin_detail": "test attachment built in the test"}


def cover_note_tree(tmp_path: Path) -> tuple[Path, Path]:
    """A tree with the feed and the cover-note page (no attachments yet), and a database path."""
    tree = tmp_path / "tree"
    save(tree, FEED, feed_json([(PAGE, TITLE)]), headers=JSON)
    save(tree, PAGE, detail_html(TITLE, COVER))
    return tree, tmp_path / "r.db"


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_attachments_are_read_and_fill_a_cover_notes_facts(tmp_path: Path) -> None:
    tree, db = cover_note_tree(tmp_path)
    for name, data in FILES.items():
        write_fixture(tree, BASE + name, data, status=200, headers={}, **ORIGIN)  # type: ignore[arg-type]
    code, counts, err = crawl(db, tree, "attachments.max_bytes=200000")
    assert code == 0, err
    assert counts["new"] == 1
    with Store.open(str(db)) as store:
        [doc] = store.list_documents()
    by_name = {a.url.rsplit("/", 1)[1]: a for a in doc.attachments}
    assert set(by_name) == set(FILES)
    docx_file = by_name["P020261118001.docx"]
    assert docx_file.extension == "docx" and docx_file.size == len(DRAFT)
    assert len(docx_file.sha256) == 64 and "第一条" in docx_file.text and not docx_file.error
    assert "起草说明" in by_name["P020261118002.pdf"].text
    assert by_name["P020261118003.pdf"].error.startswith("unreadable PDF")
    assert by_name["P020261118004.zip"].error.startswith("not downloaded: larger than 200000")
    assert_cover_note_facts(doc)


def assert_cover_note_facts(doc: Document) -> None:
    assert doc.doc_number == "工信厅网安函〔2026〕301号"
    assert doc.comment_deadline == date(2026, 12, 18)
    assert doc.is_draft_for_comment
    assert "工业和信息化部" in doc.issuers


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_attachments_can_be_switched_off(tmp_path: Path) -> None:
    tree, db = cover_note_tree(tmp_path)
    code, counts, err = crawl(db, tree, "attachments.download=false")
    assert code == 0 and counts["responses"] == 3, err  # robots.txt, the feed, the page
    with Store.open(str(db)) as store:
        [doc] = store.list_documents()
    assert len(doc.attachments) == 4 and all(a.sha256 == "" for a in doc.attachments)
