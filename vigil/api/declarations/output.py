"""A declaration as the API answers it: to citizens (with the QR image links)
and to staff (with how it was entered, identity masked unless their task
groups need it).
"""

import functools

from django.urls import get_script_prefix, reverse

from vigil.api.common import identity
from vigil.core.masking import mask_phone
from vigil.declarations import questions, services
from vigil.declarations.models import Declaration
from vigil.declarations.transitions import staff_decided


def queryset():
    return Declaration.objects.select_related(
        "person", "area", "village", "departure_country", "departure_unit"
    )


OUT_FIELDS = (
    "registration_kind", "student_code", "school", "departure_place", "address", "transport",
    "transport_number", "arrival_date", "visited_areas", "channel", "is_proxy",
    "proxy_relation", "created_at", "updated_at", "version", "amended_after_decision",
)  # fmt: skip


def out(declaration, whole=True, person=None):
    """The declaration with the identity of `person`: the Person as recorded
    (staff), or the identity as declared (citizens, `citizen_out`)."""
    person = person or declaration.person
    departure, village = declaration.departure_unit, declaration.village
    return {
        "code": declaration.code,
        "qr_payload": services.qr_payload(declaration),
        "full_name": person.full_name,
        "id_kind": person.id_kind,
        **identity(person, whole),
        "birth_year": person.birth_year,
        "gender": person.gender,
        "occupation": person.occupation,
        **{name: getattr(declaration, name) for name in OUT_FIELDS},
        "departure_country": declaration.departure_country_id,
        "departure_unit_code": departure.code if departure else None,
        "departure_unit_name": departure.name if departure else None,
        "area_code": declaration.area.code,
        "area_name": declaration.area.name,
        "village_code": village.code if village else None,
        "village_name": village.name if village else None,
        "answers": {key: getattr(declaration, key) for key in questions.KEYS},
        "locked_identity": staff_decided(declaration),
    }


def citizen_out(declaration):
    """What a citizen sees: only what was declared, never the Person's record
    (issue #12: typing someone's name and ID number reveals nothing)."""
    return {
        **out(declaration, person=declaration.declared),
        "qr_png_url": code_url("api:declaration_qr_png", declaration.code),
        "qr_svg_url": code_url("api:declaration_qr_svg", declaration.code),
    }


PLACEHOLDER = "0CODE0"


@functools.lru_cache(maxsize=32)
def _around_code(name, prefix):
    """The text of URL `name` before and after its `code` (under this script prefix)."""
    before, _sep, after = reverse(name, kwargs={"code": PLACEHOLDER}).partition(PLACEHOLDER)
    return before, after


def code_url(name, code):
    """reverse(name, kwargs={"code": code}) from a per-process template: a
    declaration's code is letters and digits, which a URL holds as they are."""
    if not code.isascii() or not code.isalnum():
        return reverse(name, kwargs={"code": code})
    before, after = _around_code(name, get_script_prefix())
    return f"{before}{code}{after}"


def staff_out(declaration, whole):
    return {
        **out(declaration, whole),
        "id": declaration.pk,
        "identity_conflict": declaration.identity_conflict,
        "submitter_phone": (
            declaration.submitter_phone
            if whole or not declaration.submitter_phone
            else mask_phone(declaration.submitter_phone)
        ),
        "paper_form_number": declaration.paper_form_number,
        "paper_form_date": declaration.paper_form_date,
        "paper_reason": declaration.paper_reason,
        "paper_reason_other": declaration.paper_reason_other,
        "checkpoint": declaration.checkpoint,
    }
