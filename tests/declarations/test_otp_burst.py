"""A burst of code requests sends exactly the limit (issue #12, finding 8;
PostgreSQL, threads: SQLite has one writer at a time)."""

import threading

import pytest
from django.db import connection, connections

from vigil.declarations import otp
from vigil.declarations.sms import FileBackend

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("areas_back_after_flush"),
]


def burst(n, target):
    start = threading.Barrier(n)
    refusals = []

    def run(i):
        try:
            start.wait()
            target(i)
        except otp.OtpError as exc:
            refusals.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return refusals


def test_forty_requests_for_one_phone_send_exactly_the_limit(settings, tmp_path):
    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "outbox.jsonl")
    settings.VIGIL_OTP_PER_PHONE_PER_HOUR = 5
    refusals = burst(40, lambda i: otp.request_code("0905000111", f"203.0.113.{i}"))
    assert len(FileBackend().messages("0905000111")) == 5
    assert refusals == ["too_many_phone"] * 35


def test_forty_requests_from_one_address_send_exactly_the_limit(settings, tmp_path):
    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "outbox.jsonl")
    settings.VIGIL_OTP_PER_ADDRESS_PER_HOUR = 7
    refusals = burst(40, lambda i: otp.request_code(f"0905{i:06d}", "203.0.113.9"))
    sent = sum(len(FileBackend().messages(f"0905{i:06d}")) for i in range(40))
    assert sent == 7
    assert refusals == ["too_many_address"] * 33
