"""Audit events as sentences in the interface language, with links.

`describe(event)` turns one AuditEvent into a sentence ("Nguyễn Văn A changed
declaration KB-123") with a link to the record where a page shows it, and its
details as labelled values ("verification: awaiting → verified") instead of
the raw `detail` dict. One renderer per kind of detail (a state transition,
an account's password or second step, a list of corrected fields) and a
generic fallback that names each key by the model field's verbose name and
shows choices by their label.

The audit app is imported by every other app, so it imports none of them:
models are found by their label through the app registry.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import JSONField
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core.tasks import Task

from .models import Action

TASKS = dict(Task.choices)

# Record kinds: the word for them and the page that shows one (URL name and
# its keyword), for the kinds people look up from the log.
RECORDS = {
    "declarations.declaration": (
        gettext_lazy("declaration"),
        "declarations:detail",
        "declaration_id",
    ),
    "people.person": (gettext_lazy("person"), "people:detail", "person_id"),
    "accounts.user": (gettext_lazy("account"), "accounts:edit", "user_id"),
    "accounts.accountrequest": (gettext_lazy("account request"), None, None),
    "investigation.case": (gettext_lazy("case"), "investigation:case", "case_id"),
    "investigation.outbreak": (gettext_lazy("outbreak"), None, None),
    "investigation.itineraryentry": (gettext_lazy("itinerary entry"), None, None),
    "investigation.monitoringperiod": (
        gettext_lazy("monitoring period"),
        "investigation:period",
        "period_id",
    ),
    "investigation.attachment": (gettext_lazy("attachment"), None, None),
    "quarantine.facility": (
        gettext_lazy("quarantine facility"),
        "quarantine:facility",
        "facility_id",
    ),
    "quarantine.stay": (gettext_lazy("quarantine stay"), "quarantine:stay", "stay_id"),
    "lodging.establishment": (
        gettext_lazy("accommodation establishment"),
        "lodging:establishment",
        "establishment_id",
    ),
    "lodging.gueststay": (gettext_lazy("guest stay"), "lodging:guest", "guest_stay_id"),
    "verification.registration": (
        gettext_lazy("return registration"),
        "verification:decide",
        "registration_id",
    ),
    "testing.testresult": (gettext_lazy("test result"), None, None),
    "triage.riskrule": (gettext_lazy("risk rule"), None, None),
    "jobs.job": (gettext_lazy("background job"), "jobs:job", "job_id"),
}

# What the actor did, by Action, as a sentence.
SENTENCES = {
    Action.VIEW: gettext_lazy("%(actor)s viewed %(record)s"),
    Action.CREATE: gettext_lazy("%(actor)s created %(record)s"),
    Action.CHANGE: gettext_lazy("%(actor)s changed %(record)s"),
    Action.DELETE: gettext_lazy("%(actor)s deleted %(record)s"),
    Action.EXPORT: gettext_lazy("%(actor)s exported %(record)s"),
    Action.LOGIN: gettext_lazy("%(actor)s signed in"),
    Action.LOGIN_FAILED: gettext_lazy("Failed sign-in as %(actor)s"),
    Action.LOGOUT: gettext_lazy("%(actor)s signed out"),
}
KIND_SENTENCE = gettext_lazy("%(actor)s recorded “%(what)s” on %(record)s")

# Named steps (`detail["action"]`): the same words as the records' histories.
KINDS = {
    "verify_returned": gettext_lazy("Verified: returned to the locality"),
    "verify_failed": gettext_lazy("Could not verify"),
    "transfer": gettext_lazy("Transferred to another area"),
    "approval_requested": gettext_lazy("Approval to return requested"),
    "approve": gettext_lazy("Registration approved"),
    "reject": gettext_lazy("Registration rejected"),
    "medical_verify": gettext_lazy("Medical verification"),
    "quarantine_intake": gettext_lazy("Taken into concentrated quarantine"),
    "verified_by_intake": gettext_lazy("Verified by quarantine intake"),
    "military_verify": gettext_lazy("Verified by the military command"),
    "amend": gettext_lazy("Amended"),
    "citizen_amend": gettext_lazy("Amended by the citizen"),
    "correction_requested": gettext_lazy("Correction requested by the citizen"),
    "risk_reevaluated": gettext_lazy("Risk re-evaluated"),
    "colour_decided": gettext_lazy("Proposed colour decided by CDC"),
    "surveillance_override": gettext_lazy("CDC surveillance decision overridden"),
    "stay_moved": gettext_lazy("Quarantine stay moved"),
    "stay_extended": gettext_lazy("Quarantine stay extended"),
    "stay_ended": gettext_lazy("Quarantine stay ended"),
    "amendment_reviewed": gettext_lazy("Amendment reviewed"),
    "confirm": gettext_lazy("Case confirmed"),
    "send": gettext_lazy("Sent to a quarantine facility"),
    "positive_handled": gettext_lazy("Positive result handled"),
}

# Detail keys that are not model fields.
KEYS = {
    "note": gettext_lazy("note"),
    "reason": gettext_lazy("reason"),
    "via": gettext_lazy("through"),
    "identity_shown": gettext_lazy("identity shown"),
    "password": gettext_lazy("password"),
    "tokens_revoked": gettext_lazy("API tokens revoked"),
    "sessions_ended": gettext_lazy("sessions ended"),
    "two_factor": gettext_lazy("two-step verification"),
    "method": gettext_lazy("method"),
    "scan": gettext_lazy("QR scan"),
    "fields": gettext_lazy("fields"),
    "changes": gettext_lazy("changes"),
    "corrected": gettext_lazy("corrected"),
    "requested": gettext_lazy("requested"),
    "list": gettext_lazy("list"),
    "rows": gettext_lazy("rows"),
    "filters": gettext_lazy("filters"),
    "user": gettext_lazy("account"),
    "page": gettext_lazy("page"),
}
VALUES = {
    "reset": gettext_lazy("reset by an administrator"),
    "changed": gettext_lazy("changed by its owner"),
    "enabled": gettext_lazy("enabled"),
    "disabled": gettext_lazy("disabled"),
    "new_recovery_codes": gettext_lazy("new recovery codes"),
    "api": gettext_lazy("the API"),
    "sso": gettext_lazy("single sign-on"),
}


@dataclass
class Described:
    event: object
    sentence: str  # safe HTML
    details: list = field(default_factory=list)  # [(label, value)]
    url: str = ""  # the record's page, if any
    history_url: str = ""  # the log filtered to this record


def _model(event):
    try:
        return apps.get_model(event.object_type) if event.object_type else None
    except (LookupError, ValueError):
        return None


def record_url(event):
    """The page of the event's record, or "" when none can be built."""
    _word, name, kwarg = RECORDS.get(event.object_type, (None, None, None))
    if not name or not event.object_id.isdigit():
        return ""
    try:
        return reverse(name, kwargs={kwarg: int(event.object_id)})
    except NoReverseMatch:
        return ""


def record_word(event, model=None):
    word = RECORDS.get(event.object_type, (None,))[0]
    if word is None and model is not None:
        word = model._meta.verbose_name
    return str(word or event.object_type)


def _field(model, key):
    if model is None:
        return None
    try:
        return model._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _label(model, key):
    found = _field(model, key)
    if found is not None and hasattr(found, "verbose_name"):
        return str(found.verbose_name)
    return str(KEYS.get(key, key.replace("_", " ")))


def _choice_fields(model, key, values):
    """The choice field that names `values`: the field `key`, else the first
    choice field of the model that knows them all (a state in "from"/"to")."""
    found = _field(model, key)
    if found is not None:
        return [found] if found.choices else []
    if model is None:
        return []
    fields = [f for f in model._meta.concrete_fields if f.choices]
    known = [f for f in fields if all(v in dict(f.flatchoices) for v in values if v)]
    return known[:1]


def _choice(model, key, value, fields=None):
    """`value` by its label (choices, yes/no, the words of VALUES)."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None or value == "":
        return "—"
    if not isinstance(value, str):
        return str(value)
    for found in fields if fields is not None else _choice_fields(model, key, [value]):
        labels = dict(found.flatchoices)
        if value in labels:
            return str(labels[value])
    return str(VALUES.get(value, value))


def _pair(model, key, before, after):
    fields = _choice_fields(model, key, [before, after])
    return f"{_choice(model, key, before, fields)} → {_choice(model, key, after, fields)}"


def _value(model, key, value):
    # [before, after] is how changed fields are logged; a list field (task
    # groups) is a list.
    list_field = isinstance(_field(model, key), JSONField)
    pair = isinstance(value, list) and len(value) == 2 and not list_field
    if pair and not isinstance(value[0], (list, dict)):
        return _pair(model, key, value[0], value[1])
    if isinstance(value, list):
        if key == "tasks":
            return ", ".join(str(TASKS.get(v, v)) for v in value)
        return ", ".join(_label(model, v) if key == "fields" else str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(model, k)}: {_value(model, k, v)}" for k, v in value.items())
    return _choice(model, key, value)


def details(event, model):
    """[(label, value)] for the event's detail, a state change first."""
    data = dict(event.detail or {})
    data.pop("action", None)
    out = []
    if "from" in data or "to" in data:
        before, after = data.pop("from", ""), data.pop("to", "")
        if isinstance(before, str) and isinstance(after, str):
            out.append((_("state"), _pair(model, "", before, after)))
        else:
            out.append((_("before"), _value(model, "from", before)))
            out.append((_("after"), _value(model, "to", after)))
    for key, value in data.items():
        if value in ("", None, [], {}):
            continue
        out.append((_label(model, key), _value(model, key, value)))
    return out


def describe(event):
    model = _model(event)
    actor_user = getattr(event, "actor", None)
    who = (getattr(actor_user, "full_name", "") or event.actor_name) or _("the system")
    actor = format_html(
        '<a href="?{}" class="audit-actor">{}</a>', urlencode({"actor": event.actor_name}), who
    ) if event.actor_name else conditional_escape(who)  # fmt: skip
    url = record_url(event)
    record = ""
    if event.object_type or event.object_repr:
        text = f"{record_word(event, model)} {event.object_repr}".strip()
        record = format_html('<a href="{}">{}</a>', url, text) if url else conditional_escape(text)
    kind = (event.detail or {}).get("action")
    if kind in KINDS:
        template, values = KIND_SENTENCE, {"what": conditional_escape(str(KINDS[kind]))}
    else:
        template, values = SENTENCES.get(event.action, SENTENCES[Action.CHANGE]), {}
    sentence = conditional_escape(str(template)) % {"actor": actor, "record": record, **values}
    history = ""
    if event.object_type and event.object_id:
        history = "?" + urlencode({"object_type": event.object_type, "object_id": event.object_id})
    return Described(event, mark_safe(sentence), details(event, model), url, history)  # noqa: S308
