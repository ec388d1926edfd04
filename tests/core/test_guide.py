"""The user guide (/huong-dan/, vigil.core.help): every chapter renders inside
the layout, the menu links to it, the citizens' chapter is public and the
others are not, and every Markdown file and screenshot is reachable."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from vigil.core import help
from vigil.core.tasks import Task

GUIDE = Path(settings.BASE_DIR) / "docs" / "guide"


@pytest.fixture
def cdc(places, make_user):
    return make_user("guide.cdc", places.commune, tasks=[Task.CDC])


def test_every_markdown_file_is_a_page_and_every_page_has_a_file():
    files = {f.stem for f in GUIDE.glob("*.md")} - {"index"}
    assert files == {p.slug for p in help.PAGES}
    assert (GUIDE / "index.md").is_file()


@pytest.mark.parametrize("page", help.PAGES, ids=lambda p: p.slug)
def test_every_page_renders_for_a_signed_in_user(client, cdc, page):
    client.force_login(cdc)
    response = client.get(reverse(f"core:guide-{page.slug}"))
    assert response.status_code == 200
    html = response.content.decode()
    # The Markdown is rendered (a heading, no raw Markdown emphasis) inside
    # the layout (the navigation bar of a signed-in user).
    assert "<h1" in html and str(page.title) in html
    assert "**" not in html
    assert 'id="user-menu"' in html
    assert f'href="/huong-dan/{page.slug}/" aria-current="page"' in html


def test_the_index_lists_the_readers_own_chapters_first(client, cdc):
    client.force_login(cdc)
    html = client.get("/huong-dan/").content.decode()
    assert "Hướng dẫn sử dụng Vigil" in html
    own, others = html.split("Các chương khác", 1)
    assert "/huong-dan/cdc-phan-loai/" in own and "/huong-dan/dieu-tra/" in own
    assert "/huong-dan/luu-tru/" not in own and "/huong-dan/luu-tru/" in others


def test_the_menu_links_to_the_guide_for_every_account(client, places, make_user):
    for task in Task.values:
        user = make_user(f"guide.menu.{task}", places.commune, tasks=[task])
        client.force_login(user)
        html = client.get("/").content.decode()
        assert 'href="/huong-dan/"' in html, task
        assert "Hướng dẫn sử dụng" in html, task


def test_the_citizen_page_is_public_and_the_others_are_not(client, db):
    response = client.get("/huong-dan/cong-dan/")
    assert response.status_code == 200
    assert "Khai báo về Huế" in response.content.decode()
    for url in ["/huong-dan/", "/huong-dan/lanh-dao/", "/huong-dan/trung-tam-dieu-hanh/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url


def test_a_visitor_sees_only_the_citizen_chapter_in_the_guide_menu(client, db):
    html = client.get("/huong-dan/cong-dan/").content.decode()
    links = set(re.findall(r'href="(/huong-dan/[^"]*)"', html))
    assert links == {"/huong-dan/cong-dan/"}


def test_the_page_chrome_is_translated(client, cdc):
    client.force_login(cdc)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/huong-dan/xac-minh/").content.decode()
    assert "User guide" in html and "For your task groups" in html
    assert "Hướng dẫn sử dụng" not in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    html = client.get("/huong-dan/xac-minh/").content.decode()
    assert "Hướng dẫn sử dụng" in html and "User guide" not in html


def test_every_screenshot_the_guide_shows_is_served(client, db):
    referenced = set()
    for f in GUIDE.glob("*.md"):
        referenced |= set(re.findall(r"\]\(img/([^)]+)\)", f.read_text(encoding="utf-8")))
    for name in referenced:
        assert (GUIDE / "img" / name).is_file(), name
        response = client.get(f"/huong-dan/img/{name}")
        assert response.status_code == 200 and response["Content-Type"] == "image/png", name
        assert (GUIDE / "img" / name).stat().st_size < 200_000, name


def test_the_citizens_pages_link_to_their_chapter(client):
    page = client.get(reverse("public:start")).content.decode()
    link = re.search(r'<a href="([^"]+)" id="guide-link">', page)
    assert link and client.get(link.group(1)).status_code == 200
