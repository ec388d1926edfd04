"""The user guide's chapters (issue #16): every task group has its own chapter
and finds it first, every chapter is in Vietnamese and in English, every step's
screenshot exists and is taken by the screenshot script (`make guide`)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from vigil.core import help
from vigil.core.tasks import Task

GUIDE = Path(settings.BASE_DIR) / "docs" / "guide"
EN = GUIDE / "en"
IMAGE = re.compile(r"!\[[^\]]*\]\(img/([^)\s]+)\)")
SLUGS = [pg.slug for pg in help.PAGES]


def chapter_of(task):
    return next(pg for pg in help.PAGES if task in pg.tasks)


def images_in(file):
    return IMAGE.findall(file.read_text(encoding="utf-8"))


def h1(html):
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return match.group(1).strip() if match else None


def test_every_task_group_has_a_chapter_of_its_own():
    owners = {}
    for pg in help.PAGES:
        for task in pg.tasks:
            assert task not in owners, f"{task} has two chapters: {owners[task]} and {pg.slug}"
            owners[task] = pg.slug
    assert set(owners) == set(Task.values)
    # One chapter per task group: no chapter is shared by two of them.
    assert all(len(pg.tasks) <= 1 for pg in help.PAGES)
    # Police, military, community team and health station each have their own steps.
    separate = [Task.POLICE, Task.MILITARY, Task.COMMUNITY, Task.HEALTH_STATION, Task.DIGITISATION]
    assert len({chapter_of(t).slug for t in separate}) == len(separate)


@pytest.mark.parametrize("task", Task.values)
def test_an_account_finds_its_task_groups_chapter_first(client, places, make_user, task):
    user = make_user(f"guide.only.{task}", places.commune, tasks=[task])
    own, others = help.pages_for(user)
    mine = chapter_of(task)
    assert own[0] == mine and mine not in others
    # No other task group's chapter is among the account's own.
    assert [pg for pg in own if pg.tasks] == [mine]

    client.force_login(user)
    html = client.get("/huong-dan/").content.decode()
    box = re.search(r'id="guide-mine">(.*?)</ul>', html, re.S)
    assert box, task
    assert re.findall(r'href="(/huong-dan/[^"]+)"', box.group(1)) == [f"/huong-dan/{mine.slug}/"]
    # The guide's menu lists the chapter first among "For your task groups".
    nav = html.split('id="guide-nav"', 1)[1]
    own_part = nav.split("Các chương khác", 1)[0]
    first = re.search(
        r'href="(/huong-dan/[^"]+/)"', own_part.split("Dành cho nhóm nhiệm vụ", 1)[-1]
    )
    assert first and first.group(1) == f"/huong-dan/{mine.slug}/", task
    response = client.get(f"/huong-dan/{mine.slug}/")
    assert response.status_code == 200
    assert f'href="/huong-dan/{mine.slug}/" aria-current="page"' in response.content.decode()
    # The navigation bar of every page links straight to the chapter.
    home = client.get("/").content.decode()
    bar = home.split('id="nav"', 1)[1].split("</nav>", 1)[0]
    chapters = re.findall(r'href="(/huong-dan/[^"]+/)"', bar)
    assert chapters == [f"/huong-dan/{mine.slug}/"], task


def test_an_account_with_two_task_groups_finds_both_chapters(places, make_user):
    user = make_user("guide.two", places.commune, tasks=[Task.POLICE, Task.COMMUNITY])
    own, _ = help.pages_for(user)
    assert [pg.slug for pg in own if pg.tasks] == ["to-cong-dong", "cong-an"]
    # Then the shared chapters of the screens it may open.
    assert "nhap-to-khai" in [pg.slug for pg in own]


def test_a_disabled_account_has_no_chapter_of_its_own(places, make_user):
    user = make_user("guide.off", places.commune, tasks=[Task.CDC], is_active=False)
    assert help.pages_for(user)[0] == []


def test_every_chapter_has_an_english_counterpart_and_no_stray_file():
    vietnamese = {f.stem for f in GUIDE.glob("*.md")}
    english = {f.stem for f in EN.glob("*.md")}
    assert vietnamese == english == set(SLUGS) | {"index"}


@pytest.mark.parametrize("slug", SLUGS)
def test_both_languages_show_the_same_images_in_the_same_order(slug):
    assert images_in(EN / f"{slug}.md") == images_in(GUIDE / f"{slug}.md")


@pytest.mark.parametrize("page", help.PAGES, ids=lambda p: p.slug)
def test_a_chapter_is_served_in_the_interface_language(client, places, make_user, page):
    client.force_login(make_user("guide.reader", places.commune, tasks=[Task.LEADER]))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/huong-dan/{page.slug}/").content.decode()
    with translation.override("en"):
        assert h1(html) == str(page.title)
    assert 'id="guide-page" lang="en"' in html
    english = (EN / f"{page.slug}.md").read_text(encoding="utf-8")
    # A sentence of the English file, not of the Vietnamese one.
    assert "**Who:**" in english or page.slug == "index"
    assert "Who:" in html and "Ai:" not in html

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    html = client.get(f"/huong-dan/{page.slug}/").content.decode()
    with translation.override("vi"):
        assert h1(html) == str(page.title)
    assert 'id="guide-page" lang="vi"' in html and "Ai:" in html


def test_the_english_index(client, places, make_user):
    client.force_login(make_user("guide.en", places.commune, tasks=[Task.CHECKPOINT]))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/huong-dan/").content.decode()
    assert h1(html) == "Vigil user guide"
    assert "Your chapter of the guide" in html
    assert "Checkpoints: scanning QR codes, people passing, rapid tests" in html


def test_a_missing_translation_falls_back_to_vietnamese(client, places, make_user, tmp_path):
    (tmp_path / "lanh-dao.md").write_text("# Only this one\n\n**Who:** x\n", encoding="utf-8")
    help.TRANSLATIONS["en"], saved = tmp_path, help.TRANSLATIONS["en"]
    try:
        client.force_login(make_user("guide.fallback", places.commune, tasks=[Task.LEADER]))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        html = client.get("/huong-dan/cach-ly/").content.decode()
        assert 'lang="vi"' in html and "Ai:" in html
        assert h1(client.get("/huong-dan/lanh-dao/").content.decode()) == "Only this one"
    finally:
        help.TRANSLATIONS["en"] = saved


def _referenced():
    names = {}
    for file in [*GUIDE.glob("*.md"), *EN.glob("*.md")]:
        for name in images_in(file):
            names.setdefault(name, []).append(str(file.relative_to(GUIDE)))
    return names


def test_every_image_a_chapter_shows_exists_and_is_small():
    referenced = _referenced()
    missing = {n: f for n, f in referenced.items() if not (GUIDE / "img" / n).is_file()}
    assert not missing, missing
    sizes = [(GUIDE / "img" / n).stat().st_size for n in referenced]
    assert max(sizes) < 200_000
    assert sum(f.stat().st_size for f in (GUIDE / "img").glob("*.png")) < 6_000_000


def test_every_image_is_shown_and_taken_by_the_screenshot_script():
    referenced = set(_referenced())
    on_disk = {f.name for f in (GUIDE / "img").glob("*.png")}
    assert on_disk == referenced, on_disk ^ referenced
    scenes = (GUIDE / "guide_scenes.py").read_text(encoding="utf-8")
    taken = set(re.findall(r'"([a-z0-9-]+\.png)"', scenes))
    assert referenced <= taken, referenced - taken


@pytest.mark.parametrize("slug", [s for s in SLUGS if s != "cong-dan"])
def test_every_staff_chapter_shows_its_steps(slug):
    # Each chapter walks through its steps with at least two screenshots.
    assert len(images_in(GUIDE / f"{slug}.md")) >= 2, slug


def test_the_make_target_builds_a_throwaway_demo_and_stops_its_server():
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\.PHONY:.*\bguide\b", makefile, re.M)
    target = makefile.split("\nguide:", 1)[1].split("\n\n", 1)[0]
    for step in ("migrate", "load_areas", "seed_demo", "runserver", "screenshots.py", "trap"):
        assert step in target, step
