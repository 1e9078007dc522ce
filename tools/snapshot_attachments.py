"""Write the snapshot's reconstructed attachments (run from the repository root).

The real files were not captured; these stand in for two of the attachments the snapshot's
www.gov.cn pages link, so the offline main job downloads and reads attachments like a live
poll. Their text is short and their sidecars say ``origin: reconstructed``.

    python -m tools.snapshot_attachments
"""

from __future__ import annotations

from pathlib import Path

from crawler.replay.writer import write_fixture
from tests.crawler.files import make_docx, make_pdf

SNAPSHOT = Path("fixtures/snapshot")
BASE = "https://www.gov.cn/zhengce/zhengceku/"
CAPTURED = "2026-11-20T09:00:00+08:00"

LABELLING_DRAFT = make_docx(
    "人工智能生成合成内容标识办法（征求意见稿）",
    "第一条 为了促进人工智能健康发展，规范人工智能生成合成内容标识，保护公民、法人和其他组织"
    "合法权益，维护社会公共利益，根据《中华人民共和国网络安全法》《互联网信息服务算法推荐管理规定》"
    "《互联网信息服务深度合成管理规定》《生成式人工智能服务管理暂行办法》等法律、行政法规和部门规章，"
    "制定本办法。",
    "（以下从略。本文件为离线演示重建的节选，不是原附件。）",
)
RISK_RULES = make_pdf(
    [
        ["工业和信息化领域数据安全风险评估实施细则（试行）"],
        ["（节选，离线演示重建，不是原附件）"],
        ["Reconstructed excerpt for the offline snapshot"],
    ]
)
FILES = {
    "202409/P020240914384720195637.docx": (
        LABELLING_DRAFT,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "202405/P020240524396174523810.pdf": (RISK_RULES, "application/pdf"),
}


def main() -> None:
    for path, (data, content_type) in FILES.items():
        written = write_fixture(
            SNAPSHOT,
            BASE + path,
            data,
            status=200,
            headers={"Content-Type": content_type},
            origin="reconstructed",
            origin_detail="short stand-in for an attachment linked as ./P0….docx|pdf from the "
            "page body (SITES.md §1.3), built by tools/snapshot_attachments.py; the real file "
            "was not captured",
            captured_at=CAPTURED,
        )
        print(written)


if __name__ == "__main__":
    main()
