"""Egress rules in isolation: address policy, the guarded resolver, the guard middleware.

RELIABILITY cases 7, 8 and 8b at the unit level; test_faults.py runs them through real crawls.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.http import Request, Response
from scrapy.settings import Settings as ScrapySettings
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IResolutionReceiver
from zope.interface import implementer

from config import load_settings
from crawler.egress import (
    AddressRefused,
    GuardedResolver,
    GuardMiddleware,
    HostRefused,
    RedirectLoop,
    RedirectRefused,
    SchemeRefused,
    SourceHalted,
    address_refusal,
    parse_networks,
    parse_resolve,
)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.5.4", "private"),
        ("100.64.0.1", "shared/CGNAT"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fe80::1", "link-local"),
        ("fc00::1", "private"),
        ("224.0.0.1", "multicast"),
        ("202.108.22.5", None),
        ("2400:da00::6666", None),
    ],
)
def test_address_policy(address: str, kind: str | None) -> None:
    assert address_refusal(address) == kind


def test_allowed_networks_open_exactly_what_they_name() -> None:
    allowed = parse_networks(["127.0.0.1", "10.8.0.0/16"])
    assert address_refusal("127.0.0.1", allowed) is None
    assert address_refusal("127.0.0.2", allowed) == "loopback"
    assert address_refusal("10.8.3.4", allowed) is None
    assert address_refusal("10.9.0.1", allowed) == "private"


def test_resolve_entries_are_checked() -> None:
    assert parse_resolve(["www.gov.cn=127.0.0.1"]) == {"www.gov.cn": "127.0.0.1"}
    with pytest.raises(ValueError):
        parse_resolve(["www.gov.cn"])
    with pytest.raises(ValueError):
        parse_resolve(["www.gov.cn=not-an-ip"])


# -- the resolver ----------------------------------------------------------------------------


@implementer(IResolutionReceiver)
class Collect:
    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.done = False

    def resolutionBegan(self, resolution: Any) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        self.addresses.append(address.host)

    def resolutionComplete(self) -> None:
        self.done = True


class StubDNS:
    """Answers each lookup with the next list of addresses (to play DNS rebinding)."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)

    def resolveHostName(self, receiver: Any, host: str, port: int = 0, *args: Any) -> Any:
        receiver.resolutionBegan(None)
        for address in self.answers.pop(0):
            kind = IPv6Address if ":" in address else IPv4Address
            receiver.addressResolved(kind("TCP", address, port))
        receiver.resolutionComplete()
        return receiver


def resolver(dns: StubDNS, **kwargs: Any) -> GuardedResolver:
    return GuardedResolver(SimpleNamespace(nameResolver=dns), **kwargs)


def lookup(guarded: GuardedResolver, host: str = "www.gov.cn") -> list[str]:
    receiver = Collect()
    guarded.resolveHostName(receiver, host, 443)
    assert receiver.done
    return receiver.addresses


def test_rebinding_public_then_private_is_refused_on_the_second_answer() -> None:
    guarded = resolver(StubDNS(["202.108.22.5"], ["127.0.0.1"]))
    assert lookup(guarded) == ["202.108.22.5"]
    assert lookup(guarded) == []
    assert "127.0.0.1 (loopback)" in guarded.refusals["www.gov.cn"]


@pytest.mark.parametrize(
    "private", ["127.0.0.1", "10.0.0.7", "100.64.1.1", "169.254.169.254", "::1", "::ffff:127.0.0.1"]
)
def test_private_answers_never_reach_the_connection(private: str) -> None:
    assert lookup(resolver(StubDNS([private, "202.108.22.5"]))) == ["202.108.22.5"]
    assert lookup(resolver(StubDNS([private]))) == []


def test_fixed_answers_obey_the_policy_too() -> None:
    fixed = {"www.gov.cn": "127.0.0.1"}
    assert lookup(resolver(StubDNS(), fixed=fixed)) == []
    allowed = parse_networks(["127.0.0.1"])
    assert lookup(resolver(StubDNS(), fixed=fixed, allowed=allowed)) == ["127.0.0.1"]


def test_the_replay_server_is_the_only_loopback_allowed_in_replay_mode() -> None:
    guarded = resolver(StubDNS(["127.0.0.1"], ["127.0.0.2"]), replay_host="127.0.0.1")
    assert lookup(guarded, "127.0.0.1") == ["127.0.0.1"]
    assert lookup(guarded, "127.0.0.2") == []


# -- the middleware --------------------------------------------------------------------------


def middleware(halted: str = "", replay_url: str = "") -> GuardMiddleware:
    spider = SimpleNamespace(hosts=("www.gov.cn",), halted=halted)
    settings = ScrapySettings(
        {"REGWATCH_SETTINGS": load_settings(environ={}), "REPLAY_URL": replay_url}
    )
    return GuardMiddleware(SimpleNamespace(spider=spider, settings=settings))  # type: ignore[arg-type]


def redirected(url: str, *hops: str, **headers: str) -> Request:
    return Request(url, headers=headers, meta={"redirect_urls": list(hops)})


def test_source_hosts_pass_and_others_do_not() -> None:
    guard = middleware()
    guard.process_request(Request("https://www.gov.cn/zhengce/x.htm"))
    for url in (
        "https://sousuo.www.gov.cn/x",
        "http://gov.cn/x",
        "http://127.0.0.1:8888\\@www.gov.cn/",
        "http://169.254.169.254/latest/meta-data/",
    ):
        with pytest.raises(HostRefused):
            guard.process_request(Request(url))


def test_only_http_and_https() -> None:
    with pytest.raises(SchemeRefused):
        middleware().process_request(redirected("ftp://www.gov.cn/x", "https://www.gov.cn/a"))


def test_redirect_to_another_host_is_refused() -> None:
    with pytest.raises(RedirectRefused):
        middleware().process_request(redirected("https://evil.example/x", "https://www.gov.cn/a"))


def test_redirect_back_to_a_visited_url_is_a_loop() -> None:
    request = redirected("https://www.gov.cn/a", "https://www.gov.cn/a", "https://www.gov.cn/b")
    with pytest.raises(RedirectLoop, match=r"a → .*b → .*a"):
        middleware().process_request(request)


@pytest.mark.parametrize(
    "target", ["https://www.gov.cn:8443/x", "http://www.gov.cn/x"], ids=["other-port", "http"]
)
def test_credentials_and_cookies_do_not_cross_origins(target: str) -> None:
    request = redirected(
        target, "https://www.gov.cn/a", Authorization="Basic c2VjcmV0", Cookie="sid=1"
    )
    middleware().process_request(request)
    assert b"Authorization" not in request.headers and b"Cookie" not in request.headers
    assert request.meta["dont_merge_cookies"] is True


def test_same_origin_redirect_keeps_its_headers() -> None:
    request = redirected("https://www.gov.cn/b", "https://www.gov.cn/a", Cookie="sid=1")
    middleware().process_request(request)
    assert request.headers[b"Cookie"] == b"sid=1" and "dont_merge_cookies" not in request.meta


def test_a_halted_source_sends_nothing_more() -> None:
    with pytest.raises(SourceHalted, match=r"403"):
        middleware(halted="403 from https://www.gov.cn/a").process_request(
            Request("https://www.gov.cn/b")
        )


def test_a_response_from_a_private_address_is_refused() -> None:
    from ipaddress import ip_address

    response = Response("https://www.gov.cn/a", ip_address=ip_address("10.0.0.5"))
    with pytest.raises(AddressRefused, match=r"10\.0\.0\.5"):
        middleware().process_response(Request("https://www.gov.cn/a"), response)
    public = Response("https://www.gov.cn/a", ip_address=ip_address("202.108.22.5"))
    assert middleware().process_response(Request("https://www.gov.cn/a"), public) is public
