"""Why a paper form was used (§II.12), recorded when it is digitised: the staff
entry page, the declaration list's filter and the staff API."""

import re

import pytest

from vigil.accounts.models import ApiToken, Task
from vigil.declarations.imports import import_paper_forms
from vigil.declarations.models import Channel, Declaration, PaperReason

from .test_paper_import import row, xlsx
from .test_staff_entry import NEW, entry

LIST = "/declarations/"


@pytest.fixture
def clerk(make_user, places, client, settings):
    user = make_user("so.hoa.hue", places.district, tasks=[Task.DIGITISATION])
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


def test_the_paper_entry_asks_why_paper_was_used_and_walk_in_does_not(client, clerk):
    body = client.get(NEW, {"channel": "paper"}).content.decode()
    assert 'id="paper-reason"' in body
    reason = re.search(r'<select name="paper_reason".*?</select>', body, re.S).group(0)
    # Nothing is chosen for the clerk.
    assert "selected" not in reason.replace('value="" selected', "")
    assert 'id="paper-reason"' not in client.get(NEW, {"channel": "walk_in"}).content.decode()


def test_the_reason_is_saved_with_the_paper_form(client, clerk, places):
    response = client.post(NEW, entry(places.commune, channel="paper", paper_reason="no_network"))
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert (declaration.channel, declaration.paper_reason) == (Channel.PAPER, "no_network")
    assert declaration.paper_reason_other == ""


def test_other_needs_its_text(client, clerk, places):
    data = entry(places.commune, channel="paper", paper_reason="other", paper_reason_other="  ")
    response = client.post(NEW, data)
    assert response.status_code == 200
    assert set(response.context["paper_form"].errors) == {"paper_reason_other"}
    focused = re.findall(r"<[^>]*\bautofocus\b[^>]*>", response.content.decode())
    assert len(focused) == 1 and 'name="paper_reason_other"' in focused[0]
    assert not Declaration.objects.exists()
    data["paper_reason_other"] = "  Mất   điện cả xã "
    assert client.post(NEW, data).status_code == 302
    declaration = Declaration.objects.get()
    assert (declaration.paper_reason, declaration.paper_reason_other) == ("other", "Mất điện cả xã")
    page = client.get(f"/declarations/{declaration.pk}/").content.decode()
    shown = re.search(r'<dd class="col-7" id="paper-reason">(.*?)</dd>', page)
    assert shown and "Mất điện cả xã" in shown.group(1)


def test_another_reason_keeps_no_stray_text(client, clerk, places):
    data = entry(
        places.commune, channel="paper", paper_reason="elderly_child", paper_reason_other="x"
    )
    client.post(NEW, data)
    declaration = Declaration.objects.get()
    assert (declaration.paper_reason, declaration.paper_reason_other) == ("elderly_child", "")


def test_an_unknown_reason_is_refused(client, clerk, places):
    response = client.post(NEW, entry(places.commune, channel="paper", paper_reason="lazy"))
    assert set(response.context["paper_form"].errors) == {"paper_reason"}
    assert not Declaration.objects.exists()


def test_a_walk_in_records_no_paper_reason(client, clerk, places):
    client.post(NEW, entry(places.commune, channel="walk_in", paper_reason="no_network"))
    declaration = Declaration.objects.get()
    assert (declaration.channel, declaration.paper_reason) == (Channel.WALK_IN, "")


def test_the_list_filters_by_reason(client, clerk, places):
    reasons = {"GT-1": "no_network", "GT-2": "checkpoint"}
    for n, (number, reason) in enumerate(reasons.items()):
        data = entry(
            places.commune,
            channel="paper",
            paper_form_number=number,
            paper_reason=reason,
            id_number=f"04609000{n:04d}",
            phone=f"090511{n:04d}",
            full_name=f"Người Giấy {n}",
        )
        assert client.post(NEW, data).status_code == 302
    # Typed in without a reason: only an imported file may (it has no column for it).
    old = row(places.commune, 2, full_name="Người Giấy 2", paper_form_number="GT-3")
    assert import_paper_forms(xlsx([old]), clerk).created == 1
    client.post(NEW, entry(places.commune, id_number="046090009999", phone="0905119999"))

    def names(**params):
        return sorted(d.person.full_name for d in client.get(LIST, params).context["page"])

    assert names(paper_reason="no_network") == ["Người Giấy 0"]
    assert names(paper_reason="checkpoint", channel="paper") == ["Người Giấy 1"]
    # Not recorded: paper forms only, never the walk-in (no reason either).
    listed = client.get(LIST, {"paper_reason": "-"})
    assert listed.context["page"].object_list and all(
        d.channel == Channel.PAPER and d.paper_reason == "" for d in listed.context["page"]
    )
    assert names(paper_reason="-") == ["Người Giấy 2"]
    # Hidden unless set; shown (and removable) when set.
    assert 'name="paper_reason"' not in client.get(LIST).content.decode().split("<select", 1)[-1]
    assert '<select name="paper_reason"' in listed.content.decode()


def test_the_staff_api_shows_the_reason(client, clerk, places):
    data = entry(places.commune, channel="paper", paper_reason="other", paper_reason_other="Bão")
    client.post(NEW, data)
    declaration = Declaration.objects.get()
    token = ApiToken.issue(clerk, "tablet")[1]
    response = client.get(
        f"/api/v1/declarations/{declaration.pk}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["paper_reason"], body["paper_reason_other"]) == (PaperReason.OTHER, "Bão")
