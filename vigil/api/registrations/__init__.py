"""Registrations to return through the API (R-V4, R-V6, R-N5).

Two audiences share the prefix /api/v1/registrations:

- citizens (the mobile app, with the citizen token of POST
  /api/v1/declarations/otp/verify) register a planned return before
  travelling, for themselves or on behalf of a relative, and read the
  registrations their phone made with the decision. A registration belongs to
  the phone that submitted it: any other phone gets 404;
- staff (personal token or browser session) read the approval queue of their
  jurisdiction and approve or reject ("Duyệt đăng ký về địa phương") with
  the capability APPROVE_REGISTRATION (vigil.core.permissions).

Bodies carry codes (country ISO code, administrative unit codes) and are
validated by the web page's form (vigil.verification.forms.RegistrationForm), so
the app refuses exactly what the web refuses, with the same messages. Every
change goes through vigil.verification.registrations.

The operations are grouped by audience: `citizen` (the phone's own
registrations) and `staff` (the approval queue); `schemas` holds the bodies,
the answers and the validation. The operations name their `operation_id`: the
default is made of the module's path, and it must not change when code moves.
"""

from ninja import Router

router = Router(tags=["registrations to return"])

# Imported once `router` exists: their operations register on it, in the
# order they had before the split.
# isort: off
from vigil.api.registrations import citizen  # noqa: E402, F401  (routes register on import)
from vigil.api.registrations import staff  # noqa: E402, F401

# isort: on

__all__ = ["router"]
