"""Staff entry in a desktop Chromium: reuse of a known person and of their
recent declaration (R-P2, issue 10 finding 7), and a paper form typed with
the keyboard only (§II.4.2.1)."""

import time

from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations import questions, services
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel, Declaration
from vigil.people.models import Person

from ..conftest import PASSWORD
from ..declarations.helpers import form_data
from .conftest import log_in


def focused(page):
    return page.evaluate("document.activeElement.id")


def test_a_health_station_reuses_a_known_person_found_by_phone(
    site, desktop_page, make_user, places
):
    make_user("hs.phunhuan", places.commune, tasks=[Task.HEALTH_STATION])
    form = DeclarationForm(form_data(places.commune))
    assert form.is_valid(), form.errors
    earlier = services.submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration
    people = Person.objects.count()

    page = desktop_page
    log_in(page, site, "hs.phunhuan", PASSWORD)
    page.goto(f"{site}/declarations/new/?channel=walk_in")
    assert focused(page) == "search-q"
    page.keyboard.type("0905 111 222")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#use-person-{earlier.person.pk}")
    assert "0905111222" not in page.locator("#people-found").inner_text()  # masked
    page.click(f"#use-person-{earlier.person.pk}")

    assert page.input_value("#id_full_name") == "Nguyễn Văn Đức"
    assert page.input_value("#id_id_number") == "046090001234"
    assert page.input_value("#id_address") == "12 Lê Lợi"
    assert page.input_value("#id_arrival_date") == ""  # a new journey
    # They declared online yesterday: that declaration is shown, and Enter uses it.
    assert earlier.code in page.locator("#recent-declarations").inner_text()
    assert focused(page) == f"use-declaration-{earlier.pk}"
    picked_url = page.url
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/declarations/{earlier.pk}/")
    assert Declaration.objects.count() == 1

    # Back on the form, a second declaration takes an explicit choice.
    page.goto(picked_url)
    page.fill("#id_arrival_date", timezone.localdate().strftime("%d/%m/%Y"))
    page.click("#save")
    page.wait_for_selector("#duplicate-refused")
    assert Declaration.objects.count() == 1
    assert page.input_value("#id_arrival_date") == timezone.localdate().strftime("%d/%m/%Y")
    page.check("#confirm-duplicate")
    page.click("#save")
    page.wait_for_selector(".alert-success")

    assert Person.objects.count() == people
    latest = Declaration.objects.exclude(pk=earlier.pk).get()
    assert latest.person_id == earlier.person_id
    assert latest.channel == Channel.WALK_IN
    assert latest.code in page.locator(".alert-success").inner_text()
    # The next person starts at the search.
    assert focused(page) == "search-q"
    assert page.input_value("#id_full_name") == ""


def test_a_clerk_types_a_paper_form_with_the_keyboard_only(site, desktop_page, make_user, places):
    make_user("so.hoa.hue", places.district, tasks=[Task.DIGITISATION])
    page = desktop_page
    log_in(page, site, "so.hoa.hue", PASSWORD)
    page.goto(f"{site}/declarations/new/?channel=paper")
    today = timezone.localdate().strftime("%d/%m/%Y")
    keys = page.keyboard

    started = time.perf_counter()
    assert focused(page) == "id_paper_form_number"
    # Tab moves through the fields in the order of the paper form; selects
    # keep their first choice, or take the next one with the arrow key.
    steps = [
        "GT-0001", today,  # paper form number, date
        "ArrowDown", "",  # why paper was used: the first reason (no smartphone); other: none
        "Hoàng Văn Giấy", "1979",  # full name, birth year
        None, None,  # gender (Nam), ID kind (CCCD)
        "046079001122", "0914555666", "",  # ID number, phone, occupation
        None, "", "",  # registration kind (returning home), student code, school
        # country VN, the first province, its first district and commune (required), place
        None, "ArrowDown", "ArrowDown", "ArrowDown", "",
        "ArrowDown", None, "5 Nguyễn Huệ",  # commune: the first of the district; village; address
        None, "", today, "",  # transport (car), its number, arrival date, places visited
        # The yes/no questions start at "No": Tab to the one answered "Yes".
        None, None, None,  # the three exposures
    ]  # fmt: skip
    for step in steps:
        if step == "ArrowDown":
            # A dependent list is filled by htmx once the one above it changed.
            page.wait_for_function("() => document.activeElement.options.length > 1")
            keys.press("ArrowDown")
        elif step:
            keys.type(step)
        keys.press("Tab")
    assert focused(page) == "id_sym_fever_1"  # "No" of the first symptom, fever
    keys.press("ArrowUp")  # "Yes"
    keys.press("Enter")  # saves from a radio button too (entry.js)
    page.wait_for_selector(".alert-success")
    elapsed = time.perf_counter() - started
    print(f"keyboard-only paper entry: {elapsed:.2f} s from the first key to the next empty form")

    declaration = Declaration.objects.get()
    assert declaration.channel == Channel.PAPER
    assert declaration.paper_form_number == "GT-0001"
    assert declaration.paper_reason == "no_smartphone"
    assert declaration.person.id_number == "046079001122"
    assert declaration.area.parent_id == places.district.pk
    assert [str(answer) for answer in declaration.yes_answers()] == [
        str(questions.SYMPTOMS[0][1])
    ]  # fever; every other question kept its default "No"
    # The next paper starts at the search, keeping the commune and the date.
    assert f"{page.url}".endswith("/declarations/new/?channel=paper&step=search")
    assert focused(page) == "search-q"
    assert page.input_value("#id_full_name") == ""
    assert page.input_value("#id_paper_form_number") == ""
    assert page.input_value("#id_paper_form_date") == today
    assert page.input_value("#id_paper_reason") == ""  # each person's own
    assert page.input_value("#id_area") == str(declaration.area_id)
    assert elapsed < 10

    # The next paper form is the same person again: typing its number, then
    # leaving the ID number field shows them; picking them keeps the paper
    # form number typed and shows the declaration saved a moment ago.
    page.focus("#id_paper_form_number")
    keys.type("GT-0002")
    page.select_option("#id_paper_reason", "elderly_child")
    page.fill("#id_id_number", "046079001122")
    page.press("#id_id_number", "Tab")
    page.click(f"#use-person-{declaration.person_id}")
    assert page.input_value("#id_full_name") == "Hoàng Văn Giấy"
    assert page.input_value("#id_paper_form_number") == "GT-0002"
    assert page.input_value("#id_paper_form_date") == today
    assert page.input_value("#id_paper_reason") == "elderly_child"
    assert declaration.code in page.locator("#recent-declarations").inner_text()
    assert focused(page) == f"use-declaration-{declaration.pk}"
    # A second paper form of the same journey: created on purpose.
    page.check("#confirm-duplicate")
    page.focus("#id_arrival_date")
    keys.type(today)
    keys.press("Enter")
    page.wait_for_selector(".alert-success")
    assert Person.objects.count() == 1
    assert sorted(Declaration.objects.values_list("paper_form_number", "paper_reason")) == [
        ("GT-0001", "no_smartphone"),
        ("GT-0002", "elderly_child"),
    ]
