"""The risk engine (R-M1): facts of a declaration, matched against rules kept as data.

Deterministic and fast: the rules, bands and epidemic areas are loaded once per
batch (`Ruleset.load()`), and a declaration's facts are computed in Python from
its own columns, so 100,000 declarations evaluate in seconds (bench/risk_rules.py).
Single declarations use the ruleset each process keeps (`current_ruleset`),
loaded again when the reference stamp changes (vigil.core.refcache): a rule
changed anywhere applies to the next declaration.

Rules only add (non-negative weights, conjunctions of positive facts), so a
declaration with one more "yes" never gets a lower level.
"""

from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext_lazy as _

from vigil.core import refcache
from vigil.declarations import questions
from vigil.declarations.models import MedicalState, RiskColour

from .stamp import STAMP_SQL

# This app owns the stamp table; every per-process reference cache reads it.
refcache.use_stamp(STAMP_SQL)

# Facts that are not a single question of the form.
DERIVED_FACTS = {
    "epidemic_area": _("came from a listed epidemic area"),
    "outbreak_visit": _("passed through an outbreak location"),
    "any_symptom": _("has a symptom"),
    "any_condition": _("has a chronic condition"),
    "age_65_plus": _("aged 65 or more"),
    "age_under_5": _("aged under 5"),
}
FACTS = {**dict(questions.ALL), **DERIVED_FACTS}
SYMPTOM_KEYS = [k for k, _label in questions.SYMPTOMS]
CONDITION_KEYS = [k for k, _label in questions.CONDITIONS]

# Other modules tell the engine about facts it cannot see on the declaration
# itself: the investigation module registers "outbreak_visit" (the person's
# itinerary crossed an outbreak location). A provider takes a list of
# declarations and returns the set of their ids for which the fact holds.
FACT_PROVIDERS = {}


def register_fact_provider(fact, provider):
    FACT_PROVIDERS[fact] = provider


@dataclass
class Result:
    level: int
    colour: str
    score: int
    reasons: list


class Ruleset:
    def __init__(self, rules, bands, epidemic_areas):
        self.rules = [(r.label, tuple(r.facts), r.weight, r.min_level) for r in rules]
        self.bands = sorted(((b.min_score, b.level, b.colour) for b in bands), reverse=True)
        self.colours = {b.level: b.colour for b in bands}
        # (path prefix, start, end) of each epidemic area.
        self.areas = [(a.unit_path, a.start, a.end) for a in epidemic_areas]

    @classmethod
    def load(cls, using=None):
        """The rules, bands and epidemic areas as the database holds them now
        (`using`: from that database, e.g. the primary rather than a replica)."""
        from .models import EpidemicArea, RiskBand, RiskRule

        return cls(
            RiskRule.objects.using(using).filter(active=True),
            RiskBand.objects.using(using).all(),
            EpidemicArea.objects.using(using).all(),
        )

    def in_epidemic_area(self, path, day):
        if not path:
            return False
        for prefix, start, end in self.areas:
            if path.startswith(prefix) and start <= day and (end is None or day <= end):
                return True
        return False

    def facts(self, declaration, extra=()):
        """The set of fact names that hold for `declaration`."""
        held = {key for key in questions.KEYS if getattr(declaration, key)}
        if held.intersection(SYMPTOM_KEYS):
            held.add("any_symptom")
        if held.intersection(CONDITION_KEYS):
            held.add("any_condition")
        unit = declaration.departure_unit
        if unit is not None and self.in_epidemic_area(unit.path, declaration.arrival_date):
            held.add("epidemic_area")
        birth_year = declaration.person.birth_year
        if birth_year:
            age = declaration.arrival_date.year - birth_year
            if age >= 65:
                held.add("age_65_plus")
            if age < 5:
                held.add("age_under_5")
        held.update(extra)
        return held

    def evaluate(self, declaration, extra=()):
        held = self.facts(declaration, extra)
        score, floor, reasons = 0, 0, []
        for label, needed, weight, min_level in self.rules:
            if needed and all(f in held for f in needed):
                score += weight
                floor = max(floor, min_level)
                reasons.append(label)
        level = next((lvl for min_score, lvl, _c in self.bands if score >= min_score), 0)
        level = max(level, floor)
        colour = self.colours.get(level, RiskColour.GREEN)
        return Result(level, colour, score, reasons)


def provided_facts(declarations):
    """{declaration id: {fact, ...}} from the registered providers."""
    out = {}
    for fact, provider in FACT_PROVIDERS.items():
        for pk in provider(declarations):
            out.setdefault(pk, set()).add(fact)
    return out


def apply(declaration, result):
    """Copy a result onto a declaration (not saved); flags it for CDC when not green."""
    declaration.risk_level = result.level
    declaration.risk_colour = result.colour
    declaration.risk_score = result.score
    declaration.risk_reasons = result.reasons
    if result.level > 0 and declaration.medical_state == MedicalState.NOT_FLAGGED:
        declaration.medical_state = MedicalState.PENDING
    elif result.level == 0 and declaration.medical_state == MedicalState.PENDING:
        declaration.medical_state = MedicalState.NOT_FLAGGED


def current_ruleset():
    """The ruleset of the process, as of the current reference stamp."""
    return refcache.get("triage.ruleset", lambda: Ruleset.load(using=DEFAULT_DB_ALIAS))


def evaluate(declaration, ruleset=None):
    """The rules' result for one declaration, not applied."""
    ruleset = ruleset or current_ruleset()
    extra = provided_facts([declaration]).get(declaration.pk, set()) if declaration.pk else set()
    return ruleset.evaluate(declaration, extra)


def assess(declaration, ruleset=None):
    """Evaluate one declaration in place (used on every create and change)."""
    apply(declaration, evaluate(declaration, ruleset))
