"""The targets, measured as the README reports them: 5-fold cross-validation on the bundled set
with the default embedder (bilingual pairs of one document kept in one fold)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main

pytestmark = pytest.mark.timeout(240)


def test_cross_validation_meets_the_targets(db_with_model: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["--db", str(db_with_model), "classifier", "eval", "--cross-validate", "--json"],
        env={"REGWATCH_CONFIG": ""},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    reports = json.loads(result.stdout)
    assert reports["all"]["micro"]["f1"] >= 0.90
    assert reports["all"]["macro"]["f1"] >= 0.85
    assert reports["en"]["macro"]["f1"] >= 0.80
    assert reports["zh"]["macro"]["f1"] >= 0.85
    assert set(reports) == {"all", "en", "zh"}
    assert all(t["support"] >= 10 for t in reports["en"]["topics"].values())
