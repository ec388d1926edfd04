import datetime

from django.utils import formats, translation

from vigil.accounts.models import Task


def test_pages_are_vietnamese_by_default_even_for_an_english_browser(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert '<html lang="vi">' in body
    assert "Đăng nhập" in body


def test_the_language_switch_remembers_english(client):
    response = client.post("/language", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response.url == "/accounts/login/"
    body = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in body
    assert "Log in" in body


def test_the_language_switch_refuses_an_off_site_redirect(client):
    response = client.post("/language", {"language": "en", "next": "https://example.com/"})
    assert response.url == "/"


def test_dates_are_day_month_year_in_both_languages():
    day = datetime.date(2021, 8, 5)
    for lang in ("vi", "en"):
        with translation.override(lang):
            assert formats.date_format(day, "SHORT_DATE_FORMAT") == "05/08/2021"
            assert formats.date_format(day) == "05/08/2021"


def test_the_home_menu_uses_the_seed_module_names(client, make_user, places):
    client.force_login(make_user("cdc.tinh", places.province, tasks=[Task.CDC, Task.ADMIN]))
    body = client.get("/").content.decode()
    assert "Phòng chống dịch giai đoạn mới" in body
    assert "Quản trị hệ thống" in body


def test_every_page_has_a_content_security_policy_without_inline_script(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy


def test_every_string_of_the_catalogue_is_translated_and_none_is_a_guess():
    # A fuzzy entry is gettext's guess from a similar string: compiled, it
    # would put the wrong Vietnamese on a page.
    import polib
    from django.conf import settings

    po = polib.pofile(str(settings.LOCALE_PATHS[0] / "vi" / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in po if "fuzzy" in e.flags] == []
    assert [e.msgid for e in po if not (e.msgstr or any(e.msgstr_plural.values()))] == []
