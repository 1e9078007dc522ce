"""A folder of saved responses (body file + ``.meta.json`` sidecar) indexed by request key."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from crawler.replay.keys import BodyLike, RequestKey, origin_of, request_key
from crawler.replay.meta import META_SUFFIX, Fixture, FixtureError, load_fixture
from crawler.replay.writer import write_fixture

__all__ = [
    "Fixture",
    "FixtureError",
    "FixtureTree",
    "RequestKey",
    "request_key",
    "write_fixture",
]


class FixtureTree:
    """All fixtures under one root folder, grouped by request key."""

    def __init__(self, root: Path, fixtures: Mapping[RequestKey, list[Fixture]]) -> None:
        self.root = root
        self._by_key = {key: sorted(group, key=_seq) for key, group in fixtures.items()}

    @classmethod
    def load(cls, root: Path | str) -> FixtureTree:
        """Load every ``*.meta.json`` under root; raise FixtureError naming a bad file."""
        root = Path(root)
        if not root.is_dir():
            raise FixtureError(f"{root}: fixture root is not a directory")
        grouped: dict[RequestKey, list[Fixture]] = {}
        for meta in sorted(root.rglob("*" + META_SUFFIX)):
            fixture = load_fixture(meta)
            _check_unique(grouped.setdefault(fixture.key, []), fixture)
            grouped[fixture.key].append(fixture)
        return cls(root, grouped)

    def match(self, method: str, url: str, body: BodyLike = b"") -> list[Fixture]:
        """Fixtures answering this request, sorted by sequence; HEAD falls back to GET."""
        found = self._by_key.get(request_key(method, url, body), [])
        if not found and method.upper() == "HEAD":
            found = self._by_key.get(request_key("GET", url), [])
        return list(found)

    def origins(self) -> set[str]:
        """The distinct ``scheme://host`` origins present in the tree."""
        return {origin_of(fixture.url) for fixture in self}

    def __iter__(self) -> Iterator[Fixture]:
        """Iterate over every fixture."""
        return (fixture for group in self._by_key.values() for fixture in group)

    def __len__(self) -> int:
        """Number of fixtures (body files)."""
        return sum(len(group) for group in self._by_key.values())


def _seq(fixture: Fixture) -> int:
    """Sort key: sequence number, unsequenced first."""
    return fixture.sequence or 0


def _check_unique(group: list[Fixture], new: Fixture) -> None:
    """Refuse a second response for one request key unless both carry distinct sequences."""
    for old in group:
        if new.sequence is None or old.sequence is None or new.sequence == old.sequence:
            raise FixtureError(
                f"{new.meta_path}: answers the same request as {old.meta_path};"
                " give both a distinct 'sequence' or remove one"
            )
