"""Sources and channels are data: the catalogue, and overrides from the file and flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import SettingsError, load_settings


def test_the_catalogue_is_loaded_by_default() -> None:
    gov_cn = load_settings(environ={}).sources["gov_cn"]
    assert gov_cn.hosts == ("www.gov.cn",) and gov_cn.allows_host("WWW.GOV.CN")
    assert [c.name for c in gov_cn.enabled_channels()] == ["zuixin", "bmwj", "gwywj", "jiedu"]
    assert not gov_cn.channels["rss"].enabled


def test_a_channel_is_added_and_another_disabled_in_the_file(tmp_path: Path) -> None:
    config = tmp_path / "regwatch.toml"
    config.write_text(
        "[sources.gov_cn.channels.jiedu]\nenabled = false\n"
        "[sources.gov_cn.channels.extra]\n"
        "url = 'https://www.gov.cn/zhengce/xxgk/EXTRA.json'\nlabel = '信息公开'\nformat = 'json'\n",
        encoding="utf-8",
    )
    settings = load_settings(environ={}, config=config)
    names = [c.name for c in settings.sources["gov_cn"].enabled_channels()]
    assert names == ["zuixin", "bmwj", "gwywj", "extra"]
    assert settings.origins["sources"] == "file"


def test_flags_reach_into_channels() -> None:
    settings = load_settings(
        {
            "sources.gov_cn.enabled_channels": "bmwj,rss",
            "sources.gov_cn.channels.bmwj.url": "http://www.gov.cn:8080/feed.json",
        },
        environ={},
    )
    gov_cn = settings.sources["gov_cn"]
    assert [c.name for c in gov_cn.enabled_channels()] == ["bmwj", "rss"]
    assert gov_cn.channels["bmwj"].url == "http://www.gov.cn:8080/feed.json"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"sources.gov_cn.channels.bmwj.url": "https://evil.example/x"}, "not in hosts"),
        ({"sources.gov_cn.channels.bmwj.url": "file:///etc/passwd"}, "http"),
        ({"sources.gov_cn.enabled_channels": "nope"}, "unknown channels"),
        ({"sources.gov_cn.colour": "red"}, "unknown key"),
        ({"sources.gov_cn.channels.bmwj.enabled": "maybe"}, "true or false"),
        ({"sources.gov_cn": "x"}, "unknown setting"),
        ({"sources.new.channels.a.url": "https://x.example/a"}, "at least one host"),
    ],
)
def test_bad_sources_are_refused_with_the_key(flags: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(flags, environ={})


def test_a_channel_may_override_its_sources_keyword_filter() -> None:
    miit = load_settings(environ={}).sources["miit"]
    assert miit.filter_by_keywords
    assert miit.filters("yjzj") and not miit.filters("waj_wjfb")
    relaxed = load_settings({"sources.miit.channels.yjzj.filter_by_keywords": "no"}, environ={})
    assert not relaxed.sources["miit"].filters("yjzj")


def test_tls_verification_is_turned_off_for_one_source_only() -> None:
    from scrapy.crawler import Crawler

    from crawler.run import base_settings
    from crawler.spiders.gov_cn import GovCnSpider

    def verifies(settings_flags: dict[str, str]) -> bool:
        scrapy_settings = base_settings()
        regwatch = load_settings(settings_flags, environ={})
        scrapy_settings.set("REGWATCH_SETTINGS", regwatch, priority="cmdline")
        crawler = Crawler(GovCnSpider, scrapy_settings)
        return crawler.settings.getbool("DOWNLOAD_VERIFY_CERTIFICATES")

    assert verifies({})
    assert verifies({"sources.tc260.verify_tls": "false"})
    assert not verifies({"sources.gov_cn.verify_tls": "false"})


def test_a_bad_tls_flag_is_named() -> None:
    with pytest.raises(SettingsError, match=r"sources\.cac\.verify_tls"):
        load_settings({"sources.cac.verify_tls": "maybe"}, environ={})
