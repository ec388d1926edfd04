"""Who may do what: the one registry of Vigil's capabilities.

A capability is a verb on a kind of record ("verify a declaration", "end a
stay"). Each one is declared here once, with the task groups of SPEC §2 that
hold it. Pages (`requires`), API operations (`api_requires`), exports and the
home menu all ask this module; no other module lists task groups to decide who
may do what. `tests/accounts/test_role_route_matrix.py` requests every URL
pattern and API operation as an account of every task group and checks the
outcome against this registry; a route with no capability fails it.

What each task group sees follows the seed's task table (SPEC §2):

- Statistics are for those who steer the response in their
  jurisdiction: leaders, CDC, the operations centre, and the commune's teams
  (community team, police, health station, digitisation team) who act on the
  numbers, plus facility managers for their own facility. Checkpoint staff,
  schools, the military command and accommodation establishments do one task
  at one place and get no ward-wide numbers.
- Quarantine lists and the facility board are for those who run or follow
  concentrated quarantine: facility managers, CDC, the operations centre,
  leaders, the commune's health station and community team (whose residents are
  inside), and the military command, which verifies the people taken in
  (R-V7). Checkpoints, police, the digitisation team, schools and
  establishments do not see who is in quarantine.
- Declaration lists, the QR scanner and the people registry are for staff who
  work with arrivals. A school verifies only its own students, through its own
  queue, and sees no ward-wide list; an accommodation establishment sees only
  its own guests (issue of the accommodation module).
"""

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .levels import Level
from .tasks import Task

_T = Task

# Every staff task group but the accommodation establishment, whose accounts
# see their own guests only.
STAFF = tuple(t for t in Task.values if t != Task.ESTABLISHMENT)
# Every account, establishment included: its own password and API tokens.
ANY_ACCOUNT = tuple(Task.values)
# The commune's teams that act on arrivals.
_COMMUNE_TEAMS = (_T.COMMUNITY, _T.POLICE, _T.HEALTH_STATION, _T.DIGITISATION)


@dataclass(frozen=True)
class Capability:
    key: str
    label: str
    tasks: tuple
    # An extra condition on the account beyond its task groups (e.g. "at the
    # province level"); dotted path of `f(user) -> bool`, empty for none.
    condition: str = ""
    # Why the web offers it and the API does not (R-N5), empty when the API has it.
    web_only: str = ""


CAPABILITIES = {}

# Markers for routes that hold no capability, so that the matrix knows they
# were not forgotten: anyone may use the route (a login form, the citizens'
# pages, the health check), or a citizen signed in with their phone.
PUBLIC = "public"
CITIZEN = "citizen"
# An establishment's property-management system, authenticated by the
# establishment's own key (not an account): task groups decide nothing.
PMS = "pms"


def capability(key, label, tasks, condition="", web_only=""):
    if key in CAPABILITIES:
        raise ValueError(f"capability {key!r} declared twice")
    CAPABILITIES[key] = Capability(key, label, tuple(tasks), condition, web_only)
    return key


# Accounts -----------------------------------------------------------------
OWN_ACCOUNT = capability("account.own", _("Change one's own password and API tokens"), ANY_ACCOUNT)
MANAGE_ACCOUNTS = capability("account.manage", _("Manage accounts"), (_T.ADMIN,))
REVIEW_ACCOUNT_REQUESTS = capability(
    "account_request.review",
    _("Request and decide accounts for one's jurisdiction"),
    (_T.ADMIN, _T.LEADER),
)
READ_AUDIT = capability(
    "audit.read",
    _("Read the audit log"),
    (_T.ADMIN,),
    web_only="The audit log is read by people at a desk; the API is for apps and integration.",
)

# Declarations -------------------------------------------------------------
ENTER_DECLARATION = capability(
    "declaration.enter",
    _("Enter declarations for people"),
    (_T.HEALTH_STATION, _T.DIGITISATION, _T.COMMUNITY, _T.CHECKPOINT, _T.POLICE, _T.CDC),
)
READ_DECLARATIONS = capability(
    "declaration.read",
    _("List and read declarations"),
    tuple(t for t in STAFF if t != _T.SCHOOL),
)
SCAN_QR = capability(
    "declaration.scan", _("Scan a declaration's QR"), tuple(t for t in STAFF if t != _T.SCHOOL)
)
REVIEW_AMENDMENT = capability(
    "declaration.review_amendment",
    _("Mark a citizen's amendment after a decision as reviewed"),
    (*_COMMUNE_TEAMS, _T.MILITARY, _T.ADMIN, _T.CDC),
)
DECIDE_PROPOSED_COLOUR = capability(
    "declaration.decide_colour",
    _("Apply or keep a citizen's proposed lower colour"),
    (_T.CDC, _T.HEALTH_STATION),
)

# Verification -------------------------------------------------------------
_VERIFIERS = (*_COMMUNE_TEAMS, _T.MILITARY, _T.ADMIN)
VERIFY = capability("declaration.verify", _("Verify arrivals in the locality"), _VERIFIERS)
VERIFY_STUDENTS = capability(
    "declaration.verify_students",
    _("Verify students returning to study"),
    (*_VERIFIERS, _T.SCHOOL),
)
OVERRIDE_SURVEILLANCE = capability(
    "declaration.override_surveillance",
    _("Replace CDC's surveillance decision while verifying"),
    (_T.CDC, _T.LEADER),
)
APPROVE_REGISTRATION = capability(
    "registration.decide",
    _("Approve registrations to return"),
    (*_VERIFIERS, _T.LEADER),
)
VERIFY_QUARANTINED = capability(
    "declaration.verify_quarantined",
    _("Verify people taken into concentrated quarantine"),
    (_T.MILITARY, _T.ADMIN),
)

# Triage -------------------------------------------------------------------
TRIAGE = capability("declaration.triage", _("Medical verification"), (_T.CDC, _T.HEALTH_STATION))
READ_RULES = capability("rules.read", _("Read the risk rules and epidemic areas"), STAFF)
EDIT_RULES = capability(
    "rules.edit",
    _("Change the risk rules and epidemic areas"),
    (_T.CDC, _T.ADMIN),
    # The rules are province-wide: only the province's CDC and operations centre.
    condition="vigil.core.permissions.at_province",
)

# People -------------------------------------------------------------------
READ_PEOPLE = capability(
    "person.read", _("Search the people registry"), tuple(t for t in STAFF if t != _T.SCHOOL)
)
# Not a route: whose work needs the whole ID number and phone (to call, to
# match paper forms, to verify at the door). Leaders read numbers, not
# identities.
SEE_IDENTITY = capability(
    "person.identity",
    _("See whole ID numbers and phones"),
    (*_COMMUNE_TEAMS, _T.MILITARY, _T.CDC, _T.CHECKPOINT, _T.FACILITY),
)

# Quarantine ---------------------------------------------------------------
READ_QUARANTINE = capability(
    "quarantine.read",
    _("List stays, facilities and the facility board"),
    (_T.FACILITY, _T.CDC, _T.ADMIN, _T.LEADER, _T.HEALTH_STATION, _T.COMMUNITY, _T.MILITARY),
)
TAKE_IN = capability(
    "stay.manage", _("Take people in, move, extend and end stays"), (_T.FACILITY, _T.CDC)
)
FOLLOW_TAKE_IN = capability(
    "stay.to_take_in", _("Follow the people to take in"), (_T.FACILITY, _T.CDC, _T.ADMIN)
)
EDIT_FACILITIES = capability(
    "facility.edit", _("Add and change quarantine facilities"), (_T.CDC, _T.ADMIN)
)
ADD_ROOMS = capability(
    "facility.rooms", _("Add rooms and beds to a facility"), (_T.FACILITY, _T.CDC, _T.ADMIN)
)

# Tests --------------------------------------------------------------------
_TEST_ENTRY = (_T.CDC, _T.HEALTH_STATION, _T.CHECKPOINT, _T.FACILITY)
ENTER_TESTS = capability("test.enter", _("Enter test results"), _TEST_ENTRY)
READ_TESTS = capability("test.read", _("Read test results"), (*_TEST_ENTRY, _T.LEADER))
IMPORT_TESTS = capability("test.import", _("Import a lab sheet"), (_T.CDC,))
HANDLE_POSITIVES = capability(
    "test.positive", _("Handle positive results with no case opened"), (_T.CDC, _T.HEALTH_STATION)
)

# Epidemiological investigation ---------------------------------------------
# CDC and the health stations trace; the community team follows its residents
# (monitoring, quarantine); leaders and the operations centre read.
_TRACERS = (_T.CDC, _T.HEALTH_STATION)
READ_CASES = capability(
    "case.read",
    _("List and read cases, contacts, outbreaks and transmission chains"),
    (*_TRACERS, _T.COMMUNITY, _T.LEADER, _T.ADMIN, _T.FACILITY),
)
EDIT_CASES = capability(
    "case.edit",
    _("Record cases and contacts, their sources, itineraries and files"),
    _TRACERS,
)
CONFIRM_CASE = capability(
    "case.confirm",
    _("Confirm a case (F0) and open cases from positive tests"),
    (_T.CDC,),
)
DELETE_CASE = capability("case.delete", _("Delete a case record"), (_T.CDC, _T.ADMIN))
EDIT_OUTBREAKS = capability(
    "outbreak.edit", _("Add, change and close outbreaks"), (_T.CDC, _T.ADMIN)
)
READ_MONITORING = capability(
    "monitoring.read",
    _("List the people under medical monitoring"),
    (*_TRACERS, _T.COMMUNITY, _T.LEADER, _T.ADMIN),
)
RECORD_MONITORING = capability(
    "monitoring.record",
    _("Record daily monitoring checks and close monitoring periods"),
    (*_TRACERS, _T.COMMUNITY),
)

# Accommodation establishments (R-A1, R-A2) ---------------------------------
# The establishment's reception registers its guests and sees nothing else;
# the police of the area keep the catalogue and watch who has not declared.
_LODGING_WATCH = (_T.POLICE, _T.ADMIN, _T.LEADER)
READ_ESTABLISHMENTS = capability(
    "establishment.read",
    _("List accommodation establishments"),
    (*_LODGING_WATCH, _T.ESTABLISHMENT),
)
MANAGE_ESTABLISHMENTS = capability(
    "establishment.manage",
    _("Add and change accommodation establishments"),
    (_T.POLICE, _T.ADMIN),
)
MANAGE_PMS_TOKENS = capability(
    "establishment.tokens",
    _("Issue and revoke an establishment's keys for its property-management system"),
    (_T.ESTABLISHMENT, _T.ADMIN),
)
CHECK_IN_GUESTS = capability(
    "guest.check_in",
    _("Check guests in and out with their health declaration"),
    (_T.ESTABLISHMENT,),
)
READ_GUESTS = capability(
    "guest.read", _("Read the guest register"), (*_LODGING_WATCH, _T.ESTABLISHMENT)
)
IMPORT_GUESTS = capability(
    "guest.import",
    _("Import a paper guest register"),
    (_T.ESTABLISHMENT, _T.POLICE),
)
POLICE_VIEW = capability(
    "lodging.police",
    _("Watch the establishments and their undeclared guests"),
    _LODGING_WATCH,
)

# Statistics and exports ---------------------------------------------------
_STEERING = (_T.LEADER, _T.CDC, _T.ADMIN, *_COMMUNE_TEAMS, _T.FACILITY)
READ_STATISTICS = capability("statistics.read", _("Read statistics and the dashboard"), _STEERING)
# The export pages themselves; what may be exported is the capability of the
# list (ExportSpec.capability): an account exports the lists it may read.
# An accommodation establishment exports its own guest register (the list the
# police ask for), and nothing else: it reads no other list.
EXPORT = capability("export.run", _("Export lists to Excel"), ANY_ACCOUNT)


def at_province(user):
    return user.jurisdiction_id is not None and user.jurisdiction.level == Level.PROVINCE


def get(key):
    return CAPABILITIES[key]


def may(user, key):
    """True when `user` holds capability `key`."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cap = CAPABILITIES[key]
    if not user.has_task(*cap.tasks):
        return False
    if cap.condition:
        from django.utils.module_loading import import_string

        return bool(import_string(cap.condition)(user))
    return True


def requires(key):
    """A page only accounts holding capability `key` may open (403 otherwise)."""
    get(key)

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not may(request.user, key):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.capability = key
        return wrapper

    return decorator


def api_requires(key):
    """An API operation only accounts holding capability `key` may call (403).

    Checked right after authentication, before django-ninja reads the
    operation's parameters and body: an account without the capability gets
    403 whatever it sent, never a validation error about it."""
    from ninja.decorators import decorate_view

    get(key)

    def decorator(handler):
        @wraps(handler)
        def wrapper(request, *args, **kwargs):
            if not may(request.auth, key):
                raise PermissionDenied
            return handler(request, *args, **kwargs)

        wrapper.capability = key
        return decorate_view(_before_input(key))(wrapper)

    return decorator


def _before_input(key):
    """Wraps an operation's `run`: authenticate (django-ninja's own checks),
    then the capability, then the operation as usual."""

    def decorate(run):
        @wraps(run)
        def checked(request, **kwargs):
            operation = run.__self__
            refused = operation._run_checks(request)
            if refused is not None:
                return refused
            if not may(request.auth, key):
                return operation.api.on_exception(request, PermissionDenied())
            return run(request, **kwargs)

        return checked

    return decorate


def public(view):
    """Mark a page or API operation that anyone may use."""
    view.capability = PUBLIC
    return view


def citizen(view):
    """Mark a page or API operation for citizens signed in with their phone."""
    view.capability = CITIZEN
    return view


def pms(view):
    """Mark an API operation for establishments' property-management systems,
    authenticated by an establishment's key (vigil.lodging.pms)."""
    view.capability = PMS
    return view
