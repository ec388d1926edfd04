"""Vigil's 400/403/404/500 pages: inside the layout (the menu for a signed-in
account on 403 and 404), in the interface language, and JSON under /api/."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client

from vigil.accounts.models import Task

VI, EN = "vi", "en"


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.errors", places.district, tasks=[Task.CDC])


def signed_in(user, lang=VI, **kwargs):
    client = Client(raise_request_exception=False, **kwargs)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


def page(response, status):
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f'data-status="{status}"' in html
    return html


def test_the_debug_pages_are_off_in_the_tests():
    assert settings.DEBUG is False


@pytest.mark.parametrize(
    "lang,heading,menu_item",
    [(VI, "Không có quyền truy cập", "Đăng xuất"), (EN, "Access denied", "Log out")],
)
def test_a_page_the_task_groups_do_not_allow_answers_403_inside_the_layout(
    cdc, lang, heading, menu_item
):
    # The audit log is for the operations centre only.
    html = page(signed_in(cdc, lang).get("/audit/"), 403)
    assert f'<html lang="{lang}">' in html
    assert heading in html
    assert "403 Forbidden" not in html
    # The normal layout: the account's menu and its modules.
    assert 'id="user-menu"' in html and menu_item in html
    assert 'href="/people/"' in html
    reason = {VI: "Nhóm nhiệm vụ của bạn không được phép", EN: "Your task groups do not allow"}
    assert reason[lang] in html


@pytest.mark.parametrize("lang,heading", [(VI, "Không tìm thấy trang"), (EN, "Page not found")])
def test_an_unknown_page_answers_404_inside_the_layout(cdc, lang, heading):
    html = page(signed_in(cdc, lang).get("/no/such/page/"), 404)
    assert f'<html lang="{lang}">' in html
    assert heading in html
    assert 'id="user-menu"' in html


def test_the_404_page_of_someone_not_signed_in_has_no_menu(client, db):
    html = page(client.get("/no/such/page/"), 404)
    assert "Không tìm thấy trang" in html
    assert 'id="user-menu"' not in html


def test_a_permission_denied_with_a_message_says_why(rf, cdc):
    from vigil.urls import permission_denied

    request = rf.get("/accounts/")
    request.user = cdc
    html = page(permission_denied(request, PermissionDenied("Lý do cụ thể.")), 403)
    assert "Lý do cụ thể." in html


@pytest.mark.parametrize(
    "lang,heading,message",
    [
        (VI, "Lỗi máy chủ", "Máy chủ gặp sự cố. Vui lòng thử lại sau."),
        (EN, "Server error", "Something went wrong on the server. Try again later."),
    ],
)
def test_a_server_error_answers_500_in_the_language_without_the_database(
    cdc, monkeypatch, django_assert_num_queries, lang, heading, message
):
    from vigil.core import views

    def boom(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "worklists_for", boom)
    client = signed_in(cdc, lang)
    html = page(client.get("/"), 500)
    assert heading in html and message in html
    assert f'<html lang="{lang}">' in html
    assert "boom" not in html
    # The page itself reads nothing from the database nor the session.
    with django_assert_num_queries(0):
        page(views.server_error(None), 500)


def test_the_403_and_404_pages_fall_back_to_the_plain_layout_when_the_menu_fails(cdc, monkeypatch):
    from vigil.core import context_processors

    def broken(user):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(context_processors, "menu_for", broken)
    client = signed_in(cdc, EN)
    html = page(client.get("/no/such/page/"), 404)
    assert "Page not found" in html and 'id="user-menu"' not in html
    html = page(client.get("/audit/"), 403)
    assert "Access denied" in html


def test_a_bad_request_answers_400_in_the_plain_layout(client, db):
    html = page(client.get("/", HTTP_HOST="not-allowed.example"), 400)
    assert "Yêu cầu không hợp lệ" in html


def test_a_csrf_failure_on_a_page_is_translated(db):
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = EN
    html = page(client.post("/accounts/login/", {"username": "x", "password": "y"}), 403)
    assert "reload the page and try again" in html


def test_api_paths_keep_their_json_errors(rf, cdc):
    from vigil.urls import page_not_found, permission_denied, server_error

    for response, status, code in (
        (permission_denied(rf.get("/api/v1/x"), PermissionDenied()), 403, "forbidden"),
        (page_not_found(rf.get("/api/v1/x")), 404, "not_found"),
        (server_error(rf.get("/api/v1/x")), 500, "server_error"),
    ):
        assert response.status_code == status
        assert json.loads(response.content)["error"]["code"] == code
    response = signed_in(cdc).get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
