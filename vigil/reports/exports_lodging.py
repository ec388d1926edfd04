"""The guest register's export ("Khách lưu trú" → "Kết xuất"): the page's
filters (vigil.lodging.filters.GuestFilterForm, its tab included), one row
per stay, with the establishment's commune, district and province.

Headers are Vietnamese literals (the province's file format)."""

from vigil.core.permissions import READ_GUESTS

from .exports import DATE, DATETIME, Column, ExportSpec, register


def build_guests(user, query):
    from vigil.lodging.filters import GuestFilterForm
    from vigil.lodging.models import GuestStay

    from .registry import describe

    form = GuestFilterForm(query, user=user)
    qs = form.filter_qs(GuestStay.objects.visible_to(user)).select_related(
        "person",
        "declaration__departure_country",
        "establishment__area__parent__parent",
    )
    return qs.order_by("-check_in", "-id"), describe(form)


def _declared(code):
    return "Có" if code else "Chưa khai báo y tế"


def guest_columns():
    from .registry import person_columns

    area = "establishment__area"
    return [
        *person_columns("person__"),
        Column("Quốc tịch / nơi đi", source="declaration__departure_country__name", width=14),
        Column("Cơ sở lưu trú", source="establishment__name", width=26),
        Column("Phường/xã", source=f"{area}__name"),
        Column("Quận/huyện", source=f"{area}__parent__name"),
        Column("Tỉnh/thành phố", source=f"{area}__parent__parent__name"),
        Column("Phòng", source="room", width=8),
        Column("Nhận phòng", source="check_in", kind=DATETIME),
        Column("Dự kiến trả phòng", source="planned_check_out", kind=DATE, width=11),
        Column("Trả phòng", source="check_out", kind=DATETIME),
        Column("Đoàn", source="group_code", width=10),
        Column(
            "Khai báo y tế",
            source=("declaration__code",),
            combine=_declared,
            width=16,
        ),
        Column("Mã tờ khai", source="declaration__code", width=11),
        Column(
            "Mức nguy cơ",
            source="declaration__risk_colour",
            choices="declarations.Declaration.risk_colour",
            width=10,
        ),
    ]


register(
    ExportSpec(
        key="guests",
        title="Danh sách khách lưu trú",
        capability=READ_GUESTS,
        build=build_guests,
        columns=guest_columns(),
    )
)
