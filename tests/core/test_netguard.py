"""The outbound-URL guard (apps/core/netguard.py): addresses, resolution, the operator's
allow-list, and the transport that checks every connection it opens (redirects included).

The "internal" servers here are real HTTP servers on loopback: the guard must keep requests
from reaching them, which each test checks on the server's side.
"""

from __future__ import annotations

import ipaddress

import httpx2
import pytest

from apps.core import netguard
from apps.core.netguard import OutboundPolicy, OutboundRefused

PUBLIC = ipaddress.ip_address("93.184.215.14")


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "loopback"),
        ("127.9.9.9", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.10", "private"),
        ("fc00::1", "private"),
        ("169.254.169.254", "metadata"),
        ("169.254.170.2", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("169.254.10.10", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"),  # shared address space (carrier-grade NAT)
        ("240.0.0.1", "reserved"),
        ("192.0.2.10", "private"),  # documentation range
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:7f00:1::1", "loopback"),  # 6to4 wrapping 127.0.0.1
    ],
)
def test_internal_addresses_are_refused(address, problem):
    found = netguard.address_problem(ipaddress.ip_address(address))
    assert found is not None and problem in found


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address):
    assert netguard.address_problem(ipaddress.ip_address(address)) is None


def resolver_of(table):
    def resolve(host, port):
        if host not in table:
            raise OutboundRefused(f"The server “{host}” could not be found.", host=host)
        return [ipaddress.ip_address(a) for a in table[host]]

    return resolve


def test_a_name_is_judged_by_what_it_resolves_to():
    resolve = resolver_of(
        {
            "public.example": ["93.184.215.14"],
            "sneaky.example": ["10.0.0.7"],
            "mixed.example": ["93.184.215.14", "127.0.0.1"],
        }
    )
    policy = OutboundPolicy()
    assert netguard.check_url("https://public.example/v1", policy=policy, resolver=resolve) == [
        PUBLIC
    ]
    with pytest.raises(OutboundRefused) as refused:
        netguard.check_url("https://sneaky.example/v1", policy=policy, resolver=resolve)
    assert "“sneaky.example” resolves to 10.0.0.7" in refused.value.message
    assert "private network address" in refused.value.message
    assert "OUTBOUND_ALLOWED_HOSTS" in refused.value.message
    # One bad address is enough: the client might pick it.
    with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1"):
        netguard.check_url("http://mixed.example/", policy=policy, resolver=resolve)
    with pytest.raises(OutboundRefused, match="metadata"):
        netguard.check_url("http://metadata.google.internal/", policy=policy, resolver=resolve)
    with pytest.raises(OutboundRefused, match="http:// or https://"):
        netguard.check_url("file:///etc/passwd", policy=policy, resolver=resolve)
    with pytest.raises(OutboundRefused, match="could not be found"):
        netguard.check_url("https://nowhere.example/", policy=policy, resolver=resolve)


def test_the_operators_allow_list_opens_names_domains_and_networks_but_never_metadata():
    policy = OutboundPolicy.from_entries(
        ["ollama.internal", ".corp.example", "10.5.0.0/16", " ", "192.168.7.7"]
    )
    resolve = resolver_of(
        {
            "ollama.internal": ["10.9.9.9"],
            "llm.corp.example": ["172.20.0.5"],
            "other.internal": ["10.5.3.4"],
            "elsewhere.internal": ["10.6.0.1"],
            "meta.corp.example": ["169.254.169.254"],
        }
    )
    for host in ("ollama.internal", "llm.corp.example", "other.internal"):
        netguard.check_host(host, 80, policy=policy, resolver=resolve)
    netguard.check_host("192.168.7.7", 80, policy=policy)
    with pytest.raises(OutboundRefused):
        netguard.check_host("elsewhere.internal", 80, policy=policy, resolver=resolve)
    with pytest.raises(OutboundRefused, match="metadata"):
        netguard.check_host("meta.corp.example", 80, policy=policy, resolver=resolve)
    with pytest.raises(OutboundRefused, match="metadata"):
        netguard.check_host(
            "169.254.169.254", 80, policy=OutboundPolicy.from_entries(["169.254.0.0/16"])
        )


# --- The transport: every connection is checked --------------------------------------------------


def test_a_name_that_now_resolves_to_an_internal_address_is_not_connected_to(loopback_servers):
    internal = loopback_servers()
    resolve = resolver_of({"rebind.example": ["127.0.0.1"]})
    transport = netguard.GuardedTransport(policy=OutboundPolicy(), resolver=resolve)
    with httpx2.Client(transport=transport) as client, pytest.raises(Exception) as raised:
        client.get(f"http://rebind.example:{internal.port}/latest/meta-data/")
    refusal = netguard.refusal_in(raised.value)
    assert refusal is not None and refusal.address == "127.0.0.1"
    assert internal.hits == []


def test_a_redirect_to_an_internal_address_is_refused(loopback_servers):
    internal = loopback_servers()
    allowed = loopback_servers(
        lambda path: (302, {"Location": f"http://inside.example:{internal.port}/admin"}, b"")
    )
    resolve = resolver_of({"models.example": ["127.0.0.1"], "inside.example": ["127.0.0.1"]})
    policy = OutboundPolicy.from_entries(["models.example"])  # the operator's server
    transport = netguard.GuardedTransport(policy=policy, resolver=resolve)
    with (
        httpx2.Client(transport=transport, follow_redirects=True) as client,
        pytest.raises(Exception) as raised,
    ):
        client.get(f"http://models.example:{allowed.port}/v1/models")
    assert allowed.hits == ["/v1/models"]  # the allowed server was reached...
    assert internal.hits == []  # ...its redirect inward was not followed
    assert netguard.refusal_in(raised.value).host == "inside.example"


def test_an_allowed_host_is_connected_to_at_the_checked_address(loopback_servers):
    server = loopback_servers()
    resolve = resolver_of({"models.example": ["127.0.0.1"]})
    transport = netguard.GuardedTransport(
        policy=OutboundPolicy.from_entries(["models.example"]), resolver=resolve
    )
    with httpx2.Client(transport=transport) as client:
        assert client.get(f"http://models.example:{server.port}/v1/models").status_code == 200
    assert server.hits == ["/v1/models"]
