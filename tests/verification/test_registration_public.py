"""Registration to return on the public web (R-V6, R-V4): a citizen or a relative
registers before travelling, the destination commune decides, the decision
reaches the phone and the citizen's page, and an approved registration
pre-fills the arrival declaration, which links back to it."""

import datetime
import re
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations.models import Channel, Declaration
from vigil.declarations.sms import FileBackend
from vigil.verification import registrations
from vigil.verification.models import Registration, RegistrationState

from ..declarations.helpers import form_data
from .test_registration_approvals import decide_url, make_registration

PHONE = "0905123456"
OTHER_PHONE = "0912000111"
RELATIVE_PHONE = "0914000222"
TODAY = timezone.localdate()
NEW = "/khai-bao/registrations/new/"


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "sms-outbox.jsonl")
    return FileBackend()


def sign_in(client, outbox, phone=PHONE):
    """Phone -> SMS code -> a verified session, through the portal's own pages."""
    assert client.post("/khai-bao/", {"phone": phone}).status_code == 302
    code = re.search(r"\b(\d{6})\b", outbox.messages(phone)[-1]["text"]).group(1)
    assert client.post("/khai-bao/code/", {"code": code}).status_code == 302


def page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def key_of(html):
    return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html).group(1)


def register(client, places, proxy=False, area=None, **changes):
    url = NEW + ("?proxy=1" if proxy else "")
    key = key_of(page(client.get(url)))
    data = form_data(
        area or places.commune,
        idempotency_key=key,
        arrival_date=(TODAY + datetime.timedelta(days=2)).strftime("%d/%m/%Y"),
        note="Về cùng con nhỏ",
        **changes,
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    code = re.fullmatch(r"/khai-bao/registrations/(\w+)/", response.url).group(1)
    return Registration.objects.get(code=code)


@pytest.fixture
def clerk(make_user, places):
    return make_user("community.pn", places.commune, tasks=[Task.COMMUNITY])


def staff_decides(staff_client, registration, django_capture_on_commit_callbacks, **data):
    data.setdefault("decision", "approve")
    data.setdefault("version", registration.version)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(decide_url(registration), data)
    assert response.status_code == 302, response.content.decode()[:2000]


# Registering ------------------------------------------------------------------------


def test_a_citizen_registers_and_it_reaches_the_destination_communes_queue_only(
    client, outbox, places, clerk, make_user, django_assert_max_num_queries
):
    sign_in(client, outbox)
    # The citizen's page leads to it.
    assert 'href="/khai-bao/registrations/"' in page(client.get("/khai-bao/mine/"))
    registration = register(client, places)
    assert (registration.state, registration.submitter_phone, registration.channel) == (
        RegistrationState.PENDING,
        PHONE,
        Channel.WEB,
    )
    assert (registration.full_name, registration.area, registration.note) == (
        "Nguyễn Văn Đức",
        places.commune,
        "Về cùng con nhỏ",
    )
    assert registration.departure_unit.code == "00001"
    assert registration.events.get().action == "submitted"
    html = page(client.get(f"/khai-bao/registrations/{registration.code}/"))
    assert 'data-state="pending"' in html
    assert registration.code in page(client.get("/khai-bao/registrations/"))

    staff = Client()
    staff.force_login(clerk)
    with django_assert_max_num_queries(12):
        listed = staff.get("/verification/approvals/")
    assert [r.pk for r in listed.context["page"]] == [registration.pk]
    staff.force_login(make_user("community.vn", places.neighbour, tasks=[Task.COMMUNITY]))
    assert registration.code not in page(staff.get("/verification/approvals/"))
    assert staff.get(decide_url(registration)).status_code == 404


def test_a_double_submit_registers_once(client, outbox, places):
    sign_in(client, outbox)
    key = key_of(page(client.get(NEW)))
    data = form_data(
        places.commune,
        idempotency_key=key,
        arrival_date=TODAY.strftime("%d/%m/%Y"),
    )
    first = client.post(NEW, data)
    second = client.post(NEW, data)
    assert first.url == second.url
    assert Registration.objects.count() == 1


def test_it_refuses_a_planned_arrival_in_the_past_next_to_the_field(client, outbox, places):
    sign_in(client, outbox)
    key = key_of(page(client.get(NEW)))
    yesterday = (TODAY - datetime.timedelta(days=1)).strftime("%d/%m/%Y")
    data = form_data(places.commune, idempotency_key=key, arrival_date=yesterday)
    html = page(client.post(NEW, data))
    assert 'id="id_arrival_date_error"' in html
    assert 'value="Nguyễn Văn Đức"' in html  # nothing typed is lost
    assert not Registration.objects.exists()


def test_a_relative_registers_on_behalf_and_the_decision_comes_to_the_relatives_phone(
    client, outbox, places, clerk, django_capture_on_commit_callbacks
):
    sign_in(client, outbox, RELATIVE_PHONE)
    key = key_of(page(client.get(NEW + "?proxy=1")))
    data = form_data(
        places.commune,
        idempotency_key=key,
        arrival_date=(TODAY + datetime.timedelta(days=1)).strftime("%d/%m/%Y"),
        full_name="Trần Thị Mẹ",
        phone="0905777888",
    )
    html = page(client.post(NEW + "?proxy=1", data))
    assert 'id="id_proxy_relation_error"' in html  # the relation is required
    registration = register(
        client,
        places,
        proxy=True,
        full_name="Trần Thị Mẹ",
        phone="0905777888",
        proxy_relation="Con",
    )
    assert (registration.is_proxy, registration.proxy_relation) == (True, "Con")
    assert (registration.submitter_phone, registration.phone) == (RELATIVE_PHONE, "0905777888")

    staff = Client()
    staff.force_login(clerk)
    staff_decides(staff, registration, django_capture_on_commit_callbacks)
    assert len(outbox.messages(RELATIVE_PHONE)) == 2  # the sign-in code, then the decision
    assert registration.code in outbox.messages(RELATIVE_PHONE)[-1]["text"]
    assert outbox.messages("0905777888") == []


# Decisions on the citizen's page ------------------------------------------------------


def test_an_approval_reaches_the_phone_by_sms_and_the_citizens_page(
    client, outbox, places, clerk, django_capture_on_commit_callbacks
):
    sign_in(client, outbox)
    registration = register(client, places)
    staff = Client()
    staff.force_login(clerk)
    staff_decides(staff, registration, django_capture_on_commit_callbacks)
    sms = outbox.messages(PHONE)[-1]["text"]
    assert registration.code in sms and places.commune.name in sms
    html = page(client.get(f"/khai-bao/registrations/{registration.code}/"))
    assert 'data-state="approved"' in html
    assert f'href="/khai-bao/registrations/{registration.code}/declare/"' in html
    assert f'id="declare-{registration.code}"' in page(client.get("/khai-bao/registrations/"))


def test_a_rejection_and_its_reason_reach_the_phone_and_the_page(
    client, outbox, places, clerk, django_capture_on_commit_callbacks
):
    sign_in(client, outbox)
    registration = register(client, places)
    staff = Client()
    staff.force_login(clerk)
    response = staff.post(decide_url(registration), {"decision": "reject", "version": 1})
    assert response.status_code == 200  # no reason: refused
    staff_decides(
        staff,
        registration,
        django_capture_on_commit_callbacks,
        decision="reject",
        reason="Chưa có giấy xét nghiệm",
    )
    assert "Chưa có giấy xét nghiệm" in outbox.messages(PHONE)[-1]["text"]
    html = page(client.get(f"/khai-bao/registrations/{registration.code}/"))
    assert 'data-state="rejected"' in html and "Chưa có giấy xét nghiệm" in html
    assert "/declare/" not in html
    # A rejected registration does not pre-fill anything.
    response = client.get(f"/khai-bao/registrations/{registration.code}/declare/")
    assert response.status_code == 302
    assert response.url == f"/khai-bao/registrations/{registration.code}/"


def test_another_phone_cannot_see_or_use_a_registration(client, outbox, places, clerk):
    registration = make_registration(places.commune, submitter_phone=PHONE)
    registrations.decide(registration, actor=clerk, version=1, approve=True)
    # Not even the phone typed for the person: only the phone that registered.
    for phone in (OTHER_PHONE, registration.phone):
        client.post("/khai-bao/leave/")
        sign_in(client, outbox, phone)
        for suffix in ("", "declare/"):
            url = f"/khai-bao/registrations/{registration.code}/{suffix}"
            assert client.get(url).status_code == 404, url
        assert (
            client.post(f"/khai-bao/registrations/{registration.code}/declare/").status_code == 404
        )
        assert registration.code not in page(client.get("/khai-bao/registrations/"))
    assert fresh_declaration_count() == 0


def fresh_declaration_count():
    return Declaration.objects.count()


def test_without_a_verified_phone_the_pages_ask_for_one_first(client, places):
    registration = make_registration(places.commune)
    for url in ("/khai-bao/registrations/", NEW, f"/khai-bao/registrations/{registration.code}/"):
        response = client.get(url)
        assert (response.status_code, response.url) == (302, "/khai-bao/"), url


# Declaring on arrival ----------------------------------------------------------------


def test_an_approved_registration_prefills_the_declaration_which_links_back(
    client, outbox, places, clerk, django_capture_on_commit_callbacks
):
    sign_in(client, outbox)
    registration = register(client, places, transport="plane", transport_number="VN1545")
    staff = Client()
    staff.force_login(clerk)
    staff_decides(staff, registration, django_capture_on_commit_callbacks)

    url = f"/khai-bao/registrations/{registration.code}/declare/"
    response = client.get(url)
    html = page(response)
    form = response.context["form"]
    for name, value in {
        "full_name": "Nguyễn Văn Đức",
        "id_number": "046090001234",
        "phone": "0905111222",
        "area": places.commune.pk,
        "address": "12 Lê Lợi",
        "transport": "plane",
        "transport_number": "VN1545",
        "departure_country": "VN",
        # Planned for the day after tomorrow: a declaration cannot be dated ahead.
        "arrival_date": TODAY,
    }.items():
        assert form[name].value() == value, name
    assert form["departure_commune"].value() == registration.departure_unit.pk
    assert form["sym_fever"].value() is None  # health questions are answered on arrival
    assert 'value="Nguyễn Văn Đức"' in html and registration.code in html

    data = form_data(
        places.commune,
        idempotency_key=key_of(html),
        transport="plane",
        transport_number="VN1545",
        sym_cough="1",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    declaration = Declaration.objects.get()
    assert response.url == f"/khai-bao/d/{declaration.code}/"
    assert (declaration.channel, declaration.submitter_phone) == (Channel.WEB, PHONE)
    registration.refresh_from_db()
    assert registration.declaration == declaration
    assert declaration.registration_to_return == registration
    # The declaration carries the commune's approval, as an event of its own.
    assert declaration.approval_state == "approved"
    approved = declaration.events.get(action="approve")
    assert (approved.to_state, approved.note) == ("approved", registration.code)
    assert registration.events.last().action == "declared"

    # Declared once: the page now leads to the declaration, not to a second one.
    assert client.get(url).url == f"/khai-bao/d/{declaration.code}/"
    assert client.post(url, data).url == f"/khai-bao/d/{declaration.code}/"
    assert Declaration.objects.count() == 1
    html = page(client.get(f"/khai-bao/registrations/{registration.code}/"))
    assert f'href="/khai-bao/d/{declaration.code}/"' in html
    # Staff see the link on the registration's page.
    assert declaration.code in page(staff.get(decide_url(registration)))


def test_a_registration_already_used_refuses_a_second_link(places, clerk):
    registration = make_registration(places.commune, days_ahead=0)
    registrations.decide(registration, actor=clerk, version=1, approve=True)
    first = _declaration(places)
    second = _declaration(places, id_number="046090004321")
    registrations.link_declaration(registration, first)
    registrations.link_declaration(Registration.objects.get(pk=registration.pk), first)  # no-op
    with pytest.raises(registrations.TransitionRefused):
        registrations.link_declaration(registration, second)
    assert Registration.objects.get(pk=registration.pk).declaration == first
    assert registration.events.filter(action="declared").count() == 1


def test_a_pending_registration_cannot_be_linked(places):
    registration = make_registration(places.commune)
    with pytest.raises(registrations.TransitionRefused):
        registrations.link_declaration(registration, _declaration(places))


def _declaration(places, **changes):
    from vigil.declarations.forms import DeclarationForm
    from vigil.declarations.services import submit_declaration

    form = DeclarationForm(form_data(places.commune, **changes))
    assert form.is_valid(), form.errors
    return submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration


def test_a_staff_login_is_sent_to_the_staff_page_of_a_registration_in_scope(
    client, clerk, make_user, places
):
    registration = make_registration(places.commune)
    client.force_login(clerk)
    response = client.get(f"/khai-bao/registrations/{registration.code}/")
    assert response.url == decide_url(registration)
    client.force_login(make_user("community.far", places.far, tasks=[Task.COMMUNITY]))
    assert client.get(f"/khai-bao/registrations/{registration.code}/").status_code == 404


# Racing (PostgreSQL; last in the module: the flush empties the areas) -----------------


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections racing need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("areas_back_after_flush")
def test_two_declarations_linking_one_registration_at_once_only_one_wins(places, clerk):
    """Two arrivals declared from the same approved registration on their own
    connections: the row lock makes the second wait, then it is refused."""
    registration = make_registration(places.commune, days_ahead=0)
    registrations.decide(registration, actor=clerk, version=1, approve=True)
    declarations = [_declaration(places), _declaration(places, id_number="046090004321")]
    barrier = threading.Barrier(2)
    results = [None, None]

    def run(n):
        try:
            barrier.wait(timeout=10)
            registrations.link_declaration(
                Registration.objects.get(pk=registration.pk), declarations[n]
            )
            results[n] = "won"
        except registrations.TransitionRefused:
            results[n] = "refused"
        except Exception as exc:  # reported below, not lost in the thread
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(map(str, results)) == ["refused", "won"], results
    winner = declarations[results.index("won")]
    assert Registration.objects.get(pk=registration.pk).declaration == winner
    assert registration.events.filter(action="declared").count() == 1
    approved = Declaration.objects.filter(approval_state="approved")
    assert list(approved.values_list("pk", flat=True)) == [winner.pk]
