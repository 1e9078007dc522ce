"""Review app latency over loopback HTTP with a large store: prints numbers, asserts nothing.

Fills a fresh database with synthetic documents (50,000 by default: Chinese titles and
bodies built from real regulatory vocabulary, four sources, drafts with deadlines, topics on
about half), serves the app with uvicorn on 127.0.0.1, logs in, and times:

* the queue unfiltered (pending, newest first, 50 rows, with counts per status);
* the queue filtered: by source and draft, by topic sorted by deadline, "no topic", and a
  Chinese text search;
* item pages of random documents.

Prints p50 / p95 / max per kind (target: p95 < 100 ms). Run from the repository root:
``python bench/web.py [--documents N] [--database-url URL] [--requests N]``.
"""

from __future__ import annotations

import argparse
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from config import load_settings  # noqa: E402
from model import BEIJING, Document  # noqa: E402
from model.users import EDITOR  # noqa: E402
from storage import Store  # noqa: E402
from web.app import create_app  # noqa: E402
from web.auth import hash_password  # noqa: E402

PASSWORD = "bench password 1"
SOURCES = ("gov_cn", "miit", "cac", "tc260")
ISSUERS = ("国家互联网信息办公室", "工业和信息化部", "国务院", "全国网络安全标准化技术委员会")
SUBJECTS = (
    "数据出境安全评估",
    "个人信息保护合规审计",
    "未成年人网络保护",
    "网络数据安全管理",
    "生成式人工智能服务",
    "关键信息基础设施安全保护",
    "汽车数据安全",
    "移动互联网应用程序个人信息保护",
    "网络安全等级保护",
    "数据要素市场化配置",
    "儿童个人信息网络保护",
    "算法推荐管理",
)
KINDS = ("办法", "规定", "通知", "指南", "实施细则", "管理条例")
SENTENCES = (
    "为了规范相关活动，保障合法权益，促进行业健康发展，制定本办法。",
    "有关单位应当履行保护义务，采取必要措施保障安全。",
    "主管部门负责统筹协调相关监督管理工作。",
    "本办法自发布之日起施行。",
    "现向社会公开征求意见，公众可通过以下途径和方式提出反馈意见。",
    "主管部门将加强监督检查，依法查处违法违规行为。",
    "各地区各部门要结合实际认真贯彻落实。",
    "第{n}条 本办法由主管部门负责解释。",
)
"""Common wording; each document also states its subject, so a subject's words (数据, 儿童 …)
occur in a share of documents, as in a real collection, not in all of them."""
TOPICS = ("cross_border", "personal_information", "minors", "app_governance", "cii")


def _document(n: int, rng: random.Random, start: datetime) -> Document:
    subject = rng.choice(SUBJECTS)
    kind = rng.choice(KINDS)
    draft = rng.random() < 0.2
    published = start + timedelta(minutes=n * 50)
    title = f"{subject}{kind}（第{n}号）" + ("（征求意见稿）" if draft else "")
    common = [rng.choice(SENTENCES).format(n=n) for _ in range(rng.randint(8, 40))]
    body = "\n".join([f"为规范{subject}工作，制定本{kind}。", *common])
    return Document(
        url=f"https://www.example-{n % 4}.gov.cn/doc/{n}.html",
        source=SOURCES[n % 4],
        title=title,
        body_text=body,
        published_at=published,
        issuers=[rng.choice(ISSUERS)],
        doc_type=kind,
        is_draft_for_comment=draft,
        comment_deadline=(published + timedelta(days=30)).date() if draft else None,
    )


def fill(store: Store, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    start = datetime.now(BEIJING) - timedelta(minutes=50 * count)  # the newest are this week's
    started = time.perf_counter()
    for first in range(0, count, 1000):
        batch = [_document(n, rng, start) for n in range(first, min(count, first + 1000))]
        results = store.save_documents(batch)
        for result in results[::2]:  # half the documents get topics
            store.set_topics(result.document_id, rng.sample(TOPICS, 2), editor="bench")
        print(f"\r  stored {first + len(batch):,} documents", end="", file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(f"\rstored {count:,} documents in {elapsed:.0f} s", file=sys.stderr)


def serve(app: object) -> tuple[str, uvicorn.Server, threading.Thread]:
    sock = socket.socket(
        socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP
    )  # so asyncio sets TCP_NODELAY
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{sock.getsockname()[1]}", server, thread


def log_in(client: httpx.Client) -> None:
    form = client.get("/login").text
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    reply = client.post(
        "/login", data={"name": "bench", "password": PASSWORD, "csrf_token": token, "next": "/"}
    )
    if reply.status_code != 303:
        raise SystemExit(f"login failed: HTTP {reply.status_code}")


def timed(client: httpx.Client, paths: list[str]) -> list[float]:
    out = []
    for path in paths:
        started = time.perf_counter()
        reply = client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        if reply.status_code != 200:
            raise SystemExit(f"{path}: HTTP {reply.status_code}")
    return out


def report(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p95 = ms[max(0, int(len(ms) * 0.95) - 1)]
    print(
        f"{name:<34} p50 {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   "
        f"max {ms[-1]:6.1f} ms   (n={len(ms)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=100, help="per kind of page")
    parser.add_argument("--database-url", default="", help="default: a new SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or str(Path(tmp) / "bench.db")
        with Store.open(url) as store:
            store.add_user("bench", "bench@firm.example", EDITOR, hash_password(PASSWORD))
            fill(store, args.documents)
            top = store.list_documents()[0].id or 1
        app = create_app(load_settings({"database.url": url}, environ={}))
        base, server, thread = serve(app)
        rng = random.Random(11)
        n = args.requests
        kinds = {
            "queue, unfiltered": ["/"] * n,
            "queue, source + drafts": ["/?source=miit&draft=yes"] * n,
            "queue, topic, by deadline": ["/?topic=minors&sort=deadline&status=all"] * n,
            "queue, no topic, page 20": ["/?topic=(none)&page=20"] * n,
            "queue, comment period open": ["/?open=1&sort=deadline"] * n,
            "queue, search 儿童": ["/?q=儿童"] * n,
            "queue, search 数据 出境": ["/?q=数据+出境&status=all"] * n,
            "item page": [f"/documents/{rng.randint(1, top)}" for _ in range(n)],
        }
        with httpx.Client(base_url=base, timeout=60) as client:
            log_in(client)
            timed(client, ["/", "/documents/1"])  # warm up
            print(f"{args.documents:,} documents, {n} requests per kind, one client, loopback")
            for name, paths in kinds.items():
                report(name, timed(client, paths))
        server.should_exit = True
        thread.join(timeout=10)


if __name__ == "__main__":
    main()
