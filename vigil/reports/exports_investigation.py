"""The case list's export ("Truy vết dịch bệnh" → "Kết xuất"): the page's
filters (vigil.investigation.filters.CaseFilterForm), one row per case record,
its level read from the chain's stored copy at the moment of the export.

Headers are Vietnamese literals (the province's file format)."""

from vigil.core.levels import Level
from vigil.core.permissions import READ_CASES

from .exports import DATE, DATETIME, NUMBER, Column, ExportSpec, register
from .exports_places import place_columns


def _level(level):
    return "F?" if level is None else f"F{level}"


def _address(street, unit, level):
    """The street, and the village when the residence is one (its commune,
    district and province have their own columns)."""
    parts = [street, unit if level == Level.VILLAGE else None]
    return ", ".join(p for p in parts if p)


def build_cases(user, query):
    from vigil.investigation.filters import CaseFilterForm, with_tests
    from vigil.investigation.models import Case

    from .registry import describe

    form = CaseFilterForm(query, user=user)
    qs = with_tests(form.filter_qs(Case.objects.visible_to(user)), user)
    return qs.order_by("-created_at", "-id"), describe(form)


def case_columns():
    from .registry import person_columns

    def choice(header, name, **options):
        return Column(header, source=name, choices=f"investigation.Case.{name}", **options)

    return [
        Column("Mã ca bệnh", source="code", width=12),
        Column("Loại ca bệnh", source="level", get=None, combine=_level, width=10),
        choice("Ca bệnh/tiếp xúc", "kind"),
        choice("Phân loại", "classification"),
        choice("Loại tiếp xúc", "contact_type"),
        *person_columns("person__"),
        Column(
            "Địa chỉ",
            source=("residence_street", "residence__name", "residence__level"),
            combine=_address,
            width=32,
        ),
        *place_columns("residence"),
        *place_columns("detection", "Nơi phát hiện ({})"),
        Column("Ổ dịch", source="outbreak__name"),
        Column("Ngày khởi phát", source="onset_date", kind=DATE, width=11),
        Column("Ngày xác định", source="confirmed_on", kind=DATE, width=11),
        Column("Ngày điều tra", source="investigation_date", kind=DATE, width=11),
        Column("Ngày cách ly", source="quarantine_date", kind=DATE, width=11),
        choice("Loại hình cách ly", "quarantine_place"),
        Column("Cơ sở cách ly", source="facility__name"),
        Column("Số lần XN", source="test_count", kind=NUMBER, width=9),
        Column("Thời điểm ghi nhận", source="created_at", kind=DATETIME),
    ]


register(
    ExportSpec(
        key="cases",
        title="Danh sách ca bệnh và người tiếp xúc",
        capability=READ_CASES,
        build=build_cases,
        columns=case_columns(),
    )
)
