"""Every saved page under fixtures/ loads and says where it came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.replay.tree import FixtureTree

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TREES = sorted(p for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("tree", TREES, ids=[t.name for t in TREES])
def test_tree_loads_and_marks_every_origin(tree: Path) -> None:
    fixtures = list(FixtureTree.load(tree))
    assert fixtures
    for fixture in fixtures:
        assert fixture.origin in ("real", "real-abridged", "reconstructed"), fixture.url
        if fixture.origin == "reconstructed":
            assert "SITES.md" in fixture.origin_detail, fixture.url
        else:
            assert "repository" in fixture.origin_detail, fixture.url


def test_snapshot_holds_the_real_samples() -> None:
    origins = {f.url: f.origin for f in FixtureTree.load(FIXTURES / "snapshot")}
    assert origins["https://www.gov.cn/robots.txt"] == "real"
    assert origins["https://www.gov.cn/zhengce/zuixin/ZUIXINZHENGCE.json"] == "real"
    assert origins["https://www.gov.cn/zhengce/zhengceku/202609/content_7082302.htm"] == (
        "real-abridged"
    )
    assert origins["https://www.cac.gov.cn/"] == "real-abridged"
