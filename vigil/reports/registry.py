"""The lists that can be exported, each with the same filters as its page.

Headers are Vietnamese literals: they are the province's file format, read
back by its other tools, not interface text.
"""

from vigil.core.permissions import (
    HANDLE_POSITIVES,
    READ_DECLARATIONS,
    READ_QUARANTINE,
    READ_TESTS,
    TRIAGE,
    VERIFY,
    VERIFY_QUARANTINED,
    VERIFY_STUDENTS,
)

from .exports import DATE, DATETIME, ID, NUMBER, PHONE, Column, ExportSpec, register
from .exports_places import departure_columns, place_columns


def describe(form):
    """'Label: value' for each filter that is set, for the title row."""
    if not form.is_valid():
        return []
    out = []
    for name, value in form.cleaned_data.items():
        if value in (None, "", [], ()):
            continue
        field = form.fields[name]
        if hasattr(value, "strftime"):
            value = value.strftime("%d/%m/%Y")
        elif hasattr(field, "choices") and not hasattr(value, "pk"):
            value = dict(field.choices).get(value, value)
        out.append(f"{field.label}: {value}")
    return out


def person_columns(prefix):
    """The person's columns; `prefix` leads from the row to the person ("person__")."""
    return [
        Column("Họ và tên", source=f"{prefix}full_name", width=26),
        Column("Số CMND/CCCD", source=f"{prefix}id_number", kind=ID),
        Column("Số điện thoại", source=f"{prefix}phone", kind=PHONE, width=14),
        Column("Năm sinh", source=f"{prefix}birth_year", kind=NUMBER, width=9),
        Column("Giới tính", source=f"{prefix}gender", choices="people.Person.gender", width=9),
    ]


def declaration_columns():
    def choice(header, name, **options):
        return Column(header, source=name, choices=f"declarations.Declaration.{name}", **options)

    return [
        Column("Mã tờ khai", source="code", width=11),
        *person_columns("person__"),
        choice("Loại đăng ký", "registration_kind"),
        *departure_columns(),
        *place_columns("area", "{} đến"),
        Column("Địa chỉ", source="address", width=28),
        choice("Phương tiện", "transport", width=12),
        Column("Số hiệu phương tiện", source="transport_number", width=12),
        Column("Ngày đến", source="arrival_date", kind=DATE, width=11),
        choice("Kênh khai báo", "channel"),
        choice("Mức nguy cơ", "risk_colour", width=10),
        choice("Xác minh", "verification_state"),
        choice("Loại giám sát", "surveillance"),
        Column("Thời điểm khai báo", source="created_at", kind=DATETIME),
    ]


def build_declarations(user, query):
    from vigil.declarations.filters import DeclarationFilterForm
    from vigil.declarations.models import Declaration

    form = DeclarationFilterForm(query, user=user)
    qs = form.filter_qs(Declaration.objects.visible_to(user)).select_related(
        "person", "area", "departure_unit"
    )
    return qs, describe(form)


register(
    ExportSpec(
        key="declarations",
        title="Danh sách người khai báo về địa phương",
        capability=READ_DECLARATIONS,
        build=build_declarations,
        columns=declaration_columns(),
    )
)


def build_verification(queue):
    def build(user, query):
        from vigil.declarations.models import Declaration
        from vigil.verification.forms import QueueFilterForm

        form = QueueFilterForm(query, user=user)
        qs = form.filter_qs(Declaration.objects.visible_to(user).verification_queue(queue))
        qs = qs.select_related("person", "area", "departure_unit").order_by("created_at", "id")
        return qs, describe(form)

    return build


for _queue, _title in (
    ("pending", "Xác minh người về từ địa phương"),
    ("students", "Xác minh sinh viên về học"),
    ("medical", "Xác minh về khám bệnh"),
    ("failed", "Xác minh không thành công"),
    ("amended", "Sửa đổi sau xác minh"),
):
    register(
        ExportSpec(
            key=f"verification_{_queue}",
            title=_title,
            capability=VERIFY_STUDENTS if _queue == "students" else VERIFY,
            build=build_verification(_queue),
            columns=declaration_columns(),
        )
    )


def build_triage(user, query):
    from vigil.declarations.models import Declaration
    from vigil.triage.forms import QueueFilterForm

    form = QueueFilterForm(query, user=user)
    queue = Declaration.objects.visible_to(user).awaiting_medical()
    qs = form.filter_qs(queue).select_related("person", "area", "departure_unit")
    return qs.order_by("-risk_level", "created_at", "id"), describe(form)


register(
    ExportSpec(
        key="triage",
        title="Xác minh biểu hiện y tế",
        capability=TRIAGE,
        build=build_triage,
        columns=[
            *declaration_columns(),
            Column(
                "Lý do cảnh báo",
                source=("risk_reasons",),
                combine=lambda reasons: "; ".join(reasons or ()),
                width=40,
            ),
        ],
    )
)


def build_stays(ended):
    def build(user, query):
        from vigil.quarantine.forms import StayFilterForm
        from vigil.quarantine.models import Stay

        form = StayFilterForm(query, user=user)
        scoped = Stay.objects.visible_to(user)
        qs = form.filter_qs(scoped.ended() if ended else scoped.open())
        qs = qs.select_related("person", "facility", "bed__room__building").with_tests(user)
        return qs.order_by("-end_date" if ended else "-start_date", "-id"), describe(form)

    return build


def stay_columns():
    return [
        *person_columns("person__"),
        Column("Khu cách ly", source="facility__name", width=26),
        Column("Tòa nhà", source="bed__room__building__name", width=9),
        Column("Phòng", source="bed__room__name", width=8),
        Column("Giường", source="bed__label", width=8),
        Column("Ngày bắt đầu", source="start_date", kind=DATE, width=11),
        Column("Dự kiến kết thúc", source="planned_end", kind=DATE, width=11),
        Column("Ngày kết thúc", source="end_date", kind=DATE, width=11),
        Column("Kết quả cách ly", source="outcome", choices="quarantine.Stay.outcome"),
        Column("Số lần XN", source="n_tests", kind=NUMBER, width=9),
    ]


for _ended, _key, _title in (
    (False, "quarantine_open", "Danh sách đang cách ly"),
    (True, "quarantine_ended", "Danh sách hết cách ly"),
):
    register(
        ExportSpec(
            key=_key,
            title=_title,
            capability=READ_QUARANTINE,
            build=build_stays(_ended),
            columns=stay_columns(),
        )
    )


def build_tests(user, query):
    from vigil.testing.forms import PeopleFilterForm
    from vigil.testing.queries import TESTED, UNTESTED, filter_people, with_columns

    tab = TESTED if query.get("tab") == TESTED else UNTESTED
    form = PeopleFilterForm(query, user=user)
    return with_columns(user, filter_people(user, form, tab), tab), describe(form)


register(
    ExportSpec(
        key="tests",
        title="Kết quả xét nghiệm",
        capability=READ_TESTS,
        build=build_tests,
        columns=[
            *person_columns(""),
            *place_columns("area"),
            Column("Địa chỉ", source="address", width=28),
            Column("Số lần XN", source="test_count", kind=NUMBER, width=9),
            Column(
                "Kết quả gần nhất",
                source="latest_result",
                choices="testing.TestResult.result",
                width=14,
            ),
            Column("Ngày lấy mẫu gần nhất", source="latest_sample_date", kind=DATE, width=12),
        ],
    )
)


# The military command's queue (R-V7): the rows of the page, with the facility.


def build_military(user, query):
    from vigil.verification.forms import military_queue

    form, rows = military_queue(user, query)
    return rows.select_related("departure_unit"), describe(form)


register(
    ExportSpec(
        key="verification_military",
        title="Xác minh người vào khu cách ly tập trung",
        capability=VERIFY_QUARANTINED,
        build=build_military,
        columns=[
            *declaration_columns(),
            Column("Khu cách ly", source="stay_facility", width=26),
            Column("Ngày vào khu cách ly", source="stay_start", kind=DATE, width=12),
        ],
    )
)


# "Positive, no case opened" (R-H1): the rows of the page.


def build_positive(user, query):
    from vigil.testing import worklist
    from vigil.testing.forms import PositiveFilterForm

    form = PositiveFilterForm(query, user=user)
    return worklist.with_columns(user, worklist.filter_people(user, form)), describe(form)


register(
    ExportSpec(
        key="tests_positive",
        title="Dương tính, chưa mở ca bệnh",
        capability=HANDLE_POSITIVES,
        build=build_positive,
        columns=[
            *person_columns(""),
            *place_columns("area"),
            Column("Địa chỉ", source="address", width=28),
            Column("Ngày lấy mẫu dương tính gần nhất", source="latest_positive_date", kind=DATE),
            Column(
                "Loại xét nghiệm",
                source="latest_positive_type",
                choices="testing.TestResult.test_type",
                width=14,
            ),
            Column("Số lần XN", source="test_count", kind=NUMBER, width=9),
        ],
    )
)


# The investigation's and the accommodation's lists, the registers (approvals,
# people, audit log) and the tables of figures (statistics, paper share, the
# facility board) register from their own modules.
from . import (  # noqa: E402, F401, I001
    exports_investigation,
    exports_lodging,
    exports_police,
    exports_registers,
    exports_tables,
)
