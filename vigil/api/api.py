"""The REST API under /api/v1/ (R-N5): one router module per domain app,
added to the one NinjaAPI instance (`vigil.api.instance`)."""

from vigil.api import (
    account_requests,
    accounts,
    areas,
    declarations,
    investigation,
    lodging,
    military,
    people,
    quarantine,
    registrations,
    statistics,
    testing,
    triage,
    verification,
)

from .instance import api

api.add_router("/", accounts.router)
api.add_router("/areas", areas.router)
api.add_router("/people", people.router)
api.add_router("/declarations", declarations.router)
api.add_router("/verification", verification.router)
api.add_router("/registrations", registrations.router)
api.add_router("/triage", triage.router)
api.add_router("/military", military.router)
api.add_router("/quarantine", quarantine.router)
api.add_router("/testing", testing.router)
api.add_router("/investigation", investigation.router)
api.add_router("/lodging", lodging.router)
api.add_router("/account-requests", account_requests.router)
api.add_router("/statistics", statistics.router)
api.add_router("/exports", "vigil.api.exports.router")

__all__ = ["api"]
