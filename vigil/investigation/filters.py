"""The case list's filter ("Truy vết dịch bệnh", R-E4): one form for the page,
the API and the export.

GET names are fixed (the statistics link to them): date_from, date_to,
district, commune, level ("0", "1", "2", "3+"), kind, contact_type, outbreak,
q. A value outside the user's jurisdiction makes the form invalid, and the
list then shows nothing rather than ignoring the filter.
"""

import datetime
import re

from django import forms
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, StrIndex, TruncDate
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit
from vigil.core.forms import DateOrderMixin, record_filter, search_filter
from vigil.core.phones import normalize_phone
from vigil.core.text import fold
from vigil.declarations.filters import AreaFilterMixin
from vigil.people.models import Person
from vigil.testing.models import TestResult

from .forms import DATE_ATTRS
from .ids import id_in
from .models import Case, CaseKind, ContactType, Outbreak

LEVELS = [("", _("All")), ("0", "F0"), ("1", "F1"), ("2", "F2"), ("3+", "F3+"), ("none", "F?")]


class CaseFilterForm(DateOrderMixin, AreaFilterMixin, forms.Form):
    CREATED, INVESTIGATED, CONFIRMED = "created", "investigated", "confirmed"

    q = search_filter(_("Case code, ID number or name"))
    date_on = forms.ChoiceField(
        label=_("Date of"),
        required=False,
        choices=[
            (CREATED, _("recording")),
            (INVESTIGATED, _("investigation")),
            (CONFIRMED, _("confirmation")),
        ],
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(DATE_ATTRS))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(DATE_ATTRS))
    district = record_filter(_("District"), AdminUnit.objects.none())
    commune = record_filter(_("Commune"), AdminUnit.objects.none())
    level = forms.ChoiceField(label=_("Case type (Fn)"), required=False, choices=LEVELS)
    kind = forms.ChoiceField(
        label=_("Record"), required=False, choices=[("", _("All")), *CaseKind.choices]
    )
    contact_type = forms.ChoiceField(
        label=_("Contact type"), required=False, choices=[("", _("All")), *ContactType.choices]
    )
    outbreak = record_filter(_("Outbreak"), Outbreak.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_areas(user)
        self.fields["outbreak"].queryset = Outbreak.objects.visible_to(user).order_by("name")

    def filter_qs(self, qs):
        """Narrow an already scoped queryset; an invalid form yields no rows."""
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        for name in ("district", "commune"):
            if data.get(name):
                path = data[name].path
                qs = qs.filter(Q(area_path__startswith=path) | Q(residence_path__startswith=path))
        qs = level_filter(qs, data.get("level"))
        for name in ("kind", "contact_type"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        if data.get("outbreak"):
            qs = qs.filter(outbreak=data["outbreak"])
        qs = self._filter_dates(qs, data)
        if data.get("q"):
            qs = qs.filter(keyword_q(data["q"]))
        return qs

    def _filter_dates(self, qs, data):
        start, end = data.get("date_from"), data.get("date_to")
        if data.get("date_on") == self.CONFIRMED:
            # The day a confirmed case counts on in the statistics' epidemic
            # curve: its confirmation date, else the day it was recorded.
            qs = qs.annotate(counted_on=Coalesce("confirmed_on", TruncDate("created_at")))
            if start:
                qs = qs.filter(counted_on__gte=start)
            if end:
                qs = qs.filter(counted_on__lte=end)
            return qs
        if data.get("date_on") == self.INVESTIGATED:
            if start:
                qs = qs.filter(investigation_date__gte=start)
            if end:
                qs = qs.filter(investigation_date__lte=end)
            return qs
        # A range on the indexed timestamp, not a __date lookup on every row.
        if start:
            qs = qs.filter(created_at__gte=_midnight(start))
        if end:
            qs = qs.filter(created_at__lt=_midnight(end + datetime.timedelta(days=1)))
        return qs


def _midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def level_filter(qs, value):
    if value in (None, ""):
        return qs
    if value == "none":
        return qs.filter(level__isnull=True)
    if value == "3+":
        return qs.filter(level__gte=3)
    return qs.filter(level=int(value))


# A keyword matching more people than this (a common name) lists the cases of
# the first this many of them.
KEYWORD_PEOPLE = 2000


def keyword_q(text):
    """Cases whose code is `text` or starts with it, whose person's ID number
    or phone is exactly `text`, or whose person's name starts with it or
    contains each of its words (diacritics ignored).

    The matches are found first, each by its own index (the code's pattern
    index, the people's ID number, phone and name indexes), and the cases are
    then picked by id: one OR across the case and person tables defeats every
    index, and PostgreSQL walked a million cases for a rare code (15 s)."""
    text = text.strip()
    compact = re.sub(r"[\s.\-()]", "", text).lstrip("+").upper()
    cases = []
    people = Person.objects.none()
    if compact:
        cases = list(
            Case.objects.filter(code__startswith=compact)
            .order_by()
            .values_list("pk", flat=True)[:KEYWORD_PEOPLE]
        )
        people = people | Person.objects.filter(id_number=compact)
    phone = normalize_phone(text)
    if phone:
        people = people | Person.objects.filter(phone=phone)
    key = fold(text)
    if key and not key.replace(" ", "").isdigit():
        words = Person.objects.all()
        for word in key.split():
            if len(word) >= 3:
                words = words.filter(search_key__contains=word)
            else:
                # Out of the trigram index's reach, as in the people search: a
                # word of one or two letters has no trigram.
                words = words.filter(GreaterThan(StrIndex("search_key", Value(word)), 0))
        people = people | Person.objects.filter(search_key__startswith=key) | words
    person_ids = list(people.order_by().values_list("pk", flat=True)[:KEYWORD_PEOPLE])
    return Q(pk__in=id_in(cases)) | Q(person_id__in=id_in(person_ids))


def with_tests(qs, user):
    """Each case with `test_count`: the person's tests the user may see (one
    subquery, like StayQuerySet.with_tests, not one query per row)."""
    tests = (
        TestResult.objects.visible_to(user)
        .filter(person=OuterRef("person_id"))
        .order_by()
        .values("person")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(test_count=Coalesce(Subquery(tests), 0))
