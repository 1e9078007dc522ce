"""Settings: precedence of sources, type checks, and the README table."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import settings_table
from config import SettingsError, describe, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_need_no_file_or_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.database.busy_timeout == 10.0
    assert settings.origins == {}


def test_flag_beats_environment_beats_file_beats_default(tmp_path: Path) -> None:
    config = tmp_path / "regwatch.toml"
    config.write_text(
        "[database]\nurl = 'from-file.db'\nbusy_timeout = 3\n[general]\nlog_level = 'DEBUG'\n",
        encoding="utf-8",
    )
    environ = {
        "REGWATCH_CONFIG": str(config),
        "REGWATCH_DATABASE_URL": "from-env.db",
        "REGWATCH_DATABASE_BUSY_TIMEOUT": "4.5",
    }
    settings = load_settings({"database.url": "from-flag.db"}, environ=environ)
    assert settings.database.url == "from-flag.db"
    assert settings.database.busy_timeout == 4.5
    assert settings.general.log_level == "DEBUG"
    assert settings.identity.title_window_days == 180
    assert settings.origins == {
        "database.url": "flag",
        "database.busy_timeout": "env",
        "general.log_level": "file",
    }


def test_regwatch_toml_in_the_working_directory_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "regwatch.toml").write_text("[identity]\ntitle_window_days = 90\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_settings(environ={}).identity.title_window_days == 90


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"database.busy_timeout": "soon"}, "not a valid float"),
        ({"identity.title_window_days": "1.5"}, "not a valid int"),
        ({"database.nope": "1"}, "unknown setting 'database.nope'"),
        ({"nosection": "1"}, "unknown setting"),
    ],
)
def test_bad_values_are_refused_clearly(flags: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(flags, environ={})


def test_unknown_key_in_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[database]\nurll = 'typo'\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"database\.urll"):
        load_settings(environ={}, config=config)


def test_broken_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[database\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"c\.toml"):
        load_settings(environ={}, config=config)


def test_every_setting_has_help() -> None:
    for info in describe():
        assert info.help.strip(), info.name


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [row for row in settings_table().splitlines()[2:] if row not in readme]
    assert missing == [], (
        "README settings table is out of date; paste `regwatch settings --markdown`"
    )
