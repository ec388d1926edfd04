"""Test results through the API (R-T1..R-T3, R-H1, R-N5).

- `results`: a person's results, entering one or more results for a person,
  and a batch sampled together (vigil.testing.services, bound to the pages'
  forms: the same refusals and messages);
- `labsheet`: the lab's result sheet (.xlsx), checked whole by
  vigil.testing.imports before anything is saved;
- `people`: the people not yet tested / tested, and the test statistics;
- `positive`: CDC's worklist "Dương tính, chưa mở ca bệnh".

The operations name their `operation_id`: it must not change when code moves.
"""

from ninja import Router

router = Router(tags=["testing"])

# isort: off
from vigil.api.testing import positive  # noqa: E402, F401  (routes register on import)
from vigil.api.testing import results  # noqa: E402, F401
from vigil.api.testing import labsheet  # noqa: E402, F401
from vigil.api.testing import people  # noqa: E402, F401

# isort: on

__all__ = ["router"]
