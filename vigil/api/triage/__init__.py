"""CDC triage through the API (R-M1..R-M3, R-N5): the queue of flagged arrivals,
medical verification, the risk rules and the epidemic areas.

The rules and epidemic areas are province-wide data: every staff user reads
them; CDC and the operations centre of the province change them. Each change
starts a re-evaluation of every open declaration in the background and answers
its job id; GET /jobs/{job_id} tells its progress to the account that started it.

The operations are grouped by capability:

- `medical`: the queue of flagged arrivals and CDC's medical verification;
- `rules`: the risk rules, their colour bands and the facts they use;
- `jobs`: the progress of a re-evaluation started by a change;
- `areas`: the epidemic areas;
- `schemas`: the bodies, their examples and limits.

Who may call each operation is its `api_requires` capability
(vigil.core.permissions): TRIAGE, READ_RULES, EDIT_RULES.

The operations name their `operation_id`: the default is made of the module's
path, and it must not change when code moves between these modules.
"""

from ninja import Router

router = Router(tags=["triage"])

# Imported once `router` exists: their operations register on it, in the order
# they had before the split (the order of the URL patterns and of /docs).
# isort: off
from vigil.api.triage import medical  # noqa: E402, F401  (routes register on import)
from vigil.api.triage import rules  # noqa: E402, F401
from vigil.api.triage import jobs  # noqa: E402, F401
from vigil.api.triage import areas  # noqa: E402, F401

# isort: on

__all__ = ["router"]
