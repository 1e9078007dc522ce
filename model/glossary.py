"""The glossary: English names of issuing organs and document types.

The bundled data file (``model/data/glossary.toml``) follows the names law firms use; an
editor's file (setting ``glossary.extra_path``) adds to it or overrides entries.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Issuer:
    chinese: str
    english: str
    abbreviation: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocType:
    chinese: str
    english: str


@dataclass
class Glossary:
    issuers: dict[str, Issuer] = field(default_factory=dict)
    doc_types: dict[str, DocType] = field(default_factory=dict)

    def issuer(self, name: str) -> Issuer | None:
        """The issuer with this Chinese name or alias."""
        name = name.strip()
        if name in self.issuers:
            return self.issuers[name]
        return next((i for i in self.issuers.values() if name in i.aliases), None)

    def doc_type(self, name: str) -> DocType | None:
        """The document type with this Chinese name."""
        return self.doc_types.get(name.strip())

    def issuers_in(self, text: str) -> list[Issuer]:
        """Issuers named in a text, longest names first, each once."""
        found: list[Issuer] = []
        for name in sorted(self._all_names(), key=len, reverse=True):
            issuer = self.issuer(name)
            if name in text and issuer not in found:
                found.append(issuer)  # type: ignore[arg-type]
                text = text.replace(name, "")
        return found

    def _all_names(self) -> list[str]:
        return [n for i in self.issuers.values() for n in (i.chinese, *i.aliases)]

    def merged(self, other: Glossary) -> Glossary:
        """A glossary with ``other``'s entries added over this one's."""
        return Glossary({**self.issuers, **other.issuers}, {**self.doc_types, **other.doc_types})


def parse_glossary(text: str, origin: str = "glossary") -> Glossary:
    """Read a glossary from TOML text (``[[issuer]]`` and ``[[doc_type]]`` tables)."""
    try:
        data = tomllib.loads(text)
        issuers = [
            Issuer(
                e["chinese"], e["english"], e.get("abbreviation", ""), tuple(e.get("aliases", ()))
            )
            for e in data.get("issuer", [])
        ]
        types = [DocType(e["chinese"], e["english"]) for e in data.get("doc_type", [])]
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{origin}: not a valid glossary ({exc!r})") from exc
    return Glossary({i.chinese: i for i in issuers}, {t.chinese: t for t in types})


def load_glossary(extra_path: str | Path | None = None) -> Glossary:
    """The bundled glossary, with an editor's file merged over it when given."""
    bundled = resources.files("model").joinpath("data/glossary.toml").read_text("utf-8")
    glossary = parse_glossary(bundled, "bundled glossary")
    if extra_path:
        path = Path(extra_path)
        glossary = glossary.merged(parse_glossary(path.read_text("utf-8"), str(path)))
    return glossary
