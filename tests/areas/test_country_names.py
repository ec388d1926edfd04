"""Country names come from CLDR (Babel) and follow the interface language."""

from io import StringIO

import pytest
from babel import Locale
from django.core.management import call_command
from django.utils import translation

from vigil.areas.models import Country
from vigil.core.text import fold
from vigil.declarations.forms import PublicDeclarationForm


def cldr(code, lang):
    return Locale(lang).territories[code]


@pytest.mark.django_db
def test_it_names_countries_as_cldr_does_in_both_languages():
    qatar, bangladesh = Country.objects.get(code="QA"), Country.objects.get(code="BD")

    assert (qatar.name, qatar.name_en) == (cldr("QA", "vi"), cldr("QA", "en"))
    assert (bangladesh.name, bangladesh.name_en) == (cldr("BD", "vi"), cldr("BD", "en"))
    assert qatar.name != "Ca-tă" and bangladesh.name != "Bang-la-đesợ"


@pytest.mark.django_db
def test_a_country_shows_the_name_of_the_interface_language():
    korea = Country.objects.get(code="KR")

    with translation.override("vi"):
        assert str(korea) == cldr("KR", "vi")
    with translation.override("en"):
        assert str(korea) == "South Korea" == cldr("KR", "en")


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_countries_sort_by_their_localized_name_with_vietnam_first(lang):
    with translation.override(lang):
        labels = [str(c) for c in Country.objects.all()]

    assert labels[0] == cldr("VN", lang)
    assert [fold(x) for x in labels[1:]] == sorted(fold(x) for x in labels[1:])


@pytest.mark.django_db
def test_the_declaration_form_offers_english_country_names_in_english():
    with translation.override("en"):
        labels = [
            str(label)
            for _value, label in PublicDeclarationForm().fields["departure_country"].choices
        ]

    assert "Qatar" in labels and "Bangladesh" in labels
    assert "United States" in labels and cldr("US", "vi") not in labels
    labels = [label for label in labels if label != "---------"]
    assert labels[0] == "Vietnam" and labels.index("Afghanistan") < labels.index("Zambia")


@pytest.mark.django_db
def test_load_areas_renames_countries_loaded_with_old_names():
    Country.objects.filter(code="QA").update(name="Ca-tă", sort_order_en=1000)

    call_command("load_areas", stdout=StringIO())

    qatar = Country.objects.get(code="QA")
    assert qatar.name == cldr("QA", "vi") and qatar.sort_order_en < 1000
