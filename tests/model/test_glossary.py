"""The bundled glossary and an editor's extension file."""

from pathlib import Path

import pytest

from model.glossary import load_glossary


def test_bundled_issuers_have_law_firm_names() -> None:
    glossary = load_glossary()
    miit = glossary.issuer("工业和信息化部")
    assert miit is not None
    assert (miit.english, miit.abbreviation) == (
        "Ministry of Industry and Information Technology",
        "MIIT",
    )
    assert glossary.issuer("国家互联网信息办公室").abbreviation == "CAC"  # type: ignore[union-attr]
    assert glossary.issuer("全国网络安全标准化技术委员会").abbreviation == "TC260"  # type: ignore[union-attr]
    assert glossary.issuer("国务院办公厅").english == "General Office of the State Council"  # type: ignore[union-attr]


def test_aliases_find_the_issuer() -> None:
    glossary = load_glossary()
    assert glossary.issuer("工信部") is glossary.issuer("工业和信息化部")
    assert glossary.issuer("全国网络安全标准化技术委员会秘书处").abbreviation == "TC260"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("通知", "Notice"),
        ("办法", "Measures"),
        ("规定", "Provisions"),
        ("条例", "Regulations"),
        ("意见", "Opinions"),
        ("指南", "Guidelines"),
        ("决定", "Decision"),
        ("征求意见稿", "Draft for Comment"),
    ],
)
def test_document_types(chinese: str, english: str) -> None:
    assert load_glossary().doc_type(chinese).english == english  # type: ignore[union-attr]


def test_issuers_in_text_prefers_longest_names() -> None:
    found = load_glossary().issuers_in("工业和信息化部信息通信管理局 国家互联网信息办公室")
    assert [i.abbreviation or i.english for i in found][:2] == [
        "Information and Communication Administration Bureau of MIIT",
        "CAC",
    ]


def test_editor_file_extends_and_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "glossary.toml"
    extra.write_text(
        '[[issuer]]\nchinese = "深圳市司法局"\n'
        'english = "Justice Bureau of Shenzhen Municipality"\n'
        '[[issuer]]\nchinese = "国家数据局"\nenglish = "National Data Administration"\n'
        'abbreviation = "the NDA"\n',
        encoding="utf-8",
    )
    glossary = load_glossary(extra)
    assert glossary.issuer("深圳市司法局").english == "Justice Bureau of Shenzhen Municipality"  # type: ignore[union-attr]
    assert glossary.issuer("国家数据局").abbreviation == "the NDA"  # type: ignore[union-attr]
    assert glossary.issuer("工业和信息化部") is not None


def test_broken_editor_file_names_itself(tmp_path: Path) -> None:
    extra = tmp_path / "bad.toml"
    extra.write_text("[[issuer]]\nchinese = '缺英文名'\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.toml"):
        load_glossary(extra)
