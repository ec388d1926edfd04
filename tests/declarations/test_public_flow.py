"""The citizens' public web flow under /khai-bao/ (R-D3, R-D4; Fig 4 and Fig 5):
phone -> SMS code -> form -> QR, "my declarations", proxies, updates."""

import datetime
import io
import re

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image

from vigil.accounts.models import Task
from vigil.audit.models import AuditEvent
from vigil.declarations import services
from vigil.declarations.models import Channel, Declaration
from vigil.declarations.sms import FileBackend
from vigil.declarations.views.citizen import SESSION_KEY

from .helpers import form_data

PHONE = "0905123456"
OTHER_PHONE = "0912000111"


@pytest.fixture
def outbox(settings, tmp_path):
    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "sms-outbox.jsonl")
    return FileBackend()


def last_code(outbox, phone):
    return re.search(r"\b(\d{6})\b", outbox.messages(phone)[-1]["text"]).group(1)


def verify(client, outbox, phone=PHONE, typed=None):
    """Phone -> code -> a verified session; returns where the code page sent us."""
    response = client.post("/khai-bao/", {"phone": typed or phone})
    assert response.status_code == 302
    assert response.url == "/khai-bao/code/"
    response = client.post("/khai-bao/code/", {"code": last_code(outbox, phone)})
    assert response.status_code == 302
    return response.url


def page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def value_of(html, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return match.group(1) if match else None


def new_form(client, proxy=False):
    html = page(client.get("/khai-bao/new/" + ("?proxy=1" if proxy else "")))
    return html, value_of(html, "idempotency_key")


def declare(client, places, proxy=False, **changes):
    _html, key = new_form(client, proxy)
    data = form_data(places.commune, idempotency_key=key, **changes)
    response = client.post("/khai-bao/new/" + ("?proxy=1" if proxy else ""), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    code = re.fullmatch(r"/khai-bao/d/(\w+)/", response.url).group(1)
    return Declaration.objects.get(code=code)


def decode_png(content):
    result = zxingcpp.read_barcode(Image.open(io.BytesIO(content)))
    assert result is not None, "no QR code found in the image"
    return result.text


# Phone and code -------------------------------------------------------------


def test_the_start_page_asks_for_a_phone(client, db):
    html = page(client.get("/khai-bao/"))
    assert 'id="public-title"' in html
    assert 'id="id_phone"' in html
    assert 'inputmode="tel"' in html


@pytest.mark.parametrize("typed", ["12345", "0234 3822 222", ""])
def test_a_wrong_or_landline_phone_is_refused_next_to_the_field(client, db, outbox, typed):
    html = page(client.post("/khai-bao/", {"phone": typed}))
    assert 'id="id_phone_error"' in html
    assert outbox.messages() == []


def test_the_phone_and_code_open_a_session_that_expires(client, db, outbox, settings):
    assert verify(client, outbox, typed="+84 905 123 456") == "/khai-bao/mine/"
    assert outbox.messages(PHONE), "the code goes to the normalised phone"
    html = page(client.get("/khai-bao/mine/"))
    assert 'id="declare-self"' in html and 'id="declare-proxy"' in html
    assert 'id="no-declarations"' in html
    # The verified phone is remembered for VIGIL_CITIZEN_SESSION_MINUTES.
    until = client.session[SESSION_KEY]["until"]
    expected = timezone.now().timestamp() + settings.VIGIL_CITIZEN_SESSION_MINUTES * 60
    assert abs(until - expected) < 60
    session = client.session
    session[SESSION_KEY]["until"] = timezone.now().timestamp() - 1
    session.save()
    response = client.get("/khai-bao/mine/")
    assert response.status_code == 302 and response.url == "/khai-bao/"


def test_a_wrong_code_is_shown_next_to_the_field_and_the_phone_kept(client, db, outbox):
    client.post("/khai-bao/", {"phone": PHONE})
    code = last_code(outbox, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    html = page(client.post("/khai-bao/code/", {"code": wrong}))
    assert 'id="id_code_error"' in html
    assert PHONE in html
    html = page(client.post("/khai-bao/code/", {"code": "12"}))
    assert 'id="id_code_error"' in html
    assert client.get("/khai-bao/mine/").status_code == 302
    # A new code can be asked for from the code page; it works.
    html = page(client.get("/khai-bao/code/"))
    assert 'id="resend-code"' in html
    client.post("/khai-bao/", {"phone": PHONE})
    response = client.post("/khai-bao/code/", {"code": last_code(outbox, PHONE)})
    assert response.url == "/khai-bao/mine/"


def test_an_expired_code_is_refused_with_a_message(client, db, outbox):
    from vigil.declarations.models import OtpChallenge

    client.post("/khai-bao/", {"phone": PHONE})
    OtpChallenge.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    html = page(client.post("/khai-bao/code/", {"code": last_code(outbox, PHONE)}))
    assert 'id="id_code_error"' in html
    assert client.get("/khai-bao/mine/").status_code == 302


def test_the_hourly_limit_is_shown_next_to_the_phone(client, db, outbox, settings):
    settings.VIGIL_OTP_PER_PHONE_PER_HOUR = 1
    assert client.post("/khai-bao/", {"phone": PHONE}).status_code == 302
    html = page(client.post("/khai-bao/", {"phone": PHONE}))
    assert 'id="id_phone_error"' in html
    assert len(outbox.messages(PHONE)) == 1


def test_the_code_page_needs_a_phone_first(client, db):
    response = client.get("/khai-bao/code/")
    assert response.status_code == 302 and response.url == "/khai-bao/"


def test_leaving_forgets_the_phone(client, db, outbox):
    verify(client, outbox)
    assert client.post("/khai-bao/leave/").status_code == 302
    assert client.get("/khai-bao/mine/").status_code == 302


# The form, the QR --------------------------------------------------------------


def test_the_whole_flow_from_phone_to_a_qr_that_decodes(client, places, outbox):
    verify(client, outbox)
    html, key = new_form(client)
    assert key and re.fullmatch(r"[0-9a-f]{32}", key)
    assert value_of(html, "phone") == PHONE, "a self declaration starts with the verified phone"

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    bad = form_data(
        places.commune,
        full_name="Trần Văn Khách",
        phone=PHONE,
        id_number="04609000123",  # 11 digits
        arrival_date=tomorrow.strftime("%d/%m/%Y"),
        idempotency_key=key,
    )
    html = page(client.post("/khai-bao/new/", bad))
    assert 'id="id_id_number_error"' in html
    assert 'id="id_arrival_date_error"' in html
    assert 'id="form-has-errors"' in html
    assert value_of(html, "full_name") == "Trần Văn Khách", "what was typed is kept"
    assert value_of(html, "idempotency_key") == key, "the key survives the re-render"
    assert Declaration.objects.count() == 0

    good = dict(
        bad, id_number="046090001234", arrival_date=timezone.localdate().strftime("%d/%m/%Y")
    )
    response = client.post("/khai-bao/new/", good)
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert response.url == f"/khai-bao/d/{declaration.code}/"
    assert declaration.channel == Channel.WEB
    assert declaration.submitter_phone == PHONE
    assert not declaration.is_proxy
    assert declaration.person.full_name == "Trần Văn Khách"
    assert declaration.person.phone == PHONE
    assert declaration.area == places.commune

    html = page(client.get(response.url))
    assert f'id="short-code">{declaration.code}<' in html
    assert f'src="/khai-bao/d/{declaration.code}/qr.png"' in html
    assert 'id="download-png"' in html and 'id="print"' in html
    assert "<script>" not in html and "style=" not in html, "the CSP forbids inline code"

    png = client.get(f"/khai-bao/d/{declaration.code}/qr.png")
    assert png["Content-Type"] == "image/png"
    payload = decode_png(png.content)
    assert payload == services.qr_payload(declaration)
    assert services.code_from_payload(payload) == declaration.code
    download = client.get(f"/khai-bao/d/{declaration.code}/qr.png?download=1")
    assert "attachment" in download["Content-Disposition"]
    svg = client.get(f"/khai-bao/d/{declaration.code}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.lstrip().startswith(b"<svg")

    html = page(client.get("/khai-bao/mine/"))
    assert f'id="decl-{declaration.code}"' in html
    assert f'id="edit-{declaration.code}"' in html


def test_a_double_submit_creates_one_declaration(client, places, outbox):
    verify(client, outbox)
    _html, key = new_form(client)
    data = form_data(places.commune, phone=PHONE, idempotency_key=key)
    first = client.post("/khai-bao/new/", data)
    second = client.post("/khai-bao/new/", data)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Declaration.objects.count() == 1
    # A form shown again has a new key: that is a new declaration.
    _html, other_key = new_form(client)
    assert other_key != key
    client.post("/khai-bao/new/", dict(data, idempotency_key=other_key))
    assert Declaration.objects.count() == 2


def test_a_replayed_key_from_another_phone_does_not_return_the_first_declaration(
    client, places, outbox
):
    verify(client, outbox)
    _html, key = new_form(client)
    client.post("/khai-bao/new/", form_data(places.commune, phone=PHONE, idempotency_key=key))
    client.post("/khai-bao/leave/")
    verify(client, outbox, OTHER_PHONE)
    data = form_data(places.commune, full_name="Lê Thị Khác", phone=OTHER_PHONE)
    response = client.post("/khai-bao/new/", dict(data, idempotency_key=key))
    assert response.status_code == 302
    assert Declaration.objects.count() == 2
    assert client.get(response.url).status_code == 200


def test_a_proxy_declaration_keeps_the_declarer_and_is_in_mine(client, places, outbox):
    verify(client, outbox)
    html, key = new_form(client, proxy=True)
    assert 'id="id_proxy_relation"' in html
    assert value_of(html, "phone") in (None, ""), "the declared person's phone is not ours"
    data = form_data(
        places.commune, full_name="Nguyễn Thị Mẹ", phone=OTHER_PHONE, idempotency_key=key
    )
    html = page(client.post("/khai-bao/new/?proxy=1", data))
    assert 'id="id_proxy_relation_error"' in html, "the relation is required"

    declaration = declare(
        client, places, proxy=True, full_name="Nguyễn Thị Mẹ", phone=OTHER_PHONE,
        proxy_relation="  Con   trai ",
    )  # fmt: skip
    assert declaration.is_proxy
    assert declaration.proxy_relation == "Con trai"
    assert declaration.submitter_phone == PHONE
    assert declaration.person.phone == OTHER_PHONE
    assert declaration.channel == Channel.WEB
    html = page(client.get("/khai-bao/mine/"))
    assert f'id="decl-{declaration.code}"' in html
    assert "Nguyễn Thị Mẹ" in html
    result = page(client.get(f"/khai-bao/d/{declaration.code}/"))
    assert 'id="summary-proxy">Con trai<' in result

    # Only the phone that declared holds it: a phone typed into a form (anyone
    # can type anyone's) grants nothing (Declaration.objects.from_phone).
    client.post("/khai-bao/leave/")
    verify(client, outbox, OTHER_PHONE)
    assert client.get(f"/khai-bao/d/{declaration.code}/").status_code == 404


def test_another_phone_gets_404_and_no_phone_goes_to_the_start(client, places, outbox):
    verify(client, outbox)
    declaration = declare(client, places, phone=PHONE)
    code = declaration.code
    client.post("/khai-bao/leave/")

    # Without a verified phone: to the start page, and back here after the code.
    response = client.get(f"/khai-bao/d/{code}/")
    assert response.status_code == 302 and response.url == "/khai-bao/"
    assert verify(client, outbox) == f"/khai-bao/d/{code}/"
    client.post("/khai-bao/leave/")

    verify(client, outbox, "0987000222")
    for url in (f"/khai-bao/d/{code}/", f"/khai-bao/d/{code}/qr.png", f"/khai-bao/d/{code}/qr.svg"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/khai-bao/d/{code}/edit/").status_code == 404
    before = Declaration.objects.get(pk=declaration.pk).version
    response = client.post(f"/khai-bao/d/{code}/edit/", form_data(places.commune, version="1"))
    assert response.status_code == 404
    assert Declaration.objects.get(pk=declaration.pk).version == before
    assert "0987000222" not in [d.submitter_phone for d in Declaration.objects.all()]
    assert f'id="decl-{code}"' not in page(client.get("/khai-bao/mine/"))


def test_staff_of_the_commune_may_print_the_qr_but_not_edit(client, places, outbox, make_user):
    verify(client, outbox)
    declaration = declare(client, places, phone=PHONE)
    client.post("/khai-bao/leave/")
    staff = make_user("hs.pn", places.commune, tasks=[Task.HEALTH_STATION])
    client.force_login(staff)
    html = page(client.get(f"/khai-bao/d/{declaration.code}/"))
    assert 'id="qr"' in html and 'id="edit-link"' not in html
    assert client.get(f"/khai-bao/d/{declaration.code}/qr.png").status_code == 200
    response = client.get(f"/khai-bao/d/{declaration.code}/edit/")
    assert response.status_code == 302 and response.url == f"/khai-bao/d/{declaration.code}/"
    assert AuditEvent.objects.filter(
        object_id=str(declaration.pk), action="view", actor=staff
    ).exists()
    client.force_login(make_user("hs.vn", places.neighbour, tasks=[Task.HEALTH_STATION]))
    assert client.get(f"/khai-bao/d/{declaration.code}/").status_code == 404


# Updates --------------------------------------------------------------------------


def test_an_update_with_a_stale_version_is_refused_and_keeps_what_was_typed(client, places, outbox):
    verify(client, outbox)
    declaration = declare(client, places, phone=PHONE)
    html = page(client.get(f"/khai-bao/d/{declaration.code}/edit/"))
    assert value_of(html, "version") == "1"
    assert value_of(html, "address") == "12 Lê Lợi"

    # Someone else (staff, another tab) changes it meanwhile.
    form_values = form_data(places.commune, phone=PHONE)
    services.update_declaration(
        declaration, {}, {"address": "1 Đường Khác"}, version=declaration.version
    )
    typed = dict(form_values, address="45 Hùng Vương", version="1")
    html = page(client.post(f"/khai-bao/d/{declaration.code}/edit/", typed))
    assert 'id="stale-error"' in html
    assert value_of(html, "address") == "45 Hùng Vương"
    declaration.refresh_from_db()
    assert declaration.address == "1 Đường Khác"
    assert declaration.version == 2

    # Sent again knowingly (the form now carries the current version): saved.
    assert value_of(html, "version") == "2"
    response = client.post(
        f"/khai-bao/d/{declaration.code}/edit/", dict(typed, version=value_of(html, "version"))
    )
    assert response.status_code == 302
    assert response.url == f"/khai-bao/d/{declaration.code}/"
    declaration.refresh_from_db()
    assert declaration.address == "45 Hùng Vương"
    assert declaration.version == 3


def test_an_update_of_a_proxy_declaration_keeps_it_a_proxy(client, places, outbox):
    verify(client, outbox)
    declaration = declare(client, places, proxy=True, phone=OTHER_PHONE, proxy_relation="Con")
    html = page(client.get(f"/khai-bao/d/{declaration.code}/edit/"))
    assert value_of(html, "proxy_relation") == "Con"
    data = form_data(places.commune, phone=OTHER_PHONE, proxy_relation="Cháu", version="1")
    response = client.post(f"/khai-bao/d/{declaration.code}/edit/", data)
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.is_proxy and declaration.proxy_relation == "Cháu"
    assert declaration.submitter_phone == PHONE
