"""Write the www.cac.gov.cn snapshot's reconstructed attachments (run from the repository root).

The real files were not captured; these stand in for the two attachments the snapshot's CAC
pages link, one by a page-relative ``./P0….docx`` href and one by an absolute ``/cms/…`` path
(SITES.md §3.3 leaves the href pattern unverified), so the offline main job downloads and reads
attachments from this site too. Their text is short and their sidecars say
``origin: reconstructed``.

    python -m tools.snapshot_cac_attachments
"""

from __future__ import annotations

from pathlib import Path

from crawler.replay.writer import write_fixture
from tests.crawler.files import make_docx, make_pdf

SNAPSHOT = Path("fixtures/snapshot")
SITE = "https://www.cac.gov.cn/"
CAPTURED = "2026-11-20T09:20:00+08:00"
STAND_IN = "（以下从略。本文件为离线演示重建的节选，不是原附件。）"

GENERATIVE_AI_DRAFT = make_docx(
    "生成式人工智能服务管理办法（征求意见稿）",
    "第一条 为促进生成式人工智能健康发展和规范应用，根据《中华人民共和国网络安全法》"
    "《中华人民共和国数据安全法》《中华人民共和国个人信息保护法》等法律、行政法规，制定本办法。",
    STAND_IN,
)
CERTIFICATION_DRAFT = make_pdf(
    [
        [
            "个人信息出境个人信息保护认证办法（征求意见稿）",
            "第一条 为了促进个人信息高效便利安全跨境流动，",
            "规范个人信息出境个人信息保护认证工作，",
            "根据《中华人民共和国个人信息保护法》等法律法规，制定本办法。",
            STAND_IN,
            "Reconstructed excerpt for the offline snapshot",
        ]
    ]
)
FILES = {
    "2023-04/11/P020230411396245187253.docx": (
        GENERATIVE_AI_DRAFT,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "linked as ./P020230411396245187253.docx from the 2023-04-11 call for comments on "
        "《生成式人工智能服务管理办法（征求意见稿）》; article 1 of the draft written from memory",
    ),
    "cms/attachment/2025-01/03/P020250103605826381144.pdf": (
        CERTIFICATION_DRAFT,
        "application/pdf",
        "linked by the absolute path /cms/attachment/… from the 2025-01-03 call for comments on "
        "《个人信息出境个人信息保护认证办法（征求意见稿）》; article 1 paraphrases the notice's "
        "stated purpose, it is not the draft's text",
    ),
}


def main() -> None:
    for path, (data, content_type, what) in FILES.items():
        written = write_fixture(
            SNAPSHOT,
            SITE + path,
            data,
            status=200,
            headers={"Content-Type": content_type},
            origin="reconstructed",
            origin_detail=f"short stand-in for an attachment (SITES.md §3.3), {what}; built by "
            "tools/snapshot_cac_attachments.py; the real file was not captured",
            captured_at=CAPTURED,
        )
        print(written)


if __name__ == "__main__":
    main()
