"""The bodies of the triage API, their examples and limits: the queue, medical
verification, rules, re-evaluation jobs and epidemic areas.
"""

import datetime

from ninja import Field, Schema

from vigil.api.common import VERSION_FIELD, date_field, surveillance_field

LEVELS = (0, 1, 2, 3)
WEIGHT_MAX = 100_000
LABEL_MAX = 200
AREA_NOTE_MAX = 300


# The queue ----------------------------------------------------------------


class TriageItemOut(Schema):
    id: int
    code: str
    full_name: str
    birth_year: int | None
    area_code: str
    area_name: str
    arrival_date: datetime.date
    created_at: datetime.datetime
    risk_colour: str
    risk_level: int
    risk_score: int
    risk_reasons: list[str] = Field(..., description="Labels of the rules that matched.")
    yes_answers: list[str] = Field(..., description="Keys of the questions answered yes.")
    medical_state: str
    amended_after_decision: bool = Field(
        ..., description="Amended by the citizen after CDC decided: review it (POST …/review)."
    )
    proposed_colour: str = Field(
        ..., description="A lower colour the rules gave after that amendment, not applied."
    )
    version: int


class ColourCounts(Schema):
    green: int
    yellow: int
    orange: int
    red: int


class ColourCapped(Schema):
    green: bool
    yellow: bool
    orange: bool
    red: bool


class TriageQueueOut(Schema):
    total: int = Field(
        ...,
        description="How many declarations match, on every page, up to VIGIL_LIST_COUNT_CAP "
        "(10,000).",
    )
    capped: bool = Field(
        False, description="More than the cap match: `total` is the cap (“10.000+”)."
    )
    counts: ColourCounts = Field(
        ...,
        description="Per colour, with every filter but `colour` (the tabs' numbers), each up "
        "to the cap.",
    )
    counts_capped: ColourCapped | None = Field(
        None, description="Per colour: true when more than the cap match (“10.000+”)."
    )
    limit: int
    offset: int
    items: list[TriageItemOut]


# Medical verification -----------------------------------------------------


class MedicalIn(Schema):
    version: int | None = VERSION_FIELD
    symptoms_confirmed: bool | None = Field(
        None, description="Whether CDC confirmed the declared symptoms. Required."
    )
    surveillance: str | None = surveillance_field()
    start: str | None = date_field("YYYY-MM-DD: surveillance from; required unless `none`.")
    end: str | None = date_field("YYYY-MM-DD: surveillance until; not before `start`.")
    note: str | None = ""


# Rules --------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    label: str
    facts: list[str] = Field(..., description="Fact keys (see `facts` of GET /rules).")
    weight: int
    min_level: int
    min_colour: str = Field(..., description="The colour of `min_level`.")
    active: bool
    updated_at: datetime.datetime


class BandOut(Schema):
    level: int
    colour: str
    min_score: int


class FactOut(Schema):
    key: str
    label: str


class RulesOut(Schema):
    editable: bool = Field(..., description="Whether the caller may change rules and areas.")
    rules: list[RuleOut]
    bands: list[BandOut]
    facts: list[FactOut]


class RuleIn(Schema):
    label: str | None = Field(None, description=f"Shown to staff. Required; {LABEL_MAX} at most.")
    facts: list[str] | None = Field(
        None, description="Fact keys that must all hold (at least one; see GET /rules)."
    )
    weight: int | None = Field(None, description="Added to the score, 0 or more. Required.")
    min_level: int | None = Field(
        None, description="The level is raised to at least this: 0 green .. 3 red. Required."
    )
    active: bool | None = Field(True, description="Inactive rules are kept but not applied.")


class RuleChangeOut(Schema):
    rule: RuleOut
    job_id: int | None = Field(
        ...,
        description="The re-evaluation started (GET /jobs/{job_id}); null when nothing changed.",
    )


EXAMPLE_RULE_IN = {
    "label": "Ho + về từ vùng dịch",
    "facts": ["sym_cough", "epidemic_area"],
    "weight": 25,
    "min_level": 3,
    "active": True,
}
EXAMPLE_RULE = {
    "id": 17,
    **EXAMPLE_RULE_IN,
    "min_colour": "red",
    "updated_at": "2021-08-21T10:00:00+07:00",
}


# Re-evaluation jobs -------------------------------------------------------


class JobOut(Schema):
    id: int
    kind: str
    state: str = Field(..., description="`queued`, `running`, `done` or `failed`.")
    total: int
    done: int
    percent: int
    error: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


# Epidemic areas -----------------------------------------------------------


class AreaOut(Schema):
    id: int
    unit_code: str
    unit_name: str
    unit_level: int = Field(..., description="1 province, 2 district, 3 commune.")
    start: datetime.date
    end: datetime.date | None = Field(..., description="Null: still going.")
    current: bool = Field(..., description="Whether today is inside the period.")
    note: str
    created_at: datetime.datetime


class AreaIn(Schema):
    unit_code: str | None = Field(
        None,
        description=(
            "Code of a province, district or commune of Vietnam (GET /api/v1/areas/units). "
            "Required."
        ),
    )
    start: str | None = date_field("YYYY-MM-DD. Required.")
    end: str | None = date_field("YYYY-MM-DD, not before `start`; empty while still going.")
    note: str | None = Field("", description=f"At most {AREA_NOTE_MAX} characters.")


class AreaChangeOut(Schema):
    area: AreaOut
    job_id: int = Field(..., description="The re-evaluation started (GET /jobs/{job_id}).")


EXAMPLE_AREA_IN = {"unit_code": "79", "start": "2021-07-09", "end": None, "note": "Chỉ thị 16"}
EXAMPLE_AREA = {
    "id": 3,
    "unit_code": "79",
    "unit_name": "Thành phố Hồ Chí Minh",
    "unit_level": 1,
    "start": "2021-07-09",
    "end": None,
    "current": True,
    "note": "Chỉ thị 16",
    "created_at": "2021-07-09T08:00:00+07:00",
}
