"""A separate writer process for the concurrency and kill tests (run with ``python -m``).

Usage: python -m tests.storage.writer MODE URL WORKER COUNT
  save      COUNT read-then-write transactions through Store.save_document
  deferred  the same kind of transaction with a plain deferred BEGIN (the negative control)
  hold      one write transaction inserting COUNT documents, then wait to be killed
  migrate   migrate with the slow fault migration, then wait to be killed
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError

from model.document import Document
from storage import Store, upgrade
from storage.documents import save_document
from storage.engine import make_engine, write_transaction
from storage.schema import documents

FAULTS = Path(__file__).parent / "fault_migrations"


def _doc(worker: str, i: int) -> Document:
    return Document(
        url=f"https://www.gov.cn/zhengce/{worker}/content_{i}.htm",
        source="gov_cn",
        title=f"测试文件 {worker}-{i}",
        body_text=f"正文 {worker} {i}",
    )


def save(url: str, worker: str, count: int) -> None:
    with Store.open(url, busy_timeout=30, migrate=False) as store:
        for i in range(count):
            store.save_document(_doc(worker, i))


def deferred(url: str, worker: str, count: int) -> None:
    engine = make_engine(url, busy_timeout=30)
    locked = 0
    for i in range(count):
        try:
            with write_transaction(engine, begin="DEFERRED") as conn:
                conn.execute(select(func.count()).select_from(documents)).scalar_one()
                conn.execute(insert(documents).values(_row(worker, i)))
        except OperationalError as exc:
            locked += "locked" in str(exc) or "busy" in str(exc)
    print(f"LOCKED {locked}", flush=True)


def _row(worker: str, i: int) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "url": f"https://x/{worker}/{i}",
        "source": "t",
        "title": "t",
        "title_key": "t",
        "issuers": [],
        "content_hash": "0" * 64,
        "first_seen": now,
        "last_seen": now,
    }


def hold(url: str, worker: str, count: int) -> None:
    engine = make_engine(url, busy_timeout=30)
    with write_transaction(engine) as conn:
        for i in range(count):
            save_document(conn, _doc(worker, i), seen_at=datetime.now(UTC))
        print("INSERTED", flush=True)
        time.sleep(60)


def migrate(url: str) -> None:
    upgrade(make_engine(url), extra_locations=[FAULTS])


if __name__ == "__main__":
    mode, db_url, name, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if mode == "migrate":
        migrate(db_url)
    else:
        {"save": save, "deferred": deferred, "hold": hold}[mode](db_url, name, n)
