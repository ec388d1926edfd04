"""Login throttling that cannot lock a real user out (issue #12, finding 3):
failures count per (account, address) and per address, never per account from
anywhere; a burst has exactly the limit checked (PostgreSQL, threads)."""

import threading

import pytest
from django.contrib.auth.backends import ModelBackend
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from vigil.accounts import services
from vigil.accounts.models import LoginFailure, Task
from vigil.areas.models import AdminUnit

from ..conftest import PASSWORD

LOGIN = "/accounts/login/"


@pytest.fixture
def areas_loaded(areas_back_after_flush, transactional_db):
    if not AdminUnit.objects.exists():
        call_command("load_areas", verbosity=0)


@pytest.fixture
def police(make_user, places):
    return make_user("police.tinh", places.province, tasks=[Task.POLICE])


def post_login(client, username, password, ip):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_guessing_a_username_from_many_places_does_not_lock_its_owner(client, police, settings):
    """The old per-account lock: 5 wrong passwords from anywhere locked `police.tinh`."""
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    for n in range(8):
        post_login(client, "police.tinh", "guess", ip=f"198.51.100.{n}")
        post_login(client, "police.tinh", "guess", ip=f"198.51.100.{n}")
    assert post_login(client, "police.tinh", PASSWORD, ip="10.1.1.1").status_code == 302


def test_the_pair_is_refused_after_its_failures_and_a_success_resets_it(client, police, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for _n in range(2):
        post_login(client, "police.tinh", "wrong", ip="10.1.1.1")
    assert post_login(client, "police.tinh", PASSWORD, ip="10.1.1.1").status_code == 302
    client.post("/accounts/logout/")
    assert not LoginFailure.objects.filter(username="police.tinh").exists()
    for _n in range(3):
        post_login(client, "police.tinh", "wrong", ip="10.1.1.1")
    refused = post_login(client, "POLICE.TINH", PASSWORD, ip="10.1.1.1")
    assert "Quá nhiều lần đăng nhập sai" in refused.content.decode()


def test_an_empty_password_neither_counts_nor_resets(client, police, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    for _n in range(2):
        post_login(client, "police.tinh", "wrong", ip="10.1.1.1")
    post_login(client, "police.tinh", "", ip="10.1.1.1")
    assert LoginFailure.objects.count() == 2
    refused = post_login(client, "police.tinh", PASSWORD, ip="10.1.1.1")
    assert "Quá nhiều lần đăng nhập sai" in refused.content.decode()


def test_the_address_limit_counts_across_usernames(db, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        services.begin_login_attempt(f"user{n}", "10.2.2.2")
    with pytest.raises(services.LoginThrottled):
        services.begin_login_attempt("someone.else", "10.2.2.2")
    services.begin_login_attempt("someone.else", "10.2.2.3")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_wrong_passwords_has_exactly_the_limit_checked(
    areas_loaded, make_user, settings, monkeypatch
):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    make_user("burst.user", AdminUnit.objects.home_province(), tasks=[Task.POLICE])
    checked = []
    real = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        checked.append(username)
        return real(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    start = threading.Barrier(20)

    def attempt():
        try:
            start.wait()
            post_login(Client(), "burst.user", "wrong", ip="10.3.3.3")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) == 5
    assert LoginFailure.objects.filter(username="burst.user").count() == 5


# Tokens and sessions end with a password reset, a change, a disabled account


@pytest.fixture
def clerk(make_user, places):
    return make_user("clerk.tokens", places.commune, tasks=[Task.DIGITISATION])


def logged_in_elsewhere(user):
    other = Client()
    other.force_login(user)
    return other


def test_a_password_reset_revokes_tokens_and_ends_sessions(admin_user, clerk):
    token, _secret = services.create_token(clerk, "phone")
    other = logged_in_elsewhere(clerk)
    services.reset_password(admin_user, clerk)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert other.get("/people/").status_code == 302


def test_disabling_revokes_tokens_and_ends_sessions_for_good(admin_user, clerk):
    token, secret = services.create_token(clerk, "phone")
    other = logged_in_elsewhere(clerk)
    services.set_active(admin_user, clerk, False)
    services.set_active(admin_user, clerk, True)
    # Enabling again revives neither.
    assert services.authenticate_token(secret) is None
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert other.get("/people/").status_code == 302


def test_changing_ones_password_revokes_tokens_and_other_sessions(client, clerk):
    token, _secret = services.create_token(clerk, "phone")
    other = logged_in_elsewhere(clerk)
    client.force_login(clerk)
    response = client.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-pass-42",
            "new_password2": "a-new-long-pass-42",
        },
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert other.get("/people/").status_code == 302
    assert client.get("/people/").status_code == 200
