"""Crawl speed and the cost of polling: prints numbers, asserts nothing.

1. Generates a replay tree of 2,000 gov.cn documents (one 部门文件 feed, 2,000 detail pages).
2. Crawls it with politeness off (no delay, no AutoThrottle, 16 requests in flight) and prints
   pages/min and the crawler's peak RSS.
3. Runs ``scrapy bench`` for the same duration class and prints its pages/min and our ratio.
4. Polls again with nothing new and prints requests and bytes next to a naive re-fetch of every
   list and detail page.

Run: ``python bench/crawl.py [--pages N]`` from the repository root (``make bench``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.replay.writer import write_fixture  # noqa: E402

FEED = "https://www.gov.cn/zhengce/zhengceku/bmwj/TONGYONGGAILAN.json"
PARAGRAPH = (
    "第{n}条 网络数据处理者应当依照法律、行政法规的规定和国家标准的强制性要求，"
    "建立健全网络数据安全管理制度，采取加密、备份、访问控制、安全认证等技术措施。"
)


def page(i: int) -> str:
    body = "".join(f"<p>{PARAGRAPH.format(n=n)}</p>" for n in range(1, 25))
    title = f"关于加强网络数据安全管理工作的通知（第{i}号）"
    return (
        f'<html><head><meta charset="utf-8"><meta name="firstpublishedtime" '
        f'content="2026-11-18-10:00:00"><title>{title}_国务院部门文件_中国政府网</title></head>'
        f'<body><div class="policyLibraryOverview_header"><table><tr><td>标  题：</td>'
        f"<td>{title}</td><td>发文机关：</td><td>工业和信息化部</td></tr><tr><td>发文字号：</td>"
        f"<td>工信部网安〔2026〕{i}号</td><td>来  源：</td><td>工业和信息化部网站</td></tr>"
        f'</table></div><div class="pages_content mhide" id="UCAP-CONTENT">{body}</div>'
        f'<div class="pages_content pages_contentm pchide">{body}</div></body></html>'
    )


def build_tree(root: Path, pages: int) -> int:
    """Write the tree; return the total body bytes of the feed and every detail page."""
    meta = {
        "status": 200,
        "origin": "reconstructed",
        "origin_detail": "generated for the benchmark, follows SITES.md §1.1/§1.3",
    }
    urls = [
        f"https://www.gov.cn/zhengce/zhengceku/202611/content_{7200000 + i}.htm"
        for i in range(pages)
    ]
    rows = [
        {
            "TITLE": f"关于加强网络数据安全管理工作的通知（第{i}号）",
            "SUB_TITLE": "",
            "URL": u,
            "DOCRELPUBTIME": "2026-11-18",
        }
        for i, u in enumerate(urls)
    ]
    feed = json.dumps(rows, ensure_ascii=False)
    write_fixture(root, FEED, feed, headers={"Content-Type": "application/json"}, **meta)
    total = len(feed.encode())
    for i, url in enumerate(urls):
        html = page(i)
        total += len(html.encode())
        write_fixture(root, url, html, headers={"Content-Type": "text/html; charset=utf-8"}, **meta)
    return total


def crawl(db: Path, tree: Path) -> tuple[float, int, str]:
    """Run one crawl in a child process; return seconds, peak RSS (KiB) and its summary."""
    args = [
        sys.executable,
        "-m",
        "cli",
        "--db",
        str(db),
        "--set",
        "gov_cn.channels=bmwj",
        "--set",
        "crawl.autothrottle=false",
        "--set",
        "crawl.concurrent_per_domain=16",
        "--set",
        "crawl.download_delay=0",
        "crawl",
        "gov_cn",
        "--replay",
        str(tree),
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return time.perf_counter() - start, usage.ru_maxrss, out.strip()


def scrapy_bench() -> float:
    """pages/min reported by ``scrapy bench`` (run outside the project, default settings)."""
    with tempfile.TemporaryDirectory() as empty:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "bench",
                "-s",
                "CLOSESPIDER_TIMEOUT=15",
                "-s",
                "LOG_LEVEL=INFO",
            ],
            cwd=empty,
            capture_output=True,
            text=True,
            check=False,
        )
    rates = [int(r) for r in re.findall(r"at (\d+) pages/min", done.stderr)]
    return float(max(rates)) if rates else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    pages = parser.parse_args().pages
    with tempfile.TemporaryDirectory() as tmp:
        tree, db = Path(tmp) / "tree", Path(tmp) / "bench.db"
        naive_bytes = build_tree(tree, pages)
        seconds, rss, summary = crawl(db, tree)
        rate = (pages + 1) / seconds * 60
        print(
            f"first crawl: {pages} documents in {seconds:.1f} s = {rate:,.0f} pages/min, "
            f"peak RSS {rss / 1024:.0f} MiB"
        )
        print(f"  {summary}")
        bench = scrapy_bench()
        print(f"scrapy bench: {bench:,.0f} pages/min; regwatch/scrapy bench = {rate / bench:.2f}")
        seconds, _rss, summary = crawl(db, tree)
        match = re.search(r"(\d+) responses, (\d+) bytes", summary)
        responses, body = (int(match[1]), int(match[2])) if match else (-1, -1)
        print(f"second poll, nothing new: {responses} responses, {body:,} bytes, {seconds:.1f} s")
        print(
            f"naive re-fetch of every list and detail page: {pages + 1} requests, "
            f"{naive_bytes:,} bytes"
        )


if __name__ == "__main__":
    main()
