"""Webhook URL rules: https in AWS, loopback locally, private and metadata addresses never."""

from __future__ import annotations

import pytest

from klientportal.sync.webhooks.urls import UrlRefused, check_url


def resolver(table: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        return table[host]

    return resolve


PUBLIC = resolver({"hooks.example.com": ["93.184.215.14"], "rebind.example.com": ["93.184.215.14", "10.0.0.5"]})


def test_https_to_a_public_name_is_allowed_and_pinned():
    target = check_url("https://hooks.example.com/kp?x=1", local=False, resolve=PUBLIC)
    assert (target.scheme, target.host, target.port, target.path) == ("https", "hooks.example.com", 443, "/kp?x=1")
    assert target.addresses == ("93.184.215.14",)


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://hooks.example.com/kp", "scheme"),
        ("ftp://hooks.example.com/kp", "scheme"),
        ("https://127.0.0.1/kp", "private-address"),
        ("https://localhost:8443/kp", "private-address"),
        ("https://10.1.2.3/kp", "private-address"),
        ("https://172.16.0.1/kp", "private-address"),
        ("https://192.168.1.1/kp", "private-address"),
        ("https://169.254.169.254/latest/meta-data/", "private-address"),
        ("https://[fd00::1]/kp", "private-address"),
        ("https://[fe80::1]/kp", "private-address"),
        ("https://[::ffff:10.0.0.1]/kp", "private-address"),
        ("https://[2002:a9fe:a9fe::]/kp", "private-address"),  # 6to4 of 169.254.169.254
        ("https://[2002:0a00:0001::1]/kp", "private-address"),  # 6to4 of 10.0.0.1
        ("https://[2002:7f00:0001::]/kp", "private-address"),  # 6to4 of 127.0.0.1
        ("https://[::1]/kp", "private-address"),
        ("https://0.0.0.0/kp", "private-address"),
        ("https://100.64.0.1/kp", "private-address"),
        ("https://224.0.0.1/kp", "private-address"),
        ("https://metadata.google.internal/x", "private-address"),
        ("https://rebind.example.com/kp", "private-address"),  # any private address among the answers
        ("https://user:pw@hooks.example.com/kp", "credentials"),
        ("https://hooks.example.com:99999/kp", "port"),
        ("https:///kp", "host"),
    ],
)
def test_refused_in_aws(url, reason):
    with pytest.raises(UrlRefused) as err:
        check_url(url, local=False, resolve=PUBLIC)
    assert err.value.reason == reason


def test_locally_loopback_and_http_are_allowed_private_still_refused():
    assert check_url("http://127.0.0.1:9000/hook", local=True, resolve=PUBLIC).addresses == ("127.0.0.1",)
    assert check_url("http://localhost:9000/hook", local=True, resolve=PUBLIC).port == 9000
    for url in ("http://10.0.0.1/hook", "http://169.254.169.254/", "http://[fd00::1]/"):
        with pytest.raises(UrlRefused):
            check_url(url, local=True, resolve=PUBLIC)


def test_a_name_resolving_to_loopback_is_refused_in_aws():
    with pytest.raises(UrlRefused):
        check_url("https://evil.example.com/", local=False, resolve=resolver({"evil.example.com": ["127.0.0.1"]}))
