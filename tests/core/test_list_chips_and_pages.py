# ruff: noqa: F811  (fixtures imported from other test modules)
"""The lists' filter chips ("Label: value" with a link removing that one
filter) and the keyset pager's "rows 51–100 of 1.234"."""

import datetime

import pytest
from django import forms
from django.http import QueryDict
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from vigil.accounts.models import Task
from vigil.core.filter_chips import active_filters, clear_url
from vigil.core.paging import KeysetPaginator
from vigil.declarations.filters import DeclarationFilterForm
from vigil.declarations.models import Declaration

from ..declarations.test_lists import declare  # noqa: F401  (a fixture)


@pytest.fixture
def district_user(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


def chips_of(form, query):
    return {chip.name: chip for chip in active_filters(form, QueryDict(query))}


def test_chips_show_labels_names_and_dates_never_raw_ids(district_user, places):
    query = (
        f"commune={places.commune.pk}&channel=paper&date_from=01/07/2021&q=an"
        "&date_on=created&kind=&sort=name&after=abc"
    )
    with translation.override("en"):
        form = DeclarationFilterForm(QueryDict(query), user=district_user)
        chips = chips_of(form, query)
    # Empty values, the order, the cursor and a select left at its first
    # option ("Date of: declaration") are no filters.
    assert set(chips) == {"commune", "channel", "date_from", "q"}
    assert (chips["commune"].label, chips["commune"].value) == ("Commune", places.commune.name)
    assert str(places.commune.pk) not in chips["commune"].value
    assert (chips["channel"].label, chips["channel"].value) == ("Channel", "Paper form, digitised")
    assert chips["date_from"].value == "01/07/2021"
    assert chips["q"].value == "an"


def test_removing_a_chip_keeps_the_other_filters_and_the_order_and_drops_the_page(
    district_user, places
):
    query = f"commune={places.commune.pk}&channel=paper&sort=name&after=abc&before=x&page=3"
    form = DeclarationFilterForm(QueryDict(query), user=district_user)
    url = chips_of(form, query)["commune"].remove_url
    left = QueryDict(url.lstrip("?"))
    assert dict(left.lists()) == {"channel": ["paper"], "sort": ["name"]}
    url = chips_of(form, query)["channel"].remove_url
    assert dict(QueryDict(url.lstrip("?")).lists()) == {
        "commune": [str(places.commune.pk)],
        "sort": ["name"],
    }
    # "Clear all": the filters go, the order stays.
    assert dict(QueryDict(clear_url(form, QueryDict(query)).lstrip("?")).lists()) == {
        "sort": ["name"]
    }


def test_a_unit_outside_the_jurisdiction_is_a_chip_without_its_name(district_user, places):
    query = f"commune={places.far.pk}"
    form = DeclarationFilterForm(QueryDict(query), user=district_user)
    chip = chips_of(form, query)["commune"]
    assert places.far.name not in chip.value and str(places.far.pk) not in chip.value
    assert chip.remove_url == "?"


class _Form(forms.Form):
    tab = forms.CharField(widget=forms.HiddenInput, required=False)
    done = forms.BooleanField(label="Done", required=False)
    kinds = forms.MultipleChoiceField(
        label="Kinds", required=False, choices=[("a", "Alpha"), ("Group", [("b", "Beta")])]
    )
    day = forms.DateField(label="Day", required=False, input_formats=["%d/%m/%Y"])


def test_hidden_fields_booleans_optgroups_and_skipped_names():
    query = "tab=open&done=on&kinds=a&kinds=b&day=31/12/2021"
    chips = chips_of(_Form(QueryDict(query)), query)
    assert set(chips) == {"done", "kinds", "day"}  # the hidden tab is no chip
    assert chips["kinds"].value == "Alpha, Beta"
    assert chips["day"].value == "31/12/2021"
    remaining = QueryDict(chips["kinds"].remove_url.lstrip("?"))
    assert remaining.getlist("kinds") == [] and remaining["tab"] == "open"
    skipped = active_filters(_Form(QueryDict(query)), QueryDict(query), skip=("day",))
    assert {chip.name for chip in skipped} == {"done", "kinds"}
    assert chips_of(_Form(QueryDict("done=")), "done=") == {}


def test_the_panel_counts_the_chips_and_opens_on_errors(district_user, places):
    request = RequestFactory().get("/declarations/", {"channel": "paper", "date_from": "x"})
    form = DeclarationFilterForm(request.GET, user=district_user)
    html = Template(
        "{% load list_tools %}{% filterpanel form %}<form id='filter-form'></form>"
        "{% endfilterpanel %}"
    ).render(Context({"form": form, "request": request}))
    assert 'id="filter-count">2<' in html
    # A wrong date: the panel is open on phones, to show the error.
    assert 'filter-panel show"' in html and 'aria-expanded="true"' in html
    assert "<form id='filter-form'></form>" in html
    request = RequestFactory().get("/declarations/")
    html = Template("{% load list_tools %}{% filterpanel form %}x{% endfilterpanel %}").render(
        Context(
            {"form": DeclarationFilterForm(request.GET, user=district_user), "request": request}
        )
    )
    assert "filter-count" not in html and "filter-chips" not in html and "show" not in html


def test_the_pager_says_which_rows_are_shown(places, declare):
    for n in range(7):
        declare(places.commune, days_ago=n)
    qs = Declaration.objects.all()
    order = ("-created_at", "-id")
    paginator = KeysetPaginator(qs, order, 3)
    first = paginator.locate(paginator.page(), 7, False)
    assert (first.start, first.end, first.total) == (1, 3, 7)
    second = paginator.locate(paginator.page(after=first.next_cursor), 7, False)
    assert (second.start, second.end) == (4, 6)
    third = paginator.locate(paginator.page(after=second.next_cursor), 7, False)
    assert (third.start, third.end) == (7, 7)
    back = paginator.locate(paginator.page(before=third.previous_cursor), 7, False)
    assert (back.start, back.end) == (4, 6)
    # A jump to a day is placed too.
    day = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=4, hours=1)
    from django.db.models import Q

    jumped = paginator.locate(paginator.page(start=Q(created_at__lt=day)), 7, False)
    assert (jumped.start, jumped.end) == (6, 7)
    # Beyond the cap the rows before the page are not counted whole.
    far = paginator.locate(paginator.page(after=second.next_cursor), 2, True, cap=2)
    assert far.start is None and far.total == 2
    html = Template("{% load i18n %}{% include 'core/keyset_pager.html' %}")
    with translation.override("en"):
        text = html.render(Context({"page": second, "pager": {}}))
        assert "Rows 4–6 of 7" in text
        text = html.render(Context({"page": far, "pager": {}}))
        assert "Rows after the first 2" in text
