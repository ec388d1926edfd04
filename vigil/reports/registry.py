"""The lists that can be exported, each with the same filters as its page.

Headers are Vietnamese literals: they are the province's file format, read
back by its other tools, not interface text.
"""

from vigil.core.modules import MEDICAL, STAFF, TEST_VIEW, VERIFY
from vigil.testing.models import TestOutcome

from .exports import DATE, DATETIME, ID, NUMBER, PHONE, Column, ExportSpec, register


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


def person_columns(get_person):
    return [
        Column("Họ và tên", lambda r: get_person(r).full_name, width=26),
        Column("Số CMND/CCCD", lambda r: get_person(r).id_number, ID),
        Column("Số điện thoại", lambda r: get_person(r).phone, PHONE, width=14),
        Column("Năm sinh", lambda r: get_person(r).birth_year, NUMBER, width=9),
        Column("Giới tính", lambda r: get_person(r).get_gender_display(), width=9),
    ]


def declaration_columns():
    return [
        Column("Mã tờ khai", lambda d: d.code, width=11),
        *person_columns(lambda d: d.person),
        Column("Loại đăng ký", lambda d: d.get_registration_kind_display()),
        Column(
            "Nơi đi", lambda d: d.departure_unit.name if d.departure_unit else d.departure_place
        ),
        Column("Phường/xã đến", lambda d: d.area.name),
        Column("Địa chỉ", lambda d: d.address, width=28),
        Column("Phương tiện", lambda d: d.get_transport_display(), width=12),
        Column("Số hiệu phương tiện", lambda d: d.transport_number, width=12),
        Column("Ngày đến", lambda d: d.arrival_date, DATE, width=11),
        Column("Kênh khai báo", lambda d: d.get_channel_display()),
        Column("Mức nguy cơ", lambda d: d.get_risk_colour_display(), width=10),
        Column("Xác minh", lambda d: d.get_verification_state_display()),
        Column("Loại giám sát", lambda d: d.get_surveillance_display()),
        Column("Thời điểm khai báo", lambda d: d.created_at, DATETIME),
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
        tasks=tuple(STAFF),
        build=build_declarations,
        columns=declaration_columns(),
    )
)


def build_verification(queue):
    def build(user, query):
        from vigil.declarations.models import Declaration
        from vigil.verification.forms import QueueFilterForm
        from vigil.verification.views import QUEUES

        _title, condition, _url = QUEUES[queue]
        form = QueueFilterForm(query, user=user)
        qs = form.filter_qs(Declaration.objects.visible_to(user).filter(condition))
        qs = qs.select_related("person", "area", "departure_unit").order_by("created_at", "id")
        return qs, describe(form)

    return build


for _queue, _title in (
    ("pending", "Xác minh người về từ địa phương"),
    ("students", "Xác minh sinh viên về học"),
    ("medical", "Xác minh về khám bệnh"),
    ("failed", "Xác minh không thành công"),
):
    register(
        ExportSpec(
            key=f"verification_{_queue}",
            title=_title,
            tasks=VERIFY,
            build=build_verification(_queue),
            columns=declaration_columns(),
        )
    )


def build_triage(user, query):
    from vigil.triage.forms import QueueFilterForm
    from vigil.triage.views import pending_for

    form = QueueFilterForm(query, user=user)
    qs = form.filter_qs(pending_for(user)).select_related("person", "area", "departure_unit")
    return qs.order_by("-risk_level", "created_at", "id"), describe(form)


register(
    ExportSpec(
        key="triage",
        title="Xác minh biểu hiện y tế",
        tasks=MEDICAL,
        build=build_triage,
        columns=[
            *declaration_columns(),
            Column("Lý do cảnh báo", lambda d: "; ".join(d.risk_reasons), width=40),
        ],
    )
)


def build_stays(ended):
    def build(user, query):
        from vigil.quarantine.models import Stay
        from vigil.quarantine.views import StayFilterForm, _test_figures

        form = StayFilterForm(query, user=user)
        scoped = Stay.objects.visible_to(user)
        qs = form.filter_qs(scoped.ended() if ended else scoped.open())
        qs = _test_figures(qs.select_related("person", "facility", "bed__room__building"))
        return qs.order_by("-end_date" if ended else "-start_date", "-id"), describe(form)

    return build


def stay_columns():
    def bed(s, part):
        if s.bed is None:
            return ""
        return {"building": s.bed.room.building.name, "room": s.bed.room.name, "bed": s.bed.label}[
            part
        ]

    return [
        *person_columns(lambda s: s.person),
        Column("Khu cách ly", lambda s: s.facility.name, width=26),
        Column("Tòa nhà", lambda s: bed(s, "building"), width=9),
        Column("Phòng", lambda s: bed(s, "room"), width=8),
        Column("Giường", lambda s: bed(s, "bed"), width=8),
        Column("Ngày bắt đầu", lambda s: s.start_date, DATE, width=11),
        Column("Dự kiến kết thúc", lambda s: s.planned_end, DATE, width=11),
        Column("Ngày kết thúc", lambda s: s.end_date, DATE, width=11),
        Column("Kết quả cách ly", lambda s: s.get_outcome_display()),
        Column("Số lần XN", lambda s: s.n_tests, NUMBER, width=9),
    ]


for _ended, _key, _title in (
    (False, "quarantine_open", "Danh sách đang cách ly"),
    (True, "quarantine_ended", "Danh sách hết cách ly"),
):
    register(
        ExportSpec(
            key=_key,
            title=_title,
            tasks=tuple(STAFF),
            build=build_stays(_ended),
            columns=stay_columns(),
        )
    )


def build_tests(user, query):
    from vigil.testing.views import TESTED, UNTESTED, PeopleFilterForm, filter_people, with_columns

    tab = TESTED if query.get("tab") == TESTED else UNTESTED
    form = PeopleFilterForm(query, user=user)
    return with_columns(user, filter_people(user, form, tab), tab), describe(form)


register(
    ExportSpec(
        key="tests",
        title="Kết quả xét nghiệm",
        tasks=TEST_VIEW,
        build=build_tests,
        columns=[
            *person_columns(lambda p: p),
            Column("Phường/xã", lambda p: p.area.name),
            Column("Địa chỉ", lambda p: p.address, width=28),
            Column("Số lần XN", lambda p: p.test_count, NUMBER, width=9),
            Column(
                "Kết quả gần nhất",
                lambda p: dict(TestOutcome.choices).get(p.latest_result, ""),
                width=14,
            ),
            Column("Ngày lấy mẫu gần nhất", lambda p: p.latest_sample_date, DATE, width=12),
        ],
    )
)
