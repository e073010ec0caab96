"""The shared webhook URL validator: schemes, malformed URLs, and SSRF outside local mode."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brandlink.core.common.errors import TwilioError
from brandlink.core.common.urls import is_public_address, validate_callback_url

PRIVATE_URLS = [
    "http://127.0.0.1/hook",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f.0.0.1/",
    "http://0177.0.0.1/",
    "http://10.1.2.3/",
    "http://172.16.0.1/",
    "http://192.168.1.1:8080/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[fd00::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://api.localhost/",
    "http://metadata.google.internal/",
    "http://printer.local/",
]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_hosts_are_refused_outside_local_mode(url: str) -> None:
    with pytest.raises(TwilioError) as raised:
        validate_callback_url(url, allow_private=False, code=21609, parameter="StatusCallback")
    assert raised.value.code == 21609
    assert "StatusCallback" in raised.value.message


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_hosts_are_allowed_in_local_mode(url: str) -> None:
    assert validate_callback_url(url, allow_private=True) == url


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/status?x=1#frag",
        "http://example.com:8080/",
        "https://user:pass@example.com/cb",
        "https://8.8.8.8/",
        "https://[2606:4700:4700::1111]/",
        "http://bücher.example/",
        "  https://example.com/padded  ",
    ],
)
def test_public_urls_are_accepted(url: str) -> None:
    assert validate_callback_url(url, allow_private=False) == url.strip()


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.com/no-scheme",
        "ftp://example.com/",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://",
        "https:///path",
        "https://exa mple.com/",
        "https://example.com/\x00",
        "https://example.com:99999/",
        "https://example.com:port/",
        "https://-leading-dash.example/",
        "https://under_score.example/",
        "https://" + "a" * 64 + ".example/",
        "https://example.com/" + "a" * 2048,
    ],
)
def test_malformed_urls_get_the_callers_code(url: str) -> None:
    with pytest.raises(TwilioError) as raised:
        validate_callback_url(url, allow_private=True, code=30109, parameter="CallbackUrl")
    assert (raised.value.code, raised.value.status) == (30109, 400)


@given(st.ip_addresses(v=4))
def test_any_ipv4_literal_is_judged_by_its_address(address: ipaddress.IPv4Address) -> None:
    url = f"http://{address}/"
    if is_public_address(address):
        assert validate_callback_url(url, allow_private=False) == url
    else:
        with pytest.raises(TwilioError):
            validate_callback_url(url, allow_private=False)


@given(st.text(max_size=80))
def test_arbitrary_text_never_raises_anything_but_a_twilio_error(text: str) -> None:
    try:
        result = validate_callback_url(text, allow_private=False)
    except TwilioError as exc:
        assert exc.code == 20001
    else:
        assert result.lower().startswith(("http://", "https://"))


# Security finding 3: addresses ``ipaddress.is_global`` passes although they lead to private ones.
NOT_PUBLIC_ADDRESSES = {
    "64:ff9b::7f00:1": "NAT64 well-known prefix (reaches 127.0.0.1 through a NAT64 gateway)",
    "64:ff9b::808:808": "NAT64 of a public address: refused too, NAT64 is never a webhook's own address",
    "64:ff9b:1::a00:1": "NAT64 local-use prefix",
    "::127.0.0.1": "IPv4-compatible (deprecated ::/96)",
    "::8.8.8.8": "IPv4-compatible of a public address",
    "::ffff:127.0.0.1": "IPv4-mapped loopback",
    "::ffff:10.0.0.1": "IPv4-mapped private",
    "fec0::1": "site-local (deprecated)",
    "fc00::1": "unique local",
    "fe80::1": "link-local",
    "ff02::1": "multicast",
    "::1": "loopback",
    "::": "unspecified",
    "100::1": "discard-only",
    "2001::1": "Teredo",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2": "Teredo with a client address",
    "2001:db8::1": "documentation",
    "2002:7f00:1::1": "6to4 embedding 127.0.0.1",
    "2002:a00:1::1": "6to4 embedding 10.0.0.1",
    "3fff::1": "documentation (RFC 9637)",
    "127.0.0.1": "loopback",
    "10.0.0.1": "private",
    "100.64.0.1": "shared address space (carrier-grade NAT)",
    "169.254.169.254": "link-local (instance metadata)",
    "192.0.2.1": "documentation",
    "192.88.99.1": "6to4 relay anycast",
    "198.18.0.1": "benchmarking",
    "224.0.0.1": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "broadcast",
    "0.0.0.0": "this network",
}
PUBLIC_ADDRESSES = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2001:4860:4860::8888", "2002:808:808::1"]


@pytest.mark.parametrize(("address", "why"), NOT_PUBLIC_ADDRESSES.items())
def test_addresses_that_are_not_public(address: str, why: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address)), why
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(TwilioError):
        validate_callback_url(f"https://{host}/hook", allow_private=False)


@pytest.mark.parametrize("address", PUBLIC_ADDRESSES)
def test_public_addresses(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))


@given(st.ip_addresses(v=6))
def test_an_ipv6_address_is_public_only_in_the_global_unicast_space(address: ipaddress.IPv6Address) -> None:
    if is_public_address(address) and address.ipv4_mapped is None:
        assert address in ipaddress.IPv6Network("2000::/3") and address.is_global
