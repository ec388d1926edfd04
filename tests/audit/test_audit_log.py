from vigil.accounts.models import Task
from vigil.audit.models import Action
from vigil.audit.services import log


def test_the_administrator_reads_and_filters_the_audit_log(client, make_user, make_person, places):
    admin = make_user("ioc.admin", places.province, tasks=[Task.ADMIN])
    clerk = make_user("clerk.pn", places.commune, tasks=[Task.HEALTH_STATION])
    person = make_person(places.commune, "Phan Văn Xem")
    log(clerk, Action.VIEW, person)
    log(admin, Action.CHANGE, clerk)
    client.force_login(admin)
    body = client.get("/audit/").content.decode()
    assert "Phan Văn Xem" in body and "clerk.pn" in body
    response = client.get("/audit/?action=view&actor=clerk")
    assert response.context["total"] == 1
    assert response.context["page"][0].object_repr == "Phan Văn Xem"


def test_a_reversed_date_range_is_reported_next_to_the_field(client, make_user, places):
    client.force_login(make_user("ioc.admin", places.province, tasks=[Task.ADMIN]))
    response = client.get("/audit/?date_from=05/08/2021&date_to=01/08/2021")
    assert "date_to" in response.context["form"].errors
    assert 'value="05/08/2021"' in response.content.decode()


def test_a_district_administrator_reads_only_its_district(client, make_user, make_person, places):
    make_user("x", places.far)  # an account event outside the district
    far_person = make_person(places.far, "Ngoài Huyện")
    log(make_user("far.clerk", places.far), Action.VIEW, far_person)
    client.force_login(make_user("hue.admin", places.district, tasks=[Task.ADMIN]))
    assert "Ngoài Huyện" not in client.get("/audit/").content.decode()
