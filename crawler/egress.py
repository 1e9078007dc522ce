"""What the crawler may connect to: its sources' hosts, over http(s), at public addresses.

Three layers, each enough on its own for what it checks:

* :class:`GuardMiddleware` (a downloader middleware, first in line) refuses a request whose
  scheme is not http(s), whose host is not one of the source's hosts, or that a redirect sent
  to another host or back to a URL already visited; it strips credentials and cookies when a
  redirect changes origin (scheme, host or port); once a source is halted (blocked,
  throttled) it drops that source's remaining requests.
* :class:`GuardedResolver` (Scrapy's ``TWISTED_DNS_RESOLVER``) sits between Twisted and DNS:
  every connection, IP literals included, connects only to an address it let through, so a
  name that resolves (or re-resolves) to a private, loopback, link-local or CGNAT address is
  refused at connect time.
* The middleware checks again the address a response actually came from.

Loopback is allowed only for the replay server in replay mode, and for networks listed in
``crawl.allowed_addresses`` (tests, intranet mirrors).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer, provider

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from twisted.internet.interfaces import IAddress, IHostResolution

log = logging.getLogger("regwatch.crawl")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Refused(IgnoreRequest):
    """A request the egress rules do not allow; the message says which rule and why."""

    kind = "refused"


class SchemeRefused(Refused):
    kind = "refused_scheme"


class HostRefused(Refused):
    kind = "refused_host"


class RedirectRefused(Refused):
    kind = "offsite_redirect"


class RedirectLoop(Refused):
    kind = "redirect_loop"


class AddressRefused(Refused):
    kind = "refused_address"


class SourceHalted(IgnoreRequest):
    """The source was found blocked or throttled earlier in this run: no more requests."""


def address_refusal(address: str, allowed: Sequence[Network] = ()) -> str | None:
    """None when the crawler may connect to ``address``; else what kind of address it is."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in net for net in allowed if net.version == ip.version):
        return None
    for label, test in (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("shared/CGNAT", ip in ipaddress.ip_network("100.64.0.0/10")),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if test:
            return label
    return None if ip.is_global else "non-public"


def parse_networks(values: Iterable[str]) -> list[Network]:
    """``crawl.allowed_addresses`` as networks; a bare address is a /32 or /128."""
    return [ipaddress.ip_network(v.strip(), strict=False) for v in values if v.strip()]


def parse_resolve(values: Iterable[str]) -> dict[str, str]:
    """``crawl.resolve`` entries ``host=address`` as a mapping; bad entries raise ValueError."""
    fixed = {}
    for entry in values:
        host, sep, address = entry.partition("=")
        if not sep or not host.strip():
            raise ValueError(f"crawl.resolve entry {entry!r} is not host=address")
        ipaddress.ip_address(address.strip())
        fixed[host.strip().lower()] = address.strip()
    return fixed


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in."""
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or ""), parts.port or _DEFAULT_PORTS.get(parts.scheme)


def address_refusal_for(url: str) -> str | None:
    """Why the installed resolver refused the host of ``url``, if it did."""
    from twisted.internet import reactor

    resolver = getattr(reactor, "nameResolver", None)
    refusals = getattr(resolver, "refusals", {})
    return refusals.get(urlsplit(url).hostname or "")


class GuardMiddleware:
    """Downloader middleware enforcing the egress rules for every request of a source."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        regwatch = settings.get("REGWATCH_SETTINGS")
        self.allowed = parse_networks(regwatch.crawl.allowed_addresses if regwatch else ())
        self.replay_host = urlsplit(settings.get("REPLAY_URL") or "").hostname

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Refuse what the rules forbid; strip credentials on a cross-origin redirect."""
        spider = self.crawler.spider
        halted = getattr(spider, "halted", "")
        if halted:
            raise SourceHalted(f"not fetched, source halted: {halted}")
        if self.replay_host and urlsplit(request.url).hostname == self.replay_host:
            return  # already rewritten to the replay server by the replay middleware
        scheme, host, _ = origin(request.url)
        if scheme not in ("http", "https"):
            raise SchemeRefused(f"scheme {scheme!r} refused: {request.url}")
        hosts = getattr(spider, "hosts", ())
        hops = request.meta.get("redirect_urls") or []
        if hops:
            self._check_redirect(request, hops)
        if host not in hosts:
            raise HostRefused(f"{host} is not a host of this source {tuple(hosts)}: {request.url}")

    def _check_redirect(self, request: Request, hops: list[str]) -> None:
        first = origin(hops[0])
        here = origin(request.url)
        if here[1] != first[1]:
            raise RedirectRefused(f"redirect to another host refused: {hops[0]} → {request.url}")
        if request.url in hops:
            chain = " → ".join([*hops, request.url])
            raise RedirectLoop(f"redirect loop: {chain}")
        if here != first:  # same host, other scheme or port: another origin
            for header in (b"Authorization", b"Cookie", b"Proxy-Authorization"):
                request.headers.pop(header, None)
            request.meta["dont_merge_cookies"] = True

    def process_response(self, request: Request, response: Response) -> Response:
        """Refuse a response that came from an address the crawler must not reach."""
        address = getattr(response, "ip_address", None)
        if address is not None and str(address) != self.replay_host:
            why = address_refusal(str(address), self.allowed)
            if why:
                raise AddressRefused(f"{response.url} was answered from {address} ({why}); refused")
        return response


@provider(IResolutionReceiver)
class _FilteringReceiver:
    """Pass on only the addresses the policy allows; remember the refused ones."""

    def __init__(self, receiver: IResolutionReceiver, resolver: GuardedResolver, host: str):
        self.receiver = receiver
        self.resolver = resolver
        self.host = host
        self.refused: list[str] = []
        self.passed = 0

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:
        host = getattr(address, "host", "")
        why = self.resolver.refusal_for(host)
        if why:
            self.refused.append(f"{host} ({why})")
            return
        self.passed += 1
        self.receiver.addressResolved(address)

    def resolutionComplete(self) -> None:
        if self.refused and not self.passed:
            message = f"{self.host} resolves to {', '.join(self.refused)}: refused"
            self.resolver.refusals[self.host] = message
            log.error("%s", message)
        self.receiver.resolutionComplete()


@implementer(IHostnameResolver)
class GuardedResolver:
    """A name resolver that never hands Twisted an address the crawler may not connect to."""

    def __init__(
        self,
        reactor: Any,
        *,
        allowed: Sequence[Network] = (),
        fixed: dict[str, str] | None = None,
        replay_host: str | None = None,
    ) -> None:
        self.reactor = reactor
        self.original: IHostnameResolver = reactor.nameResolver
        self.allowed = list(allowed)
        self.fixed = dict(fixed or {})
        self.replay_host = replay_host
        self.refusals: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> Self:
        """Built by Scrapy from the process settings (``crawl.*`` and ``REPLAY_URL``)."""
        regwatch = crawler.settings.get("REGWATCH_SETTINGS")
        crawl = regwatch.crawl if regwatch else None
        return cls(
            reactor,
            allowed=parse_networks(crawl.allowed_addresses if crawl else ()),
            fixed=parse_resolve(crawl.resolve if crawl else ()),
            replay_host=urlsplit(crawler.settings.get("REPLAY_URL") or "").hostname,
        )

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def refusal_for(self, address: str) -> str | None:
        """Why ``address`` may not be connected to, or None."""
        if self.replay_host and address == self.replay_host:
            return None
        return address_refusal(address, self.allowed)

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IResolutionReceiver:
        receiver = _FilteringReceiver(resolutionReceiver, self, hostName)
        fixed = self.fixed.get(hostName.lower())
        if fixed is not None:
            return self._answer(receiver, hostName, fixed, portNumber)
        self.original.resolveHostName(
            receiver, hostName, portNumber, addressTypes, transportSemantics
        )
        return resolutionReceiver

    def _answer(
        self, receiver: _FilteringReceiver, host: str, address: str, port: int
    ) -> IResolutionReceiver:
        from scrapy.resolver import HostResolution

        receiver.resolutionBegan(HostResolution(host))
        kind = IPv6Address if ":" in address else IPv4Address
        receiver.addressResolved(kind("TCP", address, port))
        receiver.resolutionComplete()
        return receiver.receiver
