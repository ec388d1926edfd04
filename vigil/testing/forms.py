"""Forms of the test pages (R-T1..R-T3): the list filter, a result row (one row
of the seed's "Nhập xét nghiệm" table), the batch entry, the lab-sheet upload
and the statistics filter.

A result row is checked by `services.check_row` itself, so the page refuses a
row for exactly the reasons the service would, and says so next to the field.
"""

import datetime
import functools
import operator
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit
from vigil.core.forms import DateOrderMixin, record_filter, search_filter
from vigil.core.phones import normalize_phone
from vigil.core.tasks import Task
from vigil.core.text import fold
from vigil.core.xlsx import XlsxUploadForm
from vigil.declarations import questions
from vigil.declarations.filters import AreaFilterMixin
from vigil.declarations.models import Surveillance
from vigil.people.services import common_beginning, name_key

from . import services
from .models import TestOutcome, TestType

DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
MAX_BATCH = 500


def date_input():
    return forms.DateInput(DATE_ATTRS)


class PeopleFilterForm(DateOrderMixin, AreaFilterMixin, forms.Form):
    """Filters of "Kết quả xét nghiệm" (R-T1), over the people in scope.

    The date range means the arrival date on the "not tested" tab (a
    declaration's arrival date or the start of a quarantine stay) and the
    sample date on the "tested" tab (at least one sample taken in the range).
    """

    date_from = forms.DateField(label=_("From"), required=False, widget=date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=date_input())
    district = record_filter(_("District"), AdminUnit.objects.none())
    commune = record_filter(_("Commune"), AdminUnit.objects.none())
    contact = forms.ChoiceField(
        label=_("Contact type"),
        required=False,
        choices=[("", _("All")), *questions.EXPOSURES],
    )
    surveillance = forms.ChoiceField(
        label=_("Surveillance type"),
        required=False,
        choices=[("", _("All")), *Surveillance.choices],
    )
    q = search_filter(_("Name, ID number or phone"), max_length=100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_areas(user)


class PositiveFilterForm(AreaFilterMixin, forms.Form):
    """Filters of "Dương tính, chưa mở ca bệnh": place and keyword."""

    district = record_filter(_("District"), AdminUnit.objects.none())
    commune = record_filter(_("Commune"), AdminUnit.objects.none())
    q = search_filter(_("Name, ID number or phone"), max_length=100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_areas(user)


class HandledForm(forms.Form):
    """ "Ghi nhận đã xử lý": what was done about the positive results."""

    version = forms.CharField(widget=forms.HiddenInput, max_length=2000)
    note = forms.CharField(
        label=_("What was done"),
        max_length=services.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: referred to the provincial hospital; isolated at home."),
    )


_CODE_LIKE = re.compile(r"^[0-9A-Z]*[0-9][0-9A-Z]*$")


def keyword_q(text):
    """People whose name contains every word (diacritics ignored), or whose ID
    number or phone is exactly `text`.

    When at least PREFIX_ENOUGH people have a name beginning as typed
    (`people.services.common_beginning`), the name matches by its beginning
    only: a range of the name index, instead of the
    trigram index reading every person with a common word (50–100 ms at 2M
    people, more as the table grows). A name that few begin with still
    matches anywhere in the name.
    """
    compact = re.sub(r"[\s.\-()]", "", text).lstrip("+").upper()
    conditions = []
    key = fold(text)
    if key and not compact.isdigit():
        if common_beginning(key):
            conditions.append(Q(StartsWith(name_key(), key)))
        else:
            conditions.append(
                functools.reduce(operator.and_, (Q(search_key__contains=w) for w in key.split()))
            )
    if _CODE_LIKE.match(compact):
        # ID numbers hold a digit: a name is not looked up as one (an OR with
        # it would keep the name's range from being read from the index alone).
        conditions.append(Q(id_number=compact))
    phone = normalize_phone(text)
    if phone:
        conditions.append(Q(phone=phone))
    if not conditions:
        return Q(pk__in=[])
    return functools.reduce(operator.or_, conditions)


# Result rows ------------------------------------------------------------------


class ResultRowForm(forms.Form):
    """One result: the columns of the seed's "Nhập xét nghiệm" (§II.8, §II.11)."""

    sampling_unit = forms.CharField(
        label=_("Sampling unit"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "sampling-units", "autocomplete": "off"}),
    )
    batch_code = forms.CharField(
        label=_("Group"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    test_id = forms.CharField(
        label=_("Test ID"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    sample_date = forms.DateField(label=_("Sample date"), widget=date_input())
    test_date = forms.DateField(label=_("Test date"), required=False, widget=date_input())
    test_type = forms.ChoiceField(
        label=_("Test type"), choices=[("", "---------"), *TestType.choices]
    )
    result = forms.ChoiceField(label=_("Result"), choices=[("", "---------"), *TestOutcome.choices])
    checkpoint = forms.CharField(
        label=_("Checkpoint"),
        max_length=200,
        required=False,
        help_text=_("Only for a rapid test at a checkpoint."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    TEXT = ("sampling_unit", "batch_code", "test_id", "checkpoint")

    def clean(self):
        data = super().clean()
        for name in self.TEXT:
            if name in data:
                data[name] = " ".join(data[name].split())
        if (
            data.get("result")
            and data["result"] != TestOutcome.PENDING
            and not data.get("test_date")
            and "test_date" not in self.errors
        ):
            self.add_error(
                "test_date",
                _("Enter the test date, or choose “%(pending)s” as the result.")
                % {"pending": TestOutcome.PENDING.label},
            )
        self.check_with_service()
        return data

    def check_with_service(self):
        """services.check_row on what was typed: its messages go next to the fields."""
        if any(name in self.errors for name in ("sample_date", "test_type", "result")):
            return
        try:
            services.check_row(self.row())
        except ValidationError as exc:
            self.add_service_errors(exc)

    def add_service_errors(self, exc):
        for name, messages in exc.message_dict.items():
            field = name if name in self.fields else None
            if field and field in self.errors:
                continue
            for message in messages:
                self.add_error(field, message)

    def row(self):
        """The row for vigil.testing.services (add_results / add_batch)."""
        data = self.cleaned_data
        row = {name: data.get(name, "") for name in self.TEXT}
        row.update(
            sample_date=data.get("sample_date"),
            test_date=data.get("test_date"),
            test_type=data.get("test_type"),
            result=data.get("result"),
        )
        return row


class BaseRowFormSet(forms.BaseFormSet):
    def rows(self):
        """(form, row) of every filled-in form; empty extra rows are skipped."""
        return [(f, f.row()) for f in self.forms if f.cleaned_data]


ResultRowFormSet = forms.formset_factory(
    ResultRowForm,
    formset=BaseRowFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=50,
    validate_max=True,
)


def row_initial(user, sticky):
    """Initial values of a new row: today, and what the clerk used last."""
    initial = {"sample_date": timezone.localdate()}
    if user.has_task(Task.CHECKPOINT) and not user.has_task(Task.CDC):
        initial["test_type"] = TestType.RAPID
    for name in ("sampling_unit", "test_type", "checkpoint"):
        if sticky.get(name):
            initial[name] = sticky[name]
    return initial


# Batch entry ------------------------------------------------------------------


class BatchForm(ResultRowForm):
    """One sample row for several people sampled together under one group code."""

    lines = forms.CharField(
        label=_("ID numbers, phones or declaration codes, one per line"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )

    field_order = ["lines", "batch_code", "sampling_unit", "test_id", "sample_date", "test_date",
                   "test_type", "result", "checkpoint"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch_code"].required = True
        self.fields["test_id"].help_text = _(
            "Leave empty unless the whole group shares one test ID (a pooled sample)."
        )


# Lab sheet and statistics ---------------------------------------------------------


LabSheetForm = XlsxUploadForm


class StatsFilterForm(forms.Form):
    """Statistics of results (R-T3), by default over the last 30 days."""

    DEFAULT_DAYS = 30
    MAX_DAYS = 366

    date_from = forms.DateField(label=_("Sampled from"), required=False, widget=date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=date_input())
    checkpoint_only = forms.BooleanField(label=_("Checkpoint tests only"), required=False)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        end = data.get("date_to") or today
        start = data.get("date_from") or end - datetime.timedelta(days=self.DEFAULT_DAYS - 1)
        if start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        elif (end - start).days >= self.MAX_DAYS:
            self.add_error("date_from", _("Choose at most a year."))
        data["start"], data["end"] = start, end
        return data
