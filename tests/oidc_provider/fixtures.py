"""Pytest fixtures for the SSO tests: import them into the test module."""

import pytest

from .harness import running_provider

# The provider's accounts; Vigil's tests create the matching Vigil accounts
# for some of them (and deliberately not for "nguoi.la").
SSO_ACCOUNTS = ["hs.phunhuan", "nguoi.la", "bi.khoa", "thu.mail"]


@pytest.fixture(scope="session")
def oidc_provider():
    with running_provider(SSO_ACCOUNTS) as provider:
        yield provider


@pytest.fixture
def sso_settings(settings, oidc_provider):
    """Vigil configured to log in with the test provider (found by discovery)."""
    settings.VIGIL_OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = oidc_provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = oidc_provider.client_secret
    return settings
