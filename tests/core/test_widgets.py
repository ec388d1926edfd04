"""QuickSelect writes the very markup Django's select templates write."""

import pytest
from django import forms
from django.utils.translation import gettext_lazy

from vigil.areas.models import AdminUnit
from vigil.core.widgets import QuickSelect, quick

CHOICES = [
    ("", gettext_lazy("All")),
    ("Huyện A & B", [(1, 'Xã "Một"'), (2, "Xã <Hai>")]),
    ("Huyện C", [(3, "Phường Ba")]),
    (4, "Không nhóm"),
]


@pytest.mark.parametrize(
    ("value", "attrs"),
    [
        (None, {}),
        ("", {"id": "id_x", "class": "form-select"}),
        (2, {"id": "id_x", "required": True, "disabled": False, "aria-describedby": 'a"b'}),
        ("3", {"data-x": "<>"}),
    ],
)
def test_the_same_html_as_django(value, attrs):
    plain = forms.Select(choices=CHOICES)
    fast = quick(plain)
    assert isinstance(fast, QuickSelect) and type(plain) is forms.Select
    assert fast.render("commune", value, attrs) == plain.render("commune", value, attrs)


@pytest.mark.django_db
def test_a_model_choice_field_bound_in_a_form(places):
    class Form(forms.Form):
        commune = forms.ModelChoiceField(AdminUnit.objects.order_by("path"), required=False)
        kind = forms.ChoiceField(choices=[("a", "A"), ("b", "B")])

    form = Form({"commune": places.commune.pk, "kind": "b"})
    for name in ("commune", "kind"):
        field = form[name]
        fast = field.as_widget(widget=quick(field.field.widget), attrs={"class": "form-select"})
        assert fast == field.as_widget(attrs={"class": "form-select"})
        assert "selected" in fast


def test_other_widgets_are_left_alone():
    for widget in (forms.SelectMultiple(), forms.RadioSelect(), forms.Textarea()):
        assert quick(widget) is widget


@pytest.mark.django_db
def test_quick_display_and_url_of_give_what_django_gives(places, make_person):
    from django.template import Context, Template
    from django.urls import reverse
    from django.utils import translation

    from vigil.declarations.models import Channel, Declaration

    person = make_person(places.commune)
    declaration = Declaration(person=person, channel=Channel.PAPER, risk_colour="red")
    for language in ("vi", "en"):
        with translation.override(language):
            assert declaration.get_channel_display() == str(dict(Channel.choices)["paper"])
            assert person.get_gender_display() == str(
                dict(type(person)._meta.get_field("gender").flatchoices)[person.gender]
            )
    # A value outside the choices is shown as it is, as Django does.
    declaration.channel = "carrier-pigeon"
    assert declaration.get_channel_display() == "carrier-pigeon"
    rendered = Template('{% load vigil %}{{ pk|url_of:"declarations:detail" }}').render(
        Context({"pk": 42})
    )
    assert rendered == reverse("declarations:detail", args=[42])


def test_dt_and_dmy_write_what_django_date_formats_write():
    import datetime

    from django.utils import timezone
    from django.utils.formats import date_format

    from vigil.core.templatetags.vigil import dmy, dt

    moment = datetime.datetime(2021, 7, 4, 23, 5, tzinfo=datetime.UTC)  # 06:05 the 5th in Huế
    assert dt(moment) == date_format(timezone.localtime(moment), "d/m/Y H:i") == "05/07/2021 06:05"
    assert dmy(datetime.date(2021, 7, 4)) == date_format(datetime.date(2021, 7, 4), "d/m/Y")
    assert dt(None) == dmy(None) == ""


@pytest.mark.django_db
def test_the_menu_names_the_jurisdiction_without_a_query(client, make_user, places):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from vigil.accounts.models import Task

    user = make_user("tram.phu.nhuan", places.commune, tasks=[Task.HEALTH_STATION])
    client.force_login(user)
    client.get("/declarations/")  # the tree cache filled
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/declarations/")
    assert places.commune.name in response.content.decode()
    unit = f'WHERE "areas_adminunit"."id" = {places.commune.pk}'
    assert not [q for q in queries if unit in q["sql"]]


@pytest.mark.parametrize(
    "widget",
    [
        forms.TextInput(),
        forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
        forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y"),
        forms.NumberInput(),
        forms.HiddenInput(),
        forms.EmailInput(),
    ],
)
@pytest.mark.parametrize("value", [None, "", 'a"<b>&', 7])
def test_quick_inputs_write_what_django_writes(widget, value):
    import datetime

    fast = quick(widget)
    assert type(fast) is not type(widget) and isinstance(fast, type(widget))
    attrs = {"id": "id_q", "class": "form-control", "required": True, "disabled": False}
    assert fast.render("q", value, attrs) == widget.render("q", value, attrs)
    if isinstance(widget, forms.DateInput):
        day = datetime.date(2021, 7, 4)
        assert fast.render("d", day, {}) == widget.render("d", day, {})
