from django.conf import settings
from ninja import Router, Schema

from vigil.areas.models import AdminUnit, Country
from vigil.core.permissions import public

router = Router(tags=["areas"])


class UnitOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None


class CountryOut(Schema):
    code: str
    name: str
    name_en: str


# Administrative units and countries are public reference data, not records of
# people: they are the same for every account and carry no jurisdiction.
@router.get("/units", response=list[UnitOut], summary="Administrative units under a parent")
@public
def units(request, parent: str | None = None):
    """Children of the unit with code `parent`; the home province's districts without it."""
    qs = AdminUnit.objects.active_tree().select_related("parent")
    if parent:
        qs = qs.filter(parent__code=parent)
    else:
        qs = qs.filter(parent__code=settings.VIGIL_HOME_PROVINCE)
    return [
        {"code": u.code, "name": u.name, "level": u.level, "parent_code": u.parent.code}
        for u in qs.order_by("code")
    ]


@router.get("/countries", response=list[CountryOut], summary="Departure countries")
@public
def countries(request):
    return Country.objects.all()
