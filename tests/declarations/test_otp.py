"""One-time codes by SMS (R-D3): sent through the file backend, used once,
burnt after too many wrong tries, expired, limited per phone and per address."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from vigil.declarations import otp
from vigil.declarations.models import OtpChallenge
from vigil.declarations.sms import FileBackend

PHONE = "0905123456"
IP = "203.0.113.7"


@pytest.fixture
def outbox(settings, tmp_path):
    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "sms-outbox.jsonl")
    return FileBackend()


def last_code(outbox, phone=PHONE):
    text = outbox.messages(phone)[-1]["text"]
    return re.search(rf"\b(\d{{{otp.CODE_DIGITS}}})\b", text).group(1)


def error_of(phone, code):
    with pytest.raises(otp.OtpError) as exc:
        otp.verify_code(phone, code)
    return exc.value.code


def other_than(code):
    return "000000" if code != "000000" else "111111"


def test_the_code_sent_by_sms_is_accepted_once(db, outbox):
    otp.request_code(PHONE, IP)
    assert len(outbox.messages(PHONE)) == 1
    code = last_code(outbox)
    assert otp.verify_code(PHONE, code) is True
    assert error_of(PHONE, code) == "no_code"


def test_spaces_around_the_code_are_ignored(db, outbox):
    otp.request_code(PHONE, IP)
    assert otp.verify_code(PHONE, f" {last_code(outbox)} ") is True


def test_only_a_hash_of_the_code_is_stored(db, outbox):
    challenge = otp.request_code(PHONE, IP)
    code = last_code(outbox)
    challenge.refresh_from_db()
    assert code not in challenge.code_hash
    assert challenge.code_hash != code
    assert otp._matches(code, challenge.code_hash)
    assert not otp._matches("000000" if code != "000000" else "111111", challenge.code_hash)


def test_five_wrong_codes_burn_it(db, outbox, settings):
    assert settings.VIGIL_OTP_MAX_ATTEMPTS == 5
    otp.request_code(PHONE, IP)
    code = last_code(outbox)
    for _ in range(4):
        assert error_of(PHONE, other_than(code)) == "wrong"
    assert error_of(PHONE, other_than(code)) == "burnt"
    # Even the right code is refused now: a new one must be requested.
    assert error_of(PHONE, code) == "no_code"
    assert OtpChallenge.objects.get(phone=PHONE).burnt


def test_four_wrong_codes_then_the_right_one_is_accepted(db, outbox):
    otp.request_code(PHONE, IP)
    code = last_code(outbox)
    for _ in range(4):
        assert error_of(PHONE, other_than(code)) == "wrong"
    assert otp.verify_code(PHONE, code) is True


def test_an_expired_code_is_refused(db, outbox):
    otp.request_code(PHONE, IP)
    code = last_code(outbox)
    OtpChallenge.objects.filter(phone=PHONE).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert error_of(PHONE, code) == "expired"
    assert error_of(PHONE, code) in ("expired", "no_code")


def test_an_expired_code_is_closed(db, outbox):
    otp.request_code(PHONE, IP)
    code = last_code(outbox)
    OtpChallenge.objects.filter(phone=PHONE).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert error_of(PHONE, code) == "expired"
    assert OtpChallenge.objects.get(phone=PHONE).burnt
    assert error_of(PHONE, code) == "no_code"


def test_a_code_for_one_phone_does_not_open_another(db, outbox):
    otp.request_code(PHONE, IP)
    assert error_of("0905123457", last_code(outbox)) == "no_code"
    assert otp.verify_code(PHONE, last_code(outbox)) is True


def test_a_new_code_replaces_the_previous_one(db, outbox):
    otp.request_code(PHONE, IP)
    first = last_code(outbox)
    otp.request_code(PHONE, IP)
    second = last_code(outbox)
    if first != second:
        assert error_of(PHONE, first) == "wrong"
    assert otp.verify_code(PHONE, second) is True
    assert OtpChallenge.objects.filter(phone=PHONE, burnt=True).count() == 1


def test_codes_per_phone_are_limited_per_hour(db, outbox, settings):
    settings.VIGIL_OTP_PER_PHONE_PER_HOUR = 3
    for n in range(3):
        otp.request_code(PHONE, f"203.0.113.{n}")
    with pytest.raises(otp.OtpError) as exc:
        otp.request_code(PHONE, "203.0.113.99")
    assert exc.value.code == "too_many_phone"
    assert len(outbox.messages(PHONE)) == 3
    # Another phone is not affected.
    otp.request_code("0905123457", IP)
    # An hour later the phone may ask again.
    OtpChallenge.objects.filter(phone=PHONE).update(
        created_at=timezone.now() - timedelta(minutes=61)
    )
    otp.request_code(PHONE, IP)
    assert len(outbox.messages(PHONE)) == 4


def test_codes_per_address_are_limited_per_hour(db, outbox, settings):
    settings.VIGIL_OTP_PER_ADDRESS_PER_HOUR = 3
    for n in range(3):
        otp.request_code(f"090512345{n}", IP)
    with pytest.raises(otp.OtpError) as exc:
        otp.request_code("0905123459", IP)
    assert exc.value.code == "too_many_address"
    assert outbox.messages("0905123459") == []
    # Another address is not affected.
    otp.request_code("0905123459", "198.51.100.1")
    assert len(outbox.messages("0905123459")) == 1
    OtpChallenge.objects.filter(ip=IP).update(created_at=timezone.now() - timedelta(minutes=61))
    otp.request_code("0905123458", IP)
