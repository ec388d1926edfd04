"""Paper sheets and external QR codes through the API: the import page's and
the external QR page's rules, for ENTER_DECLARATION."""

import json

from vigil.accounts.models import ApiToken, Task
from vigil.declarations import questions
from vigil.declarations.models import Channel, Declaration

from ..declarations.test_paper_import import row, xlsx, yesterday

QR = json.dumps({"hoTen": "Nguyễn Văn Đức", "cccd": "046090001234", "sdt": "0905111222"})


def upload(client, user, content):
    token = ApiToken.issue(user, "test")[1]
    return client.post(
        "/api/v1/declarations/paper-import",
        {"file": content} if content is not None else {},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_a_paper_sheet_is_saved_whole_or_not_at_all(client, make_user, places):
    clerk = make_user("tyt.pn", places.commune, tasks=[Task.HEALTH_STATION])
    bad = row(places.commune, 1, **{"full_name": ""})
    response = upload(client, clerk, xlsx([row(places.commune, 0), bad]))
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_file" and len(error["fields"]["rows"]) == 1
    assert not Declaration.objects.exists()

    sheet = [row(places.commune, 0), row(places.commune, 1)]
    response = upload(client, clerk, xlsx(sheet))
    assert response.status_code == 200, response.content
    assert (response.json()["created"], response.json()["already"]) == (2, 0)
    assert set(Declaration.objects.values_list("channel", flat=True)) == {Channel.PAPER}
    assert upload(client, clerk, xlsx(sheet)).json()["already"] == 2


def test_a_paper_sheet_is_for_those_who_enter_declarations(client, make_user, places):
    leader = make_user("leader.pn", places.commune, tasks=[Task.LEADER])
    assert upload(client, leader, xlsx([row(places.commune)])).status_code == 403
    clerk = make_user("tyt.pn", places.commune, tasks=[Task.HEALTH_STATION])
    response = upload(client, clerk, None)
    assert response.status_code == 422 and "file" in response.json()["error"]["fields"]


def test_an_external_qr_is_read_then_completed(call, make_user, places):
    clerk = make_user("tyt.pn", places.commune, tasks=[Task.HEALTH_STATION])
    response = call(clerk, "post", "/declarations/external/read", {"payload": QR})
    assert response.status_code == 200, response.content
    read = response.json()
    assert read["fields"]["id_number"] == "046090001234" and "area" in read["missing"]
    garbage = call(clerk, "post", "/declarations/external/read", {"payload": "hello"})
    assert garbage.json()["error"]["code"] == "invalid_code"

    body = {
        **read["fields"],
        "payload": QR,
        "birth_year": 1985,
        "gender": "male",
        "registration_kind": "return_home",
        "departure_unit_code": "26734",  # Phường Tân Định, Quận 1, Hồ Chí Minh City
        "area_code": places.far.code,
        "address": "12 Nguyễn Huệ",
        "transport": "car",
        "arrival_date": yesterday().isoformat(),
        "answers": dict.fromkeys(questions.KEYS, False),
    }
    refused = call(clerk, "post", "/declarations/external", body)
    assert refused.status_code == 422 and "area_code" in refused.json()["error"]["fields"]
    response = call(
        clerk, "post", "/declarations/external", {**body, "area_code": places.commune.code}
    )
    assert response.status_code in (200, 201), response.content
    saved = Declaration.objects.get()
    assert (saved.channel, saved.external_payload) == (Channel.EXTERNAL_QR, QR)
    leader = make_user("leader.pn", places.commune, tasks=[Task.LEADER])
    assert call(leader, "post", "/declarations/external/read", {"payload": QR}).status_code == 403


def test_a_large_paper_sheet_answers_202_and_its_job_tells_the_outcome(
    client, make_user, places, settings, tmp_path
):
    settings.VIGIL_IMPORT_SYNC_ROWS = 1
    settings.VIGIL_IMPORT_DIR = str(tmp_path)
    clerk = make_user("tyt.pn", places.commune, tasks=[Task.HEALTH_STATION])
    response = upload(client, clerk, xlsx([row(places.commune, 0), row(places.commune, 1)]))
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["state"], body["total"], body["done"]) == ("done", 2, 2)
    assert body["result"] == {"rows": 2, "created": 2, "already": 0}
    assert Declaration.objects.filter(channel=Channel.PAPER).count() == 2

    token = ApiToken.issue(clerk, "poll")[1]
    url = f"/api/v1/declarations/paper-import/{body['job_id']}"
    polled = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert polled.status_code == 200 and polled.json() == body
    other = make_user("tyt.other", places.commune, tasks=[Task.HEALTH_STATION])
    other_token = ApiToken.issue(other, "poll")[1]
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {other_token}").status_code == 404

    bad = [row(places.commune, 2), row(places.commune, 3, full_name="")]
    failed = upload(client, clerk, xlsx(bad)).json()
    assert failed["state"] == "failed" and len(failed["result"]["errors"]) == 1
    assert Declaration.objects.count() == 2
