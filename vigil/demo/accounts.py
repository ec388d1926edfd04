"""The demo's places and accounts: which units of the home province it uses and
the account of each task group at each of them (shared by seed_demo and demo_logins)."""

from django.core.management.base import CommandError

from vigil.areas.models import AdminUnit, Level
from vigil.core.tasks import Task
from vigil.core.text import fold

DEMO_PASSWORD = "Vigil@2021"  # noqa: S105  (published in the README)
# Names looked for first; any unit of the right level serves when the tree lacks them.
DEMO_DISTRICT = "Thành phố Huế"
DEMO_COMMUNES = ("Phường Phú Nhuận", "Phường Vĩnh Ninh")


def demo_units():
    """(province, district or None, [commune, commune]) of the home province."""
    try:
        province = AdminUnit.objects.home_province()
    except AdminUnit.DoesNotExist:
        raise CommandError("Load the administrative units first: manage.py load_areas") from None
    districts = AdminUnit.objects.active_tree().under(province).filter(level=Level.DISTRICT)
    district = districts.filter(name=DEMO_DISTRICT).first() or districts.order_by("code").first()
    base = district or province
    communes = AdminUnit.objects.active_tree().under(base).filter(level=Level.COMMUNE)
    chosen = list(communes.filter(name__in=DEMO_COMMUNES).order_by("code"))
    if len(chosen) < 2:
        chosen = list(communes.order_by("code")[:2])
    return province, district, chosen


def slug(unit):
    """'Phường Phú Nhuận' -> 'phunhuan' (the division word dropped)."""
    name = fold(unit.short_name or unit.name)
    for prefix in ("thanh pho ", "thi xa ", "huyen ", "quan ", "phuong ", "xa ", "thi tran "):
        if name.startswith(prefix):
            name = name[len(prefix) :]
    return name.replace(" ", "")


def demo_accounts():
    """[(username, task, unit)] in a stable order (the README lists these)."""
    province, district, communes = demo_units()
    levels = [("tinh", province)]
    if district is not None:
        levels.append(("huyen", district))
    levels += [(slug(c), c) for c in communes]
    return [(f"{task}.{level}", task, unit) for task in Task.values for level, unit in levels]
