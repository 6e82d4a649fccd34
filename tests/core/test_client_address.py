"""The one client address (core.client): REMOTE_ADDR without proxies; behind N trusted proxies, the
N-th address from the right of X-Forwarded-For; nothing a client writes further left is trusted."""

import pytest
from django.test import RequestFactory

from core.client import client_address


def request(remote="192.0.2.10", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_the_client_is_remote_addr_whatever_the_header_says(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request(forwarded="203.0.113.9")) == "192.0.2.10"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "198.51.100.4", "198.51.100.4"),
        # A client that writes its own header cannot choose its address: the proxy appended the real one.
        (1, "1.2.3.4, 198.51.100.4", "198.51.100.4"),
        (2, "1.2.3.4, 198.51.100.4, 10.0.0.2", "198.51.100.4"),
        (1, "198.51.100.4:51234", "198.51.100.4"),
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        # Too few entries, or garbage: the proxy's own address (stricter, never someone else's).
        (2, "198.51.100.4", "192.0.2.10"),
        (1, "not-an-address", "192.0.2.10"),
        (1, "", "192.0.2.10"),
    ],
)
def test_behind_trusted_proxies_the_client_is_counted_from_the_right(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request(forwarded=forwarded)) == expected
