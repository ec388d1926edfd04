"""The risk assessment every declaration gets (R-M1), as this app sees it.

The rules that decide a declaration's colour belong to vigil.triage, which
builds on this app (its rules read the declaration's answers); so this app
does not import it. Triage provides its engine when Django starts
(`TriageConfig.ready`), and this app calls it only through these functions.
"""

from django.core.exceptions import ImproperlyConfigured

_engine = None


def provide(engine):
    """Called once by the app that owns the rules: `engine` has `assess(d)`,
    `evaluate(d)` (the result, not applied) and `apply(d, result)`."""
    global _engine
    _engine = engine


def _get():
    if _engine is None:
        raise ImproperlyConfigured("No risk engine: add vigil.triage to INSTALLED_APPS.")
    return _engine


def assess(declaration):
    """Evaluate `declaration` and set its colour, score and reasons (not saved)."""
    _get().assess(declaration)


def evaluate(declaration):
    """What the rules say of `declaration` now, without changing it."""
    return _get().evaluate(declaration)


def apply(declaration, result):
    """Set the result of `evaluate` on `declaration` (not saved)."""
    _get().apply(declaration, result)
