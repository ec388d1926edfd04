"""Recording a case for a person who may not be in the registry yet: the new
Person and their case record in one transaction, so that a refused case
(a taken code, a cycle) leaves no stray person behind. The page and the API
both come here; the case itself is `services.create_case`'s."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vigil.areas.models import Level
from vigil.audit.services import Action, log
from vigil.people.models import IdKind, Person
from vigil.people.services import ID_TAKEN, insert_person

from . import services


def _commune(unit):
    return unit.parent if unit.level == Level.VILLAGE else unit


@transaction.atomic
def create_with_person(actor, *, person, new_person, kind, fields, sources=()):
    """`person` (a visible Person) or, when None, a new one from `new_person`
    ({full_name, birth_year, gender, id_number, phone}) living at the case's
    residence."""
    if person is None:
        residence = fields.get("residence")
        if residence is None:
            raise ValidationError({"residence": _("Choose the commune.")})
        id_number = new_person.get("id_number") or ""
        person = Person(
            full_name=" ".join((new_person.get("full_name") or "").split()),
            birth_year=new_person.get("birth_year"),
            gender=new_person.get("gender") or "",
            id_number=id_number,
            id_kind=(new_person.get("id_kind") or IdKind.CCCD) if id_number else "",
            phone=new_person.get("phone") or "",
            area=_commune(residence),
            address=fields.get("residence_street") or "",
        )
        if insert_person(person) is None:
            raise ValidationError({"id_number": ID_TAKEN})
        log(actor, Action.CREATE, person, detail={"via": "case"})
    return services.create_case(actor, person=person, kind=kind, fields=fields, sources=sources)
