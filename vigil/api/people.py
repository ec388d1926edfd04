from ninja import Router, Schema

from vigil.api.common import identity
from vigil.audit.services import Action, log
from vigil.core.permissions import READ_PEOPLE, SEE_IDENTITY, api_requires, may
from vigil.core.scope import get_for_user
from vigil.people.models import Person
from vigil.people.services import search_people

router = Router(tags=["people"])


class PersonOut(Schema):
    id: int
    full_name: str
    id_number: str
    phone: str
    birth_year: int | None
    gender: str
    area_code: str
    area_name: str
    match: str | None = None


def _out(person, whole, match=None):
    return {
        "id": person.pk,
        "full_name": person.full_name,
        **identity(person, whole),
        "birth_year": person.birth_year,
        "gender": person.gender,
        "area_code": person.area.code,
        "area_name": person.area.name,
        "match": match,
    }


@router.get(
    "/search",
    response=list[PersonOut],
    summary="Find people by ID number, phone or name",
    description=(
        "Diacritics and case are ignored ('nguyen van duc' finds 'Nguyễn Văn Đức'). "
        "Matches are ranked: exact ID number, exact phone, exact name, name prefix, "
        "names containing every word. ID numbers and phones are masked in results."
    ),
)
@api_requires(READ_PEOPLE)
def search(request, q: str, limit: int = 20):
    qs = Person.objects.visible_to(request.auth).select_related("area")
    matches = search_people(qs, q, limit=max(1, min(limit, 100)))
    return [_out(m.person, False, m.kind) for m in matches]


@router.get("/{person_id}", response=PersonOut, summary="One person (logged in the audit trail)")
@api_requires(READ_PEOPLE)
def detail(request, person_id: int):
    person = get_for_user(Person.objects.select_related("area"), request.auth, pk=person_id)
    whole = may(request.auth, SEE_IDENTITY)
    log(request, Action.VIEW, person, detail={"identity_shown": whole, "via": "api"})
    return _out(person, whole)
