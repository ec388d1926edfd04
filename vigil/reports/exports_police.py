"""The police view's table as an export ("Cơ sở lưu trú" → "Kết xuất"): one
row per establishment below the page's `unit` (default: the jurisdiction),
with its guests tonight, those without a health declaration, the red and
orange ones, and whether it is idle. Counted by correlated subqueries over
the in-house stays (the partial index of the guests in house).

Headers are Vietnamese literals (the province's file format)."""

from vigil.core.permissions import POLICE_VIEW

from .exports import DATETIME, NUMBER, Column, ExportSpec, register
from .exports_places import place_columns


def _count(**conditions):
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from vigil.lodging.models import GuestStay

    stays = (
        GuestStay.objects.filter(establishment=OuterRef("pk"), check_out__isnull=True, **conditions)
        .order_by()
        .values("establishment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(stays, output_field=IntegerField()), 0)


def build_police(user, query):
    from django.db.models import Case, Max, Value, When
    from django.http import Http404

    from vigil.lodging import police
    from vigil.lodging.models import Establishment

    unit = police.table_unit(user, query.get("unit"))
    if unit is None:
        raise Http404
    idle = police.idle_establishments(user, unit).values("pk")

    qs = (
        Establishment.objects.visible_to(user)
        .filter(area_path__startswith=unit.path)
        .annotate(
            guests=_count(),
            undeclared=_count(declaration__isnull=True),
            red=_count(declaration__risk_colour="red"),
            orange=_count(declaration__risk_colour="orange"),
            idle=Case(When(pk__in=idle, then=Value("Có")), default=Value("")),
            last_check_in=Max("guest_stays__check_in"),
        )
        .order_by("area_path", "name", "id")
    )
    return qs, [f"Địa bàn: {unit.name}"]


register(
    ExportSpec(
        key="lodging_police",
        title="Cơ sở lưu trú: khách lưu trú và khai báo y tế",
        capability=POLICE_VIEW,
        build=build_police,
        columns=[
            *place_columns("area"),
            Column("Cơ sở lưu trú", source="name", width=30),
            Column("Loại hình", source="kind", choices="lodging.Establishment.kind", width=14),
            Column("Số giấy phép", source="licence_number", width=14),
            Column("Địa chỉ", source="address", width=28),
            Column("Điện thoại", source="phone", width=14),
            Column("Trạng thái", source="status", choices="lodging.Establishment.status"),
            Column("Khách đang lưu trú", source="guests", kind=NUMBER, width=10),
            Column("Chưa khai báo y tế", source="undeclared", kind=NUMBER, width=10),
            Column("Đỏ", source="red", kind=NUMBER, width=8),
            Column("Cam", source="orange", kind=NUMBER, width=8),
            Column("Không có khách", source="idle", width=10),
            Column("Nhận phòng gần nhất", source="last_check_in", kind=DATETIME),
        ],
    )
)
