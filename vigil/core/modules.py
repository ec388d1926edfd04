"""The module menu of the home page (the seed's "Phòng chống dịch giai đoạn mới",
"Điều tra dịch tễ", "Thống kê" ...), filtered by the account's task groups.

Each module adds its screens here as it lands; a section with no screen the
account may open is not shown at all.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from vigil.accounts.models import Task

STAFF = [t for t in Task.values if t != Task.ESTABLISHMENT]


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    tasks: tuple
    # A worklist (R-H1): dotted path of a function `count(user) -> int`, the
    # size of the list as that user sees it (through visible_to). Shown on
    # the home page's menu and the dashboard, never in the navigation bar,
    # which every page renders.
    count: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    entries: tuple


# Task groups of the seed's procedure, per kind of work. Written out here
# rather than imported from each app: the menu must not import the apps' views.
ENTRY = (
    Task.HEALTH_STATION,
    Task.DIGITISATION,
    Task.COMMUNITY,
    Task.CHECKPOINT,
    Task.POLICE,
    Task.CDC,
)
VERIFY = (
    Task.COMMUNITY,
    Task.POLICE,
    Task.DIGITISATION,
    Task.MILITARY,
    Task.HEALTH_STATION,
    Task.ADMIN,
)
APPROVE = (*VERIFY, Task.LEADER)
# A school's account verifies its own students returning to study, nothing else.
STUDENTS = (*VERIFY, Task.SCHOOL)
MEDICAL = (Task.CDC, Task.HEALTH_STATION)
# The military command verifies the arrivals taken into concentrated
# quarantine (§I.2, R-V7); the operations centre watches the queue.
MILITARY = (Task.MILITARY, Task.ADMIN)
# "To take in": facility managers take in, CDC follows its decisions, the
# operations centre watches that nobody waits (R-H1).
TAKE_IN = (Task.FACILITY, Task.CDC, Task.ADMIN)
# Who reviews a citizen's amendment made after a decision: the commune's
# verifiers, and CDC, who alone decides a proposed lower colour.
REVIEW = (*VERIFY, *MEDICAL)
# Replacing CDC's surveillance decision at the commune's verification (R-H1).
OVERRIDE_SURVEILLANCE = (Task.CDC, Task.LEADER)
TEST_ENTRY = (Task.CDC, Task.HEALTH_STATION, Task.CHECKPOINT, Task.FACILITY)
TEST_VIEW = (*TEST_ENTRY, Task.LEADER)

SECTIONS = (
    Section(
        "prevention",
        _("Epidemic prevention (new phase)"),
        (
            Entry(_("Scan QR"), "declarations:scan", tuple(STAFF)),
            Entry(_("Update arrivals in the locality"), "declarations:new", ENTRY),
            Entry(_("Update arrivals from checkpoints"), "declarations:new-checkpoint", ENTRY),
            Entry(_("Import paper forms"), "declarations:import", ENTRY),
            Entry(_("Arrival declarations"), "declarations:list", tuple(STAFF)),
            Entry(
                _("Verify arrivals in the locality"),
                "verification:queue",
                VERIFY,
                count="vigil.verification.worklists.pending_count",
            ),
            Entry(_("Verify students returning to study"), "verification:students", STUDENTS),
            Entry(_("Verify medical visits"), "verification:medical", VERIFY),
            Entry(_("Failed verifications"), "verification:failed", VERIFY),
            Entry(
                _("Verify people taken into concentrated quarantine"),
                "verification:military",
                MILITARY,
                count="vigil.verification.military.count",
            ),
            Entry(
                _("Amended after verification"),
                "verification:amended",
                VERIFY,
                count="vigil.verification.worklists.amended_count",
            ),
            Entry(
                _("Approve registrations to return"),
                "verification:approvals",
                APPROVE,
                count="vigil.verification.registrations.pending_count",
            ),
            Entry(
                _("Medical verification"),
                "triage:queue",
                MEDICAL,
                count="vigil.verification.worklists.medical_count",
            ),
            Entry(_("Risk rules"), "triage:rules", tuple(STAFF)),
            Entry(_("Epidemic areas"), "triage:areas", tuple(STAFF)),
            Entry(
                _("To take in"),
                "quarantine:to-take-in",
                TAKE_IN,
                count="vigil.quarantine.worklists.count_to_take_in",
            ),
            Entry(_("Enter quarantine"), "quarantine:list", tuple(STAFF)),
            Entry(_("Quarantine facility board"), "quarantine:board", tuple(STAFF)),
            Entry(_("Test results"), "testing:list", TEST_VIEW),
            Entry(_("Import a lab sheet"), "testing:import", (Task.CDC,)),
            Entry(
                _("Positive, no case opened"),
                "testing:positive",
                MEDICAL,
                count="vigil.testing.worklist.count_positive_without_case",
            ),
            Entry(_("People registry"), "people:list", tuple(STAFF)),
        ),
    ),
    Section(
        "investigation",
        _("Epidemiological investigation"),
        (
            Entry(_("Screening tests"), "testing:list", TEST_VIEW),
            Entry(_("Quarantine facilities"), "quarantine:facilities", tuple(STAFF)),
        ),
    ),
    Section(
        "statistics",
        _("Statistics"),
        (
            Entry(_("Dashboard"), "reports:dashboard", tuple(STAFF)),
            Entry(_("Statistics of arrivals by area"), "reports:stats", tuple(STAFF)),
            Entry(_("Statistics by departure place"), "reports:stats-departure", tuple(STAFF)),
            Entry(_("Arrivals by flight"), "reports:stats-vehicles", tuple(STAFF)),
            Entry(_("Share of paper by commune"), "reports:stats-paper", tuple(STAFF)),
            Entry(_("Test statistics"), "testing:stats", TEST_VIEW),
            Entry(_("My exports"), "reports:exports", tuple(STAFF)),
        ),
    ),
    Section(
        "administration",
        _("Administration"),
        (
            Entry(_("Accounts"), "accounts:list", (Task.ADMIN,)),
            Entry(_("Account requests"), "accounts:requests", (Task.ADMIN, Task.LEADER)),
            Entry(_("Audit log"), "audit:list", (Task.ADMIN,)),
        ),
    ),
)


def worklists_for(user):
    """[(label, url, count), ...]: the worklists the user may open, counted."""
    out = []
    seen = set()
    for section in SECTIONS:
        for e in section.entries:
            if e.count and e.url_name not in seen and user.has_task(*e.tasks):
                seen.add(e.url_name)
                out.append((e.label, reverse(e.url_name), import_string(e.count)(user)))
    return out


def menu_for(user):
    """[(section, [(label, url), ...]), ...] for the sections the user may open."""
    out = []
    for section in SECTIONS:
        links = [(e.label, reverse(e.url_name)) for e in section.entries if user.has_task(*e.tasks)]
        if links:
            out.append((section, links))
    return out
