"""Arrival declarations through the API (R-D2 app channel, R-D3, R-D4, R-N5).

Two audiences share the prefix /api/v1/declarations:

- citizens (the mobile app) prove a phone with an SMS code, then declare for
  themselves or on behalf of someone, list, read and update what that phone
  declared, and fetch the QR image. They send a citizen token (`CitizenAuth`),
  never a staff token (`citizen`);
- staff (the API's default auth: personal token or browser session) scan a QR,
  enter a declaration from a walk-in, a paper form or a checkpoint, and read one
  declaration inside their jurisdiction (`staff`); import a sheet of paper
  forms and complete an external QR (`channels`).

Bodies carry codes (country ISO code, administrative unit codes), not database
ids (`schemas`). They are translated into the web form's values and validated by
`DeclarationForm` (`translate`), so that the app refuses exactly what the web
refuses, with the same messages (Vietnamese unless the `django_language` cookie
says "en"). `output` is what a declaration looks like to each audience.

The operations name their `operation_id`: the default is made of the module's
path, and it must not change when code moves between these modules.
"""

from ninja import Router

from vigil.api.common import ErrorBody, ErrorOut

# Staff operations take the API's default auth (token or session); the
# citizens' take theirs (see `citizen`).
router = Router(tags=["declarations: staff"])

# Imported once `router` exists: their operations register on it, the
# citizens' POST first, as before the split.
# isort: off
from vigil.api.declarations import citizen, staff  # noqa: E402, F401  (routes register on import)
from vigil.api.declarations import channels  # noqa: E402, F401

# isort: on

# The OTP steps and the citizens' operations hang under the same prefix.
router.add_router("", citizen.otp_router, tags=citizen.CITIZEN_TAGS)
router.add_router("", citizen.citizen_router, tags=citizen.CITIZEN_TAGS)

__all__ = ["ErrorBody", "ErrorOut", "router"]
