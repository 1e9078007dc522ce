"""Write the snapshot's reconstructed www.tc260.org.cn attachments (run from the repository root).

The real files were not captured; these stand in for the attachments the snapshot's TC260
pages link, so the offline main job downloads and reads them like a live poll. The portal's
``/sysFile/downloadFile/<id>`` links carry no extension and answer
``application/x-msdownload`` with a ``Content-Disposition`` naming the file (SITES.md §4.3):
the spider must take the type from the link text and the reader from the bytes. Legacy
``/upload/…pdf`` files answer ``application/pdf``. The 5-report bundle is a RAR (SITES.md
§4.3: bundles may be ``.rar``): here a valid RAR5 archive holding one short note, stored
without compression. Texts are short stand-ins and every sidecar says ``reconstructed``.

    python -m tools.snapshot_tc260_attachments
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from urllib.parse import quote

from crawler.replay.writer import write_fixture
from tests.crawler.files import make_docx, make_pdf

SNAPSHOT = Path("fixtures/snapshot")
SITE = "https://www.tc260.org.cn"
DOWNLOAD = SITE + "/sysFile/downloadFile/"
CAPTURED = "2026-11-20T10:20:00+08:00"
MSDOWNLOAD = "application/x-msdownload"
PDF = "application/pdf"
STAND_IN = "（离线快照重建的替代文件，不是原附件）"

AUDIT = "《数据安全技术 个人信息保护合规审计专业机构能力要求》"
SBOM = "《网络安全技术 软件物料清单数据格式》"
LABELLING = "《网络安全技术 人工智能生成合成内容标识方法》"
DEPLOY_GUIDE = "网络安全标准实践指南——智能体部署使用安全指引"
GENAI = "网络安全技术 生成式人工智能服务安全基本要求"


def _vint(number: int) -> bytes:
    """A RAR5 variable-length integer: 7 bits a byte, high bit set while more follow."""
    out = bytearray()
    while True:
        low, number = number & 0x7F, number >> 7
        out.append(low | (0x80 if number else 0))
        if not number:
            return bytes(out)


def _rar_block(fields: bytes) -> bytes:
    """A RAR5 header: CRC32 of (size + fields), the size, the fields."""
    size = _vint(len(fields))
    return struct.pack("<I", zlib.crc32(size + fields)) + size + fields


def stored_rar(name: str, data: bytes, mtime: int) -> bytes:
    """A RAR5 archive holding one file stored without compression (checked with libarchive)."""
    encoded = name.encode("utf-8")
    main = _rar_block(_vint(1) + _vint(0) + _vint(0))
    file_fields = (
        _vint(2)  # file header
        + _vint(0x0002)  # a data area follows
        + _vint(len(data))
        + _vint(0x0002 | 0x0004)  # Unix mtime and data CRC32 present
        + _vint(len(data))  # unpacked size
        + _vint(0x20)  # attributes: archive
        + struct.pack("<I", mtime)
        + struct.pack("<I", zlib.crc32(data))
        + _vint(0)  # compression: version 0, method 0 (store)
        + _vint(1)  # host OS: Unix
        + _vint(len(encoded))
        + encoded
    )
    end = _rar_block(_vint(5) + _vint(0) + _vint(0))
    return b"Rar!\x1a\x07\x01\x00" + main + _rar_block(file_fields) + data + end


def _pdf(*lines: str) -> bytes:
    return make_pdf([[*lines, STAND_IN, "Reconstructed stand-in for the offline snapshot"]])


# url -> (file name as the page links it, body, content type, what the page is)
FILES: dict[str, tuple[str, bytes, str, str]] = {
    DOWNLOAD + "e83fb6ca44834427bb498c5a090d33d4": (
        f"{AUDIT}标准征求意见稿文本.pdf",
        _pdf(
            "ICS 35.030",
            "中华人民共和国国家标准",
            f"{AUDIT}（征求意见稿）",
            "数据安全技术 个人信息保护合规审计专业机构能力要求",
        ),
        MSDOWNLOAD,
        "suggestion-detail/3bb57023c00a464faf4c2f7b9a5524c7 (征求意见稿)",
    ),
    DOWNLOAD + "7381e1e3bff5405ab6dfc1eb943abc9e": (
        f"{AUDIT}标准编制说明.pdf",
        _pdf(f"国家标准{AUDIT}", "编制说明", "一、工作简况"),
        MSDOWNLOAD,
        "suggestion-detail/3bb57023c00a464faf4c2f7b9a5524c7 (编制说明)",
    ),
    DOWNLOAD + "9b8bc498223f4738be0eb82ed1d551a9": (
        f"{SBOM}标准征求意见稿文本.pdf",
        _pdf("中华人民共和国国家标准", f"{SBOM}（征求意见稿）", "软件物料清单 SBOM"),
        MSDOWNLOAD,
        "suggestion-detail/98e83c3febc44ac286fa5855fc269a65 (征求意见稿)",
    ),
    DOWNLOAD + "5b52a8b77ac14c169a6532325509c861": (
        f"{SBOM}意见反馈表.docx",
        make_docx(
            f"国家标准{SBOM}征求意见反馈表",
            STAND_IN,
            cells=("序号", "章条编号", "修改意见", "理由"),
        ),
        MSDOWNLOAD,
        "suggestion-detail/98e83c3febc44ac286fa5855fc269a65 (意见反馈表)",
    ),
    DOWNLOAD + "ce31ca70f5d54633a94d53014466235a": (
        "附件1：2026年度第二批网络安全国家标准需求清单.pdf",
        _pdf("附件1", "2026年度第二批网络安全国家标准需求清单"),
        MSDOWNLOAD,
        "portal/article/2/fc57d34e37694e39b0c0c5e293e131d0 (网安秘字〔2026〕44号)",
    ),
    DOWNLOAD + "65a2ac0e14a140f68bb382b7a6e00b0c": (
        "5项技术研究报告.rar",
        stored_rar(
            "说明.txt",
            ("TC260-TR-001-2026 至 TC260-TR-005-2026" + STAND_IN + "\n").encode("utf-8"),
            1775174400,  # 2026-04-03 08:00 +08:00
        ),
        MSDOWNLOAD,
        "portal/article/2/499c36b993b84fff893b8e2a54540fa2 (网安秘字〔2026〕34号)",
    ),
    DOWNLOAD + "69ec5f231a744150907f3101d341ad25": (
        f"{DEPLOY_GUIDE}.pdf",
        _pdf("TC260-PG-20266A", DEPLOY_GUIDE, "全国网络安全标准化技术委员会秘书处"),
        MSDOWNLOAD,
        "portal/article/2/350674797091494180c26505fd095b4e (TC260-PG-20266A)",
    ),
    DOWNLOAD + "0dfd7d3260f64ddfb9b44913b7c3437e": (
        f"GB／T 45654—2025 {GENAI}.pdf",
        _pdf("中华人民共和国国家标准", "GB/T 45654-2025", GENAI),
        MSDOWNLOAD,
        "portal/article/1/20250630122232 (标准全文)",
    ),
    SITE + "/upload/2024-02-29/1709196318442035723.pdf": (
        "TC260-003 生成式人工智能服务安全基本要求.pdf",
        _pdf("全国网络安全标准化技术委员会技术文件", "TC260-003", "生成式人工智能服务安全基本要求"),
        PDF,
        "front/postDetail.html?id=20240229170301 (TC260-003)",
    ),
    SITE + "/upload/2024-09-14/1726300127853017906.pdf": (
        f"{LABELLING}征求意见稿.pdf",
        _pdf("中华人民共和国国家标准", "强制性国家标准", f"{LABELLING}（征求意见稿）"),
        PDF,
        "front/bzzqyjDetail.html?id=20240914150822 (span#APP_1)",
    ),
    SITE + "/upload/2024-09-14/1726300139411052218.pdf": (
        f"{LABELLING}编制说明.pdf",
        _pdf(f"强制性国家标准{LABELLING}", "编制说明"),
        PDF,
        "front/bzzqyjDetail.html?id=20240914150822 (span#APP_3)",
    ),
}


def main() -> None:
    for url, (name, data, content_type, linked_from) in FILES.items():
        headers = {"Content-Type": content_type}
        if content_type == MSDOWNLOAD:
            headers["Content-Disposition"] = f"attachment;filename={quote(name)}"
        written = write_fixture(
            SNAPSHOT,
            url,
            data,
            status=200,
            headers=headers,
            origin="reconstructed",
            origin_detail=(
                f"short stand-in for the attachment {name} linked from {linked_from} "
                "(SITES.md §4.3), built by tools/snapshot_tc260_attachments.py; the real "
                "file was not captured. Only the file name and the link are modelled on the "
                "real page; the text is a few title lines."
            ),
            captured_at=CAPTURED,
        )
        print(written)


if __name__ == "__main__":
    main()
