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
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.crawler.govcn_pages import crawl_args, write_tree  # noqa: E402


def crawl(db: Path, tree: Path) -> tuple[float, int, str]:
    """Run one crawl in a child process; return seconds, peak RSS (KiB) and its summary."""
    args = crawl_args(db, tree, "crawl.concurrent_per_domain=16", "crawl.download_delay=0")
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
        naive_bytes = write_tree(tree, pages, paragraphs=24)
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
