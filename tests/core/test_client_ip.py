"""The client's address behind trusted reverse proxies (issue #12, finding 3)."""

import pytest
from django.test import RequestFactory

from vigil.audit.services import client_ip


def request(peer, forwarded=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(("proxies", "peer", "forwarded", "client"), [
    # No trusted proxy: the header is whatever the client sent.
    ([], "198.51.100.7", "203.0.113.5", "198.51.100.7"),
    # From a trusted proxy: the rightmost address that is not a proxy.
    (["10.0.0.0/8"], "10.0.0.2", "203.0.113.5", "203.0.113.5"),
    (["10.0.0.0/8"], "10.0.0.2", "1.2.3.4, 203.0.113.5", "203.0.113.5"),
    (["10.0.0.0/8"], "10.0.0.2", "203.0.113.5, 10.0.0.9", "203.0.113.5"),
    (["10.0.0.2", "2001:db8::/32"], "2001:db8::1", "2001:db8::5, 198.51.100.1", "198.51.100.1"),
    # From an untrusted peer: a forged header is ignored.
    (["10.0.0.0/8"], "198.51.100.7", "203.0.113.5", "198.51.100.7"),
    # A trusted proxy with no header, or a broken one.
    (["10.0.0.0/8"], "10.0.0.2", None, "10.0.0.2"),
    (["10.0.0.0/8"], "10.0.0.2", "not-an-ip", "10.0.0.2"),
    (["10.0.0.0/8"], "10.0.0.2", "203.0.113.5, garbage, 10.0.0.3", "10.0.0.3"),
])  # fmt: skip
def test_the_client_address(settings, proxies, peer, forwarded, client):
    settings.VIGIL_TRUSTED_PROXIES = proxies
    assert client_ip(request(peer, forwarded)) == client
