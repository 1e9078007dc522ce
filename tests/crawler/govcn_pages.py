"""Building small www.gov.cn trees of saved pages, and running the crawl command on them.

Shared by the end-to-end crawl tests and bench/crawl.py. Pages follow SITES.md §1.1 (the JSON
channel feed) and §1.3 (the policy-library detail template).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from crawler.replay.writer import write_fixture

ROOT = Path(__file__).resolve().parents[2]
FEED = "https://www.gov.cn/zhengce/zhengceku/bmwj/TONGYONGGAILAN.json"
HTML = {"Content-Type": "text/html; charset=utf-8"}
JSON = {"Content-Type": "application/json"}
ORIGIN = {"origin": "reconstructed", "origin_detail": "test page following SITES.md §1.1/§1.3"}


def page_url(i: int) -> str:
    """The URL of generated detail page ``i``."""
    return f"https://www.gov.cn/zhengce/zhengceku/202611/content_{7100000 + i}.htm"


def detail_html(title: str, body: str, published: str = "2026-11-18-10:00:00") -> str:
    """A policy-library detail page (with its duplicate mobile copy of the body)."""
    return (
        f'<html><head><meta charset="utf-8"><meta name="firstpublishedtime" '
        f'content="{published}"><title>{title}_国务院部门文件_中国政府网</title></head><body>'
        f'<div class="policyLibraryOverview_header"><table><tr><td>标  题：</td>'
        f"<td>{title}</td><td>发文机关：</td><td>工业和信息化部</td></tr></table></div>"
        f'<div class="pages_content mhide" id="UCAP-CONTENT">{body}</div>'
        f'<div class="pages_content pages_contentm pchide">{body}</div></body></html>'
    )


def feed_json(entries: list[tuple[str, str]], day: str = "2026-11-18") -> str:
    """A channel feed listing (url, title) pairs."""
    rows = [{"TITLE": t, "SUB_TITLE": "", "URL": u, "DOCRELPUBTIME": day} for u, t in entries]
    return json.dumps(rows, ensure_ascii=False)


def save(
    root: Path,
    url: str,
    body: str,
    *,
    headers: dict[str, str] | None = None,
    sequence: int | None = None,
) -> None:
    """Write one saved response into the tree at ``root``."""
    write_fixture(root, url, body, status=200, headers=headers or HTML, sequence=sequence, **ORIGIN)  # type: ignore[arg-type]


def write_tree(root: Path, pages: int, paragraphs: int = 1) -> int:
    """A feed of ``pages`` documents and their pages; returns the bytes of all bodies."""
    titles = [f"关于加强网络数据安全管理工作的通知（第{i}号）" for i in range(pages)]
    feed = feed_json([(page_url(i), t) for i, t in enumerate(titles)])
    save(root, FEED, feed, headers=JSON)
    total = len(feed.encode())
    for i, title in enumerate(titles):
        body = "".join(
            f"<p>第{n}条 第{i}号通知正文，网络数据处理者应当建立健全数据安全管理制度。</p>"
            for n in range(1, paragraphs + 1)
        )
        html = detail_html(title, body)
        total += len(html.encode())
        save(root, page_url(i), html)
    return total


def crawl_args(db: Path, tree: Path | None, *settings: str) -> list[str]:
    """The command line of ``regwatch crawl gov_cn`` on a tree (bmwj channel only)."""
    args = [sys.executable, "-m", "cli", "--db", str(db)]
    for item in ("crawl.autothrottle=false", "sources.gov_cn.enabled_channels=bmwj", *settings):
        args += ["--set", item]
    return [*args, "crawl", "gov_cn", *(["--replay", str(tree)] if tree else [])]


def counts_in(output: str, prefix: str = "gov_cn:") -> dict[str, int]:
    """The counters of a crawl summary line: {"new": 3, "failed": 0, "responses": 5, ...}."""
    line = next(x for x in output.splitlines() if x.startswith(prefix))
    return {k: int(n) for n, k in re.findall(r"(\d+) (\w+)", line)}


def crawl(db: Path, tree: Path | None, *settings: str) -> tuple[int, dict[str, int], str]:
    """Run one crawl in its own process; return exit code, summary counts and stderr."""
    done = subprocess.run(
        crawl_args(db, tree, *settings),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    return done.returncode, counts_in(done.stdout), done.stderr
