"""Helpers shared by the quarantine screens: page size, a service's errors and
a stale version onto a form."""

from vigil.audit.services import stale_message

PAGE_SIZE = 50


def _add_errors(form, exc):
    """A service's ValidationError onto the form: next to its field when the
    form has one, else at the top."""
    errors = getattr(exc, "error_dict", None) or {None: exc.error_list}
    for field, items in errors.items():
        form.add_error(field if field in form.fields else None, items)


def _stale(form, stay_or_facility, current):
    """Keep what the user typed; only the version moves on so that a second
    save, after reviewing, goes through."""
    form.add_error(None, stale_message(stay_or_facility))
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = current.version
