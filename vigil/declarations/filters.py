"""The declaration list's filter: its form, and the keyword and date look-ups
that the list, the API and the other apps' lists share.

The staff-entry form and the import upload live in forms.py.
"""

import datetime
import functools
import operator
import re

from django import forms
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q, Value
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.core import refcache
from vigil.core.forms import record_filter
from vigil.core.phones import normalize_phone
from vigil.core.scope import scope_path
from vigil.core.text import fold
from vigil.people.models import Person
from vigil.people.services import PREFIX_ENOUGH, by_name_key, common_beginning

from .forms import DATE_WIDGET_ATTRS, unit_choices
from .models import Channel, PaperReason, RegistrationKind

# The list ------------------------------------------------------------------


def scoped_units(user):
    """(districts, communes) inside the user's jurisdiction."""
    path = scope_path(user)
    units = AdminUnit.objects.none()
    if path is not None:
        units = AdminUnit.objects.active_tree().filter(path__startswith=path)
    return (
        units.filter(level=Level.DISTRICT).order_by("path"),
        units.filter(level=Level.COMMUNE).order_by("path"),
    )


def scoped_unit_choices(path):
    """(district choices, commune choices) under `path`, "All" first, as the
    filters' <select>s show them: built once per process and again after any
    change to the units (the reference stamp, vigil.core.refcache). Every
    list's filter form needs them on every request; reading and grouping a
    province's 150 communes each time cost more than the list's own rows."""
    tree = settings.VIGIL_AREA_TREE

    def build():
        units = AdminUnit.objects.using(DEFAULT_DB_ALIAS).filter(tree=tree, path__startswith=path)
        districts = units.filter(level=Level.DISTRICT).order_by("path")
        communes = units.filter(level=Level.COMMUNE).order_by("path")
        grouped = unit_choices(communes, group_by_parent=tree == AdminUnit.TREE_PRE2025)
        grouped[0] = ("", _("All"))
        return [("", _("All")), *((u.pk, str(u)) for u in districts)], grouped

    return refcache.get(("declarations.scoped_unit_choices", tree, path), build)


class AreaFilterMixin:
    """District and commune choices limited to the jurisdiction. A unit from
    outside it makes the form invalid, and the view then shows nothing."""

    # The path `visible_to(user)` narrows the declarations to, when it is a
    # path (not a facility's or an establishment's own people).
    _scope_path = None

    def setup_areas(self, user):
        if not (getattr(user, "facility_id", None) or getattr(user, "establishment_id", None)):
            self._scope_path = scope_path(user)
        districts, communes = scoped_units(user)
        self.fields["district"].queryset = districts
        self.fields["commune"].queryset = communes
        path = scope_path(user)
        district_choices, commune_choices = scoped_unit_choices(path) if path else ([], [])
        if path is not None:
            self.fields["district"].choices = district_choices
            self.fields["commune"].choices = commune_choices
        if len(district_choices) < 2:
            # A commune account has no district to choose; the field stays
            # (hidden) so that one in the URL still empties the list.
            self.fields["district"].widget = forms.HiddenInput()

    def area_q(self, prefix=""):
        data = self.cleaned_data
        q = Q()
        for name in ("district", "commune"):
            if data.get(name):
                q &= Q(**{f"{prefix}area_path__startswith": data[name].path})
        return q


class DeclarationFilterForm(AreaFilterMixin, forms.Form):
    """Filters of the declaration list (R-V1 style). Every choice is inside the
    viewer's jurisdiction; a value from outside it makes the form invalid, and
    the view then shows nothing rather than ignoring the filter."""

    CREATED, ARRIVAL = "created", "arrival"

    q = forms.CharField(
        label=_("Name, ID number, phone or code"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    date_on = forms.ChoiceField(
        label=_("Date of"),
        required=False,
        choices=[(CREATED, _("declaration")), (ARRIVAL, _("arrival"))],
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(DATE_WIDGET_ATTRS)
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(DATE_WIDGET_ATTRS)
    )
    district = record_filter(_("District"), AdminUnit.objects.none())
    commune = record_filter(_("Commune"), AdminUnit.objects.none())
    kind = forms.ChoiceField(
        label=_("Registration kind"),
        required=False,
        choices=[("", _("All")), *RegistrationKind.choices],
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All")), *Channel.choices]
    )
    # Why a paper form was used (§II.12): the paper-share statistics link
    # their reasons here. Shown only when set, so that it can be removed.
    NOT_RECORDED = "-"
    paper_reason = forms.ChoiceField(
        label=_("Why paper was used"),
        required=False,
        choices=[("", _("All")), *PaperReason.choices, (NOT_RECORDED, _("Not recorded"))],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.keyword_truncated = False
        self._keyword = None
        self._user = user
        self.setup_areas(user)
        if self.data.get("paper_reason"):
            self.fields["paper_reason"].widget = forms.Select(
                choices=self.fields["paper_reason"].choices
            )

    def filter_qs(self, qs, skip=()):
        """Narrow an already scoped queryset. An invalid form (a commune outside
        the jurisdiction in the URL, a malformed date) yields no rows at all."""
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        for name in ("district", "commune"):
            # A unit equal to the user's own scope is left out: `qs` is
            # `visible_to(user)`, and the same LIKE twice made PostgreSQL square
            # its estimate of the rows (1,222 for 110,000 at 10M) and sort a
            # commune's every declaration for a page of 50.
            unit = data.get(name)
            if unit and name not in skip and unit.path != self._scope_path:
                qs = qs.filter(area_path__startswith=unit.path)
        if data.get("kind") and "kind" not in skip:
            qs = qs.filter(registration_kind=data["kind"])
        if data.get("channel") and "channel" not in skip:
            qs = qs.filter(channel=data["channel"])
        if data.get("paper_reason") and "paper_reason" not in skip:
            reason = data["paper_reason"]
            if reason == self.NOT_RECORDED:  # paper forms typed without a reason
                qs = qs.filter(channel=Channel.PAPER, paper_reason="")
            else:
                qs = qs.filter(paper_reason=reason)
        qs = self._filter_dates(qs, data)
        if data.get("q") and "q" not in skip:
            if self._keyword is None:  # once per form: the list and its counts
                self._keyword = keyword_match(data["q"], Person.objects.visible_to(self._user))
            condition, truncated = self._keyword
            # The list says so when a name matched more people than it reads.
            self.keyword_truncated = truncated
            qs = qs.filter(condition)
        return qs

    def _filter_dates(self, qs, data):
        start, end = data.get("date_from"), data.get("date_to")
        if data.get("date_on") == self.ARRIVAL:
            if start:
                qs = qs.filter(arrival_date__gte=start)
            if end:
                qs = qs.filter(arrival_date__lte=end)
            return qs
        # Declared between local midnights: a range on the indexed timestamp,
        # not a __date lookup that would compute the date of every row.
        if start:
            qs = qs.filter(created_at__gte=local_midnight(start))
        if end:
            qs = qs.filter(created_at__lt=local_midnight(end + datetime.timedelta(days=1)))
        return qs


def local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def keyword_q(text):
    """Declarations whose person's name contains every word (diacritics ignored),
    or whose ID number, phone or code is exactly `text`."""
    compact = re.sub(r"[\s.\-()]", "", text).lstrip("+").upper()
    conditions = []
    key = fold(text)
    if key and not compact.isdigit():
        conditions.append(
            functools.reduce(
                operator.and_, (Q(person__search_key__contains=word) for word in key.split())
            )
        )
    if compact:
        conditions.append(Q(person__id_number=compact))
        conditions.append(Q(code=compact))
    phone = normalize_phone(text)
    if phone:
        conditions.append(Q(person__phone=phone))
    if not conditions:
        return Q(pk__in=[])
    return functools.reduce(operator.or_, conditions)


# A name search reads the declarations of at most this many people: each
# statement of the list (its page, its count, its channel tabs) reads theirs,
# so the cost of a common name grows with it (2,000 people: ~60 ms a statement
# at 2M declarations). More people than this and the list asks for more of
# the name.
KEYWORD_PEOPLE = 200


def keyword_match(text, people, limit=None):
    """(Q, truncated): the declarations `keyword_q` finds, found people first;
    the people are looked for among `people` (the user's, `visible_to`): a
    common name's first KEYWORD_PEOPLE people are those of the user's scope,
    not the country's.

    One query per kind of match, each on its own index: the people with this
    exact ID number or phone, the people whose name begins as typed (the name
    index) and, when fewer than PREFIX_ENOUGH do, whose name contains every
    word (the trigram index: a rare name in a few milliseconds), then the declarations of
    those people or with this code (the person and code indexes). One OR
    across the two tables, as `keyword_q` writes it, let PostgreSQL use none
    of them and test every declaration of the province (9 s at 5M).

    A name shared by more than `limit` people (KEYWORD_PEOPLE) reads the
    declarations of `limit` of them only, and `truncated` is True: the list
    then says that more match and asks for more of the name.
    """
    limit = limit or KEYWORD_PEOPLE
    compact = re.sub(r"[\s.\-()]", "", text).lstrip("+").upper()
    exact = Q(id_number=compact) if compact else Q()
    phone = normalize_phone(text)
    if phone:
        exact |= Q(phone=phone)
    chosen = set()
    if exact:
        chosen.update(people.filter(exact).order_by().values_list("pk", flat=True))
    truncated = False
    key = fold(text)
    if key and not compact.isdigit():
        # Names beginning as typed first: a range of the name index (the scope
        # in it), a few milliseconds however common the words.
        begins = by_name_key(people).filter(name_key__startswith=key)
        found = list(begins.values_list("pk", flat=True)[: limit + 1])
        if len(found) < PREFIX_ENOUGH and not common_beginning(key):
            # Few names begin so: the names containing every word (the trigram
            # index; it reads every person with a common word, 100 ms at 2M
            # people for "nguyen minh dung", so only when the range found few).
            named = people.order_by()
            for word in key.split():
                if len(word) >= 3:
                    named = named.filter(search_key__contains=word)
                else:
                    # Out of the trigram index's reach (no trigram in one or two
                    # letters), as in the people search.
                    named = named.filter(GreaterThan(StrIndex("search_key", Value(word)), 0))
            more = named.exclude(pk__in=found).values_list("pk", flat=True)
            found += list(more[: limit + 1 - len(found)])
        truncated = len(found) > limit
        chosen.update(found[:limit])
    condition = Q(person_id__in=sorted(chosen)) if chosen else Q(pk__in=[])
    if compact:
        condition |= Q(code=compact)
    return condition, truncated


class JumpForm(forms.Form):
    """The list's "go to date": its first page starts at this day."""

    jump = forms.DateField(
        label=_("Go to date"),
        required=False,
        widget=forms.DateInput({**DATE_WIDGET_ATTRS, "class": "form-control form-control-sm"}),
    )

    def day(self):
        return self.cleaned_data.get("jump") if self.is_valid() else None
