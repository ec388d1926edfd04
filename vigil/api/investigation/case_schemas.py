"""Schemas and binding of the case API (vigil.api.investigation.cases): what a
case record looks like over the API, and how a JSON body becomes the page's
CaseForm data (so that the API says exactly what the page says)."""

import datetime

from django.utils.datastructures import MultiValueDict
from ninja import Field, Schema

from vigil.api.common import PageOut, iso_date
from vigil.areas.models import Level
from vigil.core.permissions import SEE_IDENTITY, may
from vigil.investigation.forms import CaseForm
from vigil.investigation.models import Case


class SourceIn(Schema):
    case_id: int = Field(..., description="A visible case record the contact was in contact with.")
    contact_date: str | None = Field(None, description="Last contact date, YYYY-MM-DD.")


class PersonIn(Schema):
    full_name: str
    birth_year: int | None = None
    gender: str | None = Field(None, description="`male`, `female` or `other`.")
    id_kind: str | None = Field(None, description="`cccd` (default), `cmnd`, `passport`...")
    id_number: str | None = None
    phone: str | None = None


class CaseIn(Schema):
    """A case record. On create: `kind`, the person (`person_id`, a visible
    person, or `person` to record a new one), `residence_id` and
    `detection_id` (a commune or a village), and for a contact its
    `contact_type` and `sources`. On update: only the fields sent change
    (`sources` absent: unchanged; `kind` changes only through confirm)."""

    version: int | None = Field(None, description="The record's `version` (update only).")
    kind: str | None = Field(None, description="`confirmed` (F0) or `contact`.")
    person_id: int | None = None
    person: PersonIn | None = None
    code: str | None = Field(None, description="Case code, e.g. BN1981 (required for an F0).")
    classification: str | None = None
    contact_type: str | None = None
    onset_date: str | None = None
    confirmed_on: str | None = None
    residence_id: int | None = Field(None, description="Commune or village of residence.")
    residence_street: str | None = None
    detection_id: int | None = Field(None, description="Commune or village of detection.")
    investigation_date: str | None = None
    quarantine_date: str | None = None
    quarantine_place: str | None = None
    facility_id: int | None = None
    outbreak_id: int | None = None
    sources: list[SourceIn] | None = None


CASE_EXAMPLE = {
    "kind": "contact",
    "person": {
        "full_name": "Trần Văn Bình",
        "birth_year": 1990,
        "gender": "male",
        "id_number": "046090000123",
        "phone": "0905123456",
    },  # fmt: skip
    "contact_type": "household",
    "residence_id": 1204,
    "residence_street": "12 Lê Lợi",
    "detection_id": 1204,
    "investigation_date": "2021-08-02",
    "sources": [{"case_id": 41, "contact_date": "2021-07-30"}],
}


class SourceOut(Schema):
    case_id: int
    code: str = Field(..., description="Empty for a source outside the caller's area.")
    level: int | None
    contact_date: datetime.date | None
    visible: bool


class PersonOut(Schema):
    id: int
    full_name: str
    birth_year: int | None
    gender: str
    id_number: str = Field(..., description="Masked unless the caller may see identities.")
    phone: str = Field(..., description="Masked unless the caller may see identities.")


class CaseOut(Schema):
    id: int
    code: str
    kind: str
    level: int | None = Field(..., description="0 for F0, n for Fn, null when no F0 is above.")
    level_label: str = Field(..., description='"F0", "F1"..., "F?".')
    classification: str
    contact_type: str
    person: PersonOut
    residence_id: int
    residence_name: str
    residence_street: str
    detection_id: int
    detection_name: str
    onset_date: datetime.date | None
    confirmed_on: datetime.date | None
    investigation_date: datetime.date | None
    quarantine_date: datetime.date | None
    quarantine_place: str
    facility_id: int | None
    outbreak_id: int | None
    sent_to_facility_at: datetime.datetime | None
    reclassified_at: datetime.datetime | None
    sources: list[SourceOut]
    test_count: int | None = Field(None, description="In lists: the tests the caller sees.")
    version: int


class CaseListOut(PageOut):
    capped: bool = Field(
        False,
        description="True when more records match than VIGIL_LIST_COUNT_CAP (10,000): "
        "`total` is then the cap, and the list shows its first pages.",
    )
    items: list[CaseOut]


def case_out(case, user, visible_ids=None):
    whole = may(user, SEE_IDENTITY)
    person = case.person
    links = list(case.source_links.all())
    if visible_ids is None:
        visible_ids = set(
            Case.objects.visible_to(user)
            .filter(pk__in=[link.source_id for link in links])
            .values_list("pk", flat=True)
        )
    return {
        **{
            name: getattr(case, name)
            for name in [
                "id",
                "code",
                "kind",
                "level",
                "level_label",
                "classification",
                "contact_type",
                "residence_id",
                "residence_street",
                "detection_id",
                "onset_date",
                "confirmed_on",
                "investigation_date",
                "quarantine_date",
                "quarantine_place",
                "facility_id",
                "outbreak_id",
                "sent_to_facility_at",
                "reclassified_at",
                "version",
            ]
        },
        "residence_name": case.residence.name,
        "detection_name": case.detection.name,
        "test_count": getattr(case, "test_count", None),
        "person": {
            "id": person.pk,
            "full_name": person.full_name,
            "birth_year": person.birth_year,
            "gender": person.gender,
            "id_number": person.id_number if whole else person.masked_id_number,
            "phone": person.phone if whole else person.masked_phone,
        },
        "sources": [_source_out(link, link.source_id in visible_ids) for link in links],
    }


def _source_out(link, visible):
    source = link.source
    return {
        "case_id": link.source_id,
        "code": source.code if visible else "",
        "level": source.level,
        "contact_date": link.contact_date,
        "visible": visible,
    }


# Binding a body to the page's form ---------------------------------------------

DATES = ("onset_date", "confirmed_on", "investigation_date", "quarantine_date")
TEXTS = ("kind", "code", "classification", "contact_type", "residence_street", "quarantine_place")


def _unit_values(unit_id, name, data):
    from vigil.areas.models import AdminUnit

    unit = AdminUnit.objects.filter(pk=unit_id).select_related("parent").first()
    if unit is None:
        data[name] = str(unit_id)  # the form refuses it with its message
        data[f"{name}_village"] = ""
    elif unit.level == Level.VILLAGE:
        data[name], data[f"{name}_village"] = unit.parent_id, unit.pk
    else:
        data[name], data[f"{name}_village"] = unit.pk, ""


def form_data(payload, errors, base=None):
    """CaseForm data from `payload` (a CaseIn) over `base` (the record's
    current values on update)."""
    data = dict(base or {})
    for name in TEXTS:
        value = getattr(payload, name)
        if value is not None:
            data[name] = value
    for name in DATES:
        value = getattr(payload, name)
        if value is not None:
            data[name] = iso_date(value, name, errors) if value else ""
    for name in ("residence", "detection"):
        unit_id = getattr(payload, f"{name}_id")
        if unit_id is not None:
            _unit_values(unit_id, name, data)
    for name in ("facility", "outbreak"):
        value = getattr(payload, f"{name}_id")
        if value is not None:
            data[name] = value
    if payload.person_id is not None:
        data["person"] = payload.person_id
    if payload.person is not None:
        data.update({k: v for k, v in payload.person.dict().items() if v is not None})
    if payload.version is not None:
        data["version"] = payload.version
    bound = MultiValueDict({k: ["" if v is None else v] for k, v in data.items()})
    for source in payload.sources or []:
        bound.appendlist("source", str(source.case_id))
        day = iso_date(source.contact_date, f"sources.{source.case_id}.contact_date", errors)
        if day:
            bound[f"contact_date_{source.case_id}"] = day.strftime("%d/%m/%Y")
    return bound


def current_data(case):
    """The record's values as CaseForm data (the base of an update)."""
    initial = CaseForm.initial_for(case)
    return {
        k: (getattr(v, "pk", v) if v is not None else "")
        for k, v in initial.items()
        if k != "version"
    }


def current_sources(case):
    return [(link.source_id, link.contact_date) for link in case.source_links.all()]
