"""Exports of the registers: the approval queue of registrations to return,
the people registry and the audit log, each with its page's filters and read
through the one jurisdiction mechanism (`visible_to`).

Headers are Vietnamese literals (the province's file format)."""

import html

from django.utils.html import strip_tags

from vigil.core.permissions import APPROVE_REGISTRATION, READ_AUDIT, READ_PEOPLE

from .exports import DATE, DATETIME, ID, NUMBER, PHONE, Column, ExportSpec, register
from .exports_places import departure_columns, place_columns

# The approval queue ("Duyệt đăng ký về địa phương") --------------------------------


def build_approvals(user, query):
    from vigil.verification.approval_filters import RegistrationFilterForm, registration_queryset

    from .registry import describe

    form = RegistrationFilterForm(query, user=user)
    waiting = registration_queryset().visible_to(user).awaiting_decision()
    return form.filter_qs(waiting).order_by("created_at", "id"), describe(form)


def approval_columns():
    def choice(header, name, **options):
        return Column(header, source=name, choices=f"verification.Registration.{name}", **options)

    return [
        Column("Mã đăng ký", source="code", width=11),
        Column("Họ và tên", source="full_name", width=26),
        Column("Số CMND/CCCD", source="id_number", kind=ID),
        Column("Số điện thoại", source="phone", kind=PHONE, width=14),
        Column("Năm sinh", source="birth_year", kind=NUMBER, width=9),
        choice("Giới tính", "gender", width=9),
        choice("Lý do về", "registration_kind"),
        Column("Mã sinh viên", source="student_code", width=12),
        Column("Trường", source="school", width=20),
        *departure_columns(),
        Column("Thôn/tổ dân phố", source="village__name"),
        *place_columns("area", "{} đến"),
        Column("Địa chỉ", source="address", width=28),
        choice("Phương tiện", "transport", width=12),
        Column("Số hiệu phương tiện", source="transport_number", width=12),
        Column("Ngày dự kiến đến", source="arrival_date", kind=DATE, width=11),
        Column("Quan hệ người đăng ký hộ", source="proxy_relation", width=14),
        Column("Thời điểm đăng ký", source="created_at", kind=DATETIME),
    ]


register(
    ExportSpec(
        key="approvals",
        title="Duyệt đăng ký về địa phương",
        capability=APPROVE_REGISTRATION,
        build=build_approvals,
        columns=approval_columns(),
    )
)


# The people registry ("Danh sách người") -------------------------------------------


def build_people(user, query):
    """The registry's rows: by name, or, for a search, the matches the page
    shows (the same ranked search, the same limit)."""
    from vigil.people.forms import PeopleFilterForm
    from vigil.people.models import Person
    from vigil.people.services import search_people

    from .registry import describe

    form = PeopleFilterForm(query, user=user)
    people = form.filter_qs(Person.objects.visible_to(user))
    text = form.cleaned_data.get("q") if form.is_valid() else ""
    if text:
        found = [m.person.pk for m in search_people(people, text, limit=50)]
        people = people.filter(pk__in=found)
    return people.order_by("search_key", "id"), describe(form)


def people_columns():
    from .registry import person_columns

    return [
        *person_columns(""),
        Column("Nghề nghiệp", source="occupation", width=16),
        Column("Địa chỉ", source="address", width=28),
        *place_columns("area"),
    ]


register(
    ExportSpec(
        key="people",
        title="Danh sách người",
        capability=READ_PEOPLE,
        build=build_people,
        columns=people_columns(),
    )
)


# The audit log ("Nhật ký hệ thống") --------------------------------------------------


def build_audit(user, query):
    from vigil.audit.forms import AuditFilterForm
    from vigil.audit.models import AuditEvent

    from .registry import describe

    form = AuditFilterForm(query or None)
    events = AuditEvent.objects.visible_to(user).select_related("actor")
    if form.is_bound:
        events = form.filter_qs(events)
    return events.order_by("-at", "-id"), describe(form)


def _described(event):
    """The page's reading of `event` (vigil.audit.describe), once per row."""
    from vigil.audit.describe import describe

    out = getattr(event, "_export_described", None)
    if out is None:
        out = event._export_described = describe(event)
    return out


def _sentence(event):
    return html.unescape(strip_tags(_described(event).sentence))


def _details(event):
    return "; ".join(f"{label}: {value}" for label, value in _described(event).details)


register(
    ExportSpec(
        key="audit",
        title="Nhật ký hệ thống",
        capability=READ_AUDIT,
        build=build_audit,
        columns=[
            Column("Thời điểm", lambda e: e.at, kind=DATETIME),
            Column("Tài khoản", lambda e: e.actor_name, width=16),
            Column("Sự kiện", _sentence, width=60),
            Column("Chi tiết", _details, width=60),
            Column("Địa chỉ IP", lambda e: e.ip, width=15),
        ],
    )
)
