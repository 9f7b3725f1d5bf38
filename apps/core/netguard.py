"""The outbound-URL guard: where the server may connect on behalf of a workspace.

A URL a workspace typed (a provider's base URL, a webhook endpoint) must not turn the server into
a proxy into its own network. The guard refuses private, loopback, link-local, shared (CGNAT),
multicast, reserved and unspecified addresses, and cloud metadata addresses, **after** DNS
resolution, and it runs again on every connection the HTTP client opens, so a redirect, or a
name that resolved to a public address when it was saved and to an internal one now (DNS
rebinding), is refused too. The address that was checked is the address connected to.

The site operator may allow hosts with ``OUTBOUND_ALLOWED_HOSTS`` (names, ``.suffix`` for a
domain and its subdomains, IP addresses, CIDR networks). Metadata addresses are refused even
then: no model server lives there.

Interface::

    policy = OutboundPolicy.from_settings()
    check_url(url, policy=policy) -> list[IPAddress]     # raises OutboundRefused
    guarded_transport(policy=policy) -> httpx2.HTTPTransport  # checks every connection

:class:`OutboundRefused` carries a message written for people (it names the host and the
address, never a response body).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore2
import httpx2
from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud instance-metadata services (AWS, GCP, Azure, OpenStack: 169.254.169.254; AWS ECS task
# metadata; AWS IPv6; Alibaba; Oracle). All are non-global anyway; named so the message says so
# and so an allow-list never opens them.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)
METADATA_HOSTNAMES = frozenset({"metadata.google.internal", "metadata", "instance-data"})
SCHEMES = ("http", "https")


class OutboundRefused(Exception):
    """A connection the guard will not make. ``message`` is written for people."""

    def __init__(self, message: str, *, host: str = "", address: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.host = host
        self.address = address


@dataclass(frozen=True)
class OutboundPolicy:
    """Which non-public destinations the operator allows (everything public is allowed)."""

    allowed_names: frozenset[str] = frozenset()  # exact host names, lower case
    allowed_suffixes: tuple[str, ...] = ()  # ".corp.example": the domain and its subdomains
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> OutboundPolicy:
        names, suffixes, networks = set(), [], []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if entry.startswith("."):
                suffixes.append(entry)
            else:
                names.add(entry)
        return cls(frozenset(names), tuple(suffixes), tuple(networks))

    @classmethod
    def from_settings(cls) -> OutboundPolicy:
        return cls.from_entries(getattr(settings, "OUTBOUND_ALLOWED_HOSTS", ()))

    def allows_name(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        if host in self.allowed_names:
            return True
        return any(host == s[1:] or host.endswith(s) for s in self.allowed_suffixes)

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.allowed_networks)


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv4-mapped, 6to4 or Teredo IPv6 address (where one is)."""
    if isinstance(address, ipaddress.IPv6Address):
        for inner in (address.ipv4_mapped, address.sixtofour):
            if inner is not None:
                return inner
        if address.teredo is not None:
            return address.teredo[1]
    return address


def address_problem(address: IPAddress) -> str | None:
    """Why the guard refuses ``address`` (a phrase), or None for a public unicast address."""
    inner = _unwrap(address)
    if address in METADATA_ADDRESSES or inner in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for candidate in dict.fromkeys((inner, address)):  # the embedded IPv4 address first
        if candidate.is_loopback:
            return "a loopback address (this server itself)"
        if candidate.is_unspecified:
            return "an unspecified address"
        if candidate.is_link_local:
            return "a link-local address"
        if candidate.is_multicast:
            return "a multicast address"
        if candidate.is_reserved:
            return "a reserved address"
        if candidate.is_private:
            return "a private network address"
        if not candidate.is_global:
            return "a non-public address"
    return None


Resolver = Callable[[str, int], list[IPAddress]]


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (A and AAAA), in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or error
        raise OutboundRefused(
            f"The server “{host}” could not be found (DNS: {reason}).",
            host=host,
        ) from None
    seen: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in seen:
            seen.append(address)
    return seen


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_host(
    host: str, port: int, *, policy: OutboundPolicy | None = None, resolver: Resolver | None = None
) -> list[IPAddress]:
    """The addresses the server may connect to for ``host``; raises :class:`OutboundRefused`.

    Every address the name resolves to must be allowed: a name with one public and one private
    address is refused, whichever the client would pick.
    """
    policy = policy or OutboundPolicy.from_settings()
    host = (host or "").strip().lower().rstrip(".")
    if not host:
        raise OutboundRefused("The address names no server.")
    literal = _literal(host)
    if host in METADATA_HOSTNAMES:
        raise OutboundRefused(f"“{host}” is a cloud metadata service.", host=host)
    addresses = [literal] if literal is not None else (resolver or resolve)(host, port)
    if not addresses:
        raise OutboundRefused(f"The server “{host}” could not be found.", host=host)
    named_ok = literal is None and policy.allows_name(host)
    for address in addresses:
        problem = address_problem(address)
        if problem is None:
            continue
        allowed = named_ok or policy.allows_address(address)
        if allowed and problem != "a cloud metadata address":
            continue
        where = f"“{host}”" if literal is not None else f"“{host}” resolves to {address}, which"
        raise OutboundRefused(
            f"{where} is {problem}. Atelier connects only to public addresses; the site "
            "operator can allow this host with OUTBOUND_ALLOWED_HOSTS.",
            host=host,
            address=str(address),
        )
    return addresses


def check_url(
    url: str, *, policy: OutboundPolicy | None = None, resolver: Resolver | None = None
) -> list[IPAddress]:
    """Check an http(s) URL's scheme and host (resolved); returns the allowed addresses.

    A host the operator allowed by name is not resolved here (it may resolve only from the
    servers); its addresses are still checked, for metadata, on every connection.
    """
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise OutboundRefused("The address is not a valid URL.") from None
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise OutboundRefused("The address must start with http:// or https:// and name a server.")
    policy = policy or OutboundPolicy.from_settings()
    if policy.allows_name(parts.hostname) and _literal(parts.hostname) is None:
        return []
    return check_host(parts.hostname, port, policy=policy, resolver=resolver)


class GuardedNetworkBackend(httpcore2.SyncBackend):
    """httpcore2's socket backend, checking every connection before it is opened.

    The name is resolved here, each address checked, and the socket is opened to a checked
    address (not resolved again), so what was checked is what is connected to. Redirects open
    new connections and pass through here as well.
    """

    def __init__(self, policy: OutboundPolicy, resolver: Resolver | None = None) -> None:
        self.policy = policy
        self.resolver = resolver

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        addresses = check_host(host, port, policy=self.policy, resolver=self.resolver)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore2.ConnectError as error:  # try the next checked address
                last_error = error
        assert last_error is not None
        raise last_error


class GuardedTransport(httpx2.HTTPTransport):
    """An httpx2 transport whose every connection goes through :class:`GuardedNetworkBackend`.

    Proxies from the environment are not used (``trust_env`` off): a proxy would make the
    connection on our behalf, past the guard.
    """

    def __init__(
        self,
        *,
        policy: OutboundPolicy | None = None,
        resolver: Resolver | None = None,
        limits: httpx2.Limits | None = None,
    ) -> None:
        limits = limits or httpx2.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(trust_env=False, limits=limits)
        ssl_context = self._pool._ssl_context
        self._pool = httpcore2.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedNetworkBackend(
                policy or OutboundPolicy.from_settings(), resolver
            ),
        )


def guarded_transport(
    *, policy: OutboundPolicy | None = None, limits: httpx2.Limits | None = None
) -> GuardedTransport:
    return GuardedTransport(policy=policy, limits=limits)


def refusal_in(error: BaseException | None) -> OutboundRefused | None:
    """The guard's refusal behind an exception an HTTP library wrapped it in, if any."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OutboundRefused):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None
