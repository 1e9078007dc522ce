"""Write the MIIT snapshot's reconstructed attachments (run from the repository root).

The real files were not captured; these stand in for the two attachments the snapshot's
www.miit.gov.cn pages link (SITES.md §2.3: ``/cms_files/filemanager/…`` on www. and on the
意见征集 host jyhwzhq.), so the offline main job downloads and reads them like a live poll.
Their text is a short excerpt, written from memory, and their sidecars say
``origin: reconstructed``.

    python -m tools.snapshot_miit_attachments
"""

from __future__ import annotations

from pathlib import Path

from crawler.replay.writer import write_fixture
from tests.crawler.files import make_docx, make_pdf

SNAPSHOT = Path("fixtures/snapshot")
ATTACH = "/cms_files/filemanager/1226211233/attach"
CAPTURED = "2026-11-20T10:40:00+08:00"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

RISK_RULES = make_pdf(
    [
        [
            "工业和信息化领域数据安全风险评估实施细则（试行）",
            "第一条 为了规范工业和信息化领域数据安全风险评估工作，根据《中华人民共和国数据安全法》",
            "《工业和信息化领域数据安全管理办法（试行）》等，制定本细则。",
            "重要数据和核心数据处理者每年至少开展一次数据安全风险评估。",
            "本细则自2024年6月1日起施行。",
            "（节选，离线快照重建，不是原附件。）",
        ],
        ["Reconstructed excerpt for the offline snapshot"],
    ]
)
DATA_RULES_DRAFT = make_docx(
    "工业和信息化领域数据安全管理办法（试行）（征求意见稿）",
    "第一章 总则",
    "第一条 为了规范工业和信息化领域数据处理活动，加强数据安全管理，保障数据安全，促进数据开发"
    "利用，保护个人、组织的合法权益，维护国家安全和发展利益，根据《中华人民共和国数据安全法》"
    "等法律法规，制定本办法。",
    "（以下从略。本文件为离线快照重建的节选，不是原附件。）",
)
FILES = {
    f"https://www.miit.gov.cn{ATTACH}/20245/7c4ea13364978e6b0361a3de7c99f337.pdf": (
        RISK_RULES,
        PDF,
        "the 细则 attached to the 82号 notice: title, article 1 (abridged), the yearly "
        "assessment duty and the effective date 2024-06-01 (real facts, wording from memory)",
    ),
    f"https://jyhwzhq.miit.gov.cn{ATTACH}/20219/32a14649b8107b3a0cac21da1895a73e.docx": (
        DATA_RULES_DRAFT,
        DOCX,
        "the draft attached to the 2021 意见征集 notice: title and article 1 (as in the final "
        "text, abridged; the draft's own wording is not known here)",
    ),
}


def main() -> None:
    for url, (data, content_type, what) in FILES.items():
        written = write_fixture(
            SNAPSHOT,
            url,
            data,
            status=200,
            headers={"Content-Type": content_type},
            origin="reconstructed",
            origin_detail="short stand-in for an attachment linked from a page body "
            f"(SITES.md §2.3), built by tools/snapshot_miit_attachments.py: {what}; the real "
            "file was not captured",
            captured_at=CAPTURED,
        )
        print(written)


if __name__ == "__main__":
    main()
