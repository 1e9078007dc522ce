"""Building and rendering a month's digest: prints numbers, asserts nothing.

Fills a fresh SQLite database with one month of approved documents (500 by default: Chinese
titles and bodies, three issuers, a fifth drafts with deadlines, topics on most, an editor's
English headline, summary and bullets on half), then times choosing and laying out the month
(``digest.service.load``) and rendering it in every format, and prints the peak RSS of the
process. Target: under 2 s per format. Run from the repository root:
``python bench/digest.py [--documents N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from config import Settings  # noqa: E402
from digest.render import FORMATS  # noqa: E402
from digest.service import load  # noqa: E402
from model import APPROVED, BEIJING, Document  # noqa: E402
from model.digest import Month  # noqa: E402
from model.glossary import load_glossary  # noqa: E402
from model.review import Editorial  # noqa: E402
from storage import Store  # noqa: E402

MONTH = Month(2026, 7)
ISSUERS = ("国家互联网信息办公室", "工业和信息化部", "全国网络安全标准化技术委员会")
SUBJECTS = ("数据出境安全评估", "个人信息保护合规审计", "未成年人网络保护", "汽车数据安全")
TOPICS = ("cross_border", "personal_information", "minors", "data_security", "cybersecurity")
BODY = "为了规范数据处理活动，保障数据安全，促进数据开发利用，保护个人、组织的合法权益。\n" * 20


def _document(n: int, rng: random.Random) -> Document:
    draft = rng.random() < 0.2
    published = datetime(2026, 7, 1, 9, tzinfo=BEIJING) + timedelta(minutes=n * 80)
    return Document(
        url=f"https://www.cac.gov.cn/2026-07/{n}.htm",
        source="cac",
        title=f"关于{rng.choice(SUBJECTS)}的办法（第{n}号）" + ("（征求意见稿）" if draft else ""),
        issuers=[rng.choice(ISSUERS)],
        doc_type="办法",
        is_draft_for_comment=draft,
        comment_deadline=date(2026, 8, 30) if draft else None,
        body_text=BODY,
        published_at=published,
    )


def fill(store: Store, count: int) -> None:
    rng = random.Random(7)
    results = store.save_documents(_document(n, rng) for n in range(count))
    ids = [r.document_id for r in results]
    for doc_id in ids:
        if rng.random() < 0.8:
            store.set_topics(doc_id, rng.sample(TOPICS, k=rng.randint(1, 2)), editor="bench")
        if rng.random() < 0.5:
            text = Editorial(
                f"CAC issues measures no. {doc_id}",
                "",
                "The measures set out how data handlers assess and report. " * 3,
                ("first obligation", "second obligation", "third obligation"),
            )
            store.review(doc_id, _revision(store, doc_id), user="bench", editorial=text)
    store.set_review_status(ids, APPROVED, user="bench")


def _revision(store: Store, doc_id: int) -> int:
    doc = store.get_document(doc_id)
    assert doc is not None
    return doc.revision


def _time(work: object, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings, glossary = Settings(), load_glossary()
    with tempfile.TemporaryDirectory() as tmp, Store.open(f"{tmp}/bench.db") as store:
        started = time.perf_counter()
        fill(store, args.documents)
        print(
            f"filled {args.documents} approved documents in {time.perf_counter() - started:.1f} s"
        )
        took, draft = _time(lambda: load(store, MONTH, settings, glossary), args.repeat)
    digest = draft.digest  # type: ignore[attr-defined]
    print(f"select and lay out: {took * 1000:.0f} ms ({len(digest.entries())} entries)")
    for name, (extension, render) in FORMATS.items():
        took, body = _time(lambda render=render: render(digest), args.repeat)
        size = len(body.encode() if isinstance(body, str) else body)  # type: ignore[union-attr]
        print(f"{name:>5} ({extension}): {took * 1000:7.0f} ms, {size / 1024:7.0f} KiB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
