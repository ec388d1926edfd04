"""Account requests through the API: a leader asks, the operations centre
decides; the page's form, services and scope."""

import pytest

from vigil.accounts.models import AccountRequest, Task, User


@pytest.fixture
def leader(make_user, places):
    return make_user("leader.hue", places.district, tasks=[Task.LEADER])


@pytest.fixture
def ops(make_user, places):
    return make_user("ops.tinh", places.province, tasks=[Task.ADMIN])


BODY = {"full_name": "Lê Thị Hoa", "phone": "0905 123 456", "task": "community", "note": "Tổ 3"}


def test_a_leader_asks_and_sees_only_their_own_requests(call, leader, make_user, places):
    response = call(leader, "post", "/account-requests", {**BODY, "jurisdiction_code": "zz"})
    assert response.status_code == 422
    assert "jurisdiction_code" in response.json()["error"]["fields"]
    far = {**BODY, "jurisdiction_code": places.far.code}
    assert call(leader, "post", "/account-requests", far).status_code == 422

    body = {**BODY, "jurisdiction_code": places.commune.code}
    response = call(leader, "post", "/account-requests", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["phone"], out["status"], out["requested_by"]) == (
        "0905123456",
        "pending",
        "leader.hue",
    )

    other = make_user("leader.pn", places.commune, tasks=[Task.LEADER])
    assert call(other, "get", "/account-requests").json() == []
    assert [r["id"] for r in call(leader, "get", "/account-requests").json()] == [out["id"]]
    police = make_user("police.hue", places.district, tasks=[Task.POLICE])
    assert call(police, "get", "/account-requests").status_code == 403


def test_the_operations_centre_approves_or_rejects(call, leader, ops, make_user, places):
    def ask(name):
        return AccountRequest.objects.create(
            requested_by=leader, full_name=name, phone="0905123456", task=Task.COMMUNITY,
            jurisdiction=places.commune,
        )  # fmt: skip

    first, second = ask("Lê Thị Hoa"), ask("Trần Văn Bình")
    assert call(leader, "post", f"/account-requests/{first.pk}/approve").status_code == 403
    response = call(ops, "post", f"/account-requests/{first.pk}/approve")
    assert response.status_code == 200, response.content
    body = response.json()
    user = User.objects.get(username=body["username"])
    assert user.check_password(body["password"]) and user.tasks == [Task.COMMUNITY]
    assert body["request"]["status"] == "approved"
    assert call(ops, "post", f"/account-requests/{first.pk}/approve").status_code == 409

    url = f"/account-requests/{second.pk}/reject"
    assert call(ops, "post", url, {"note": ""}).status_code == 422
    response = call(ops, "post", url, {"note": "Đã đủ tài khoản"})
    assert response.json()["status"] == "rejected"
    assert call(ops, "get", "/account-requests", status="rejected").json()[0]["id"] == second.pk

    district_ops = make_user("ops.far", places.other_district, tasks=[Task.ADMIN])
    assert call(district_ops, "post", url, {"note": "x"}).status_code == 404
