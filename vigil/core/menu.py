"""The module menu of the home page (the seed's "Phòng chống dịch giai đoạn mới",
"Điều tra dịch tễ", "Thống kê" ...), filtered by the account's capabilities
(`vigil.core.permissions`): each entry names the capability of its page.

Each module adds its screens here as it lands; a section with no screen the
account may open is not shown at all.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from . import permissions as p
from .permissions import may


@dataclass(frozen=True)
class Entry:
    label: str
    url_name: str
    # The capability of the permission registry that opens the screen.
    capability: str
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


SECTIONS = (
    Section(
        "prevention",
        _("Epidemic prevention (new phase)"),
        (
            Entry(_("Scan QR"), "declarations:scan", p.SCAN_QR),
            Entry(_("Update arrivals in the locality"), "declarations:new", p.ENTER_DECLARATION),
            Entry(
                _("Update arrivals from checkpoints"),
                "declarations:new-checkpoint",
                p.ENTER_DECLARATION,
            ),
            Entry(_("Import paper forms"), "declarations:import", p.ENTER_DECLARATION),
            Entry(_("Arrival declarations"), "declarations:list", p.READ_DECLARATIONS),
            Entry(
                _("Verify arrivals in the locality"),
                "verification:queue",
                p.VERIFY,
                count="vigil.verification.worklists.pending_count",
            ),
            Entry(
                _("Verify students returning to study"), "verification:students", p.VERIFY_STUDENTS
            ),
            Entry(_("Verify medical visits"), "verification:medical", p.VERIFY),
            Entry(_("Failed verifications"), "verification:failed", p.VERIFY),
            Entry(
                _("Verify people taken into concentrated quarantine"),
                "verification:military",
                p.VERIFY_QUARANTINED,
                count="vigil.verification.military.count",
            ),
            Entry(
                _("Amended after verification"),
                "verification:amended",
                p.VERIFY,
                count="vigil.verification.worklists.amended_count",
            ),
            Entry(
                _("Approve registrations to return"),
                "verification:approvals",
                p.APPROVE_REGISTRATION,
                count="vigil.verification.registrations.pending_count",
            ),
            Entry(
                _("Medical verification"),
                "triage:queue",
                p.TRIAGE,
                count="vigil.verification.worklists.medical_count",
            ),
            Entry(_("Risk rules"), "triage:rules", p.READ_RULES),
            Entry(_("Epidemic areas"), "triage:areas", p.READ_RULES),
            Entry(
                _("To take in"),
                "quarantine:to-take-in",
                p.FOLLOW_TAKE_IN,
                count="vigil.quarantine.worklists.count_to_take_in",
            ),
            Entry(_("Enter quarantine"), "quarantine:list", p.READ_QUARANTINE),
            Entry(_("Quarantine facility board"), "quarantine:board", p.READ_QUARANTINE),
            Entry(_("Test results"), "testing:list", p.READ_TESTS),
            Entry(_("Import a lab sheet"), "testing:import", p.IMPORT_TESTS),
            Entry(
                _("Positive, no case opened"),
                "testing:positive",
                p.HANDLE_POSITIVES,
                count="vigil.testing.worklist.count_positive_without_case",
            ),
            Entry(_("People registry"), "people:list", p.READ_PEOPLE),
        ),
    ),
    Section(
        "investigation",
        _("Epidemiological investigation"),
        (
            Entry(_("Case tracing"), "investigation:cases", p.READ_CASES),
            Entry(
                _("Reclassified people"),
                "investigation:reclassified",
                p.READ_CASES,
                count="vigil.investigation.worklists.count_reclassified",
            ),
            Entry(_("Chain checks"), "investigation:checks", p.READ_CASES),
            Entry(_("Screening tests"), "testing:list", p.READ_TESTS),
            Entry(
                _("Medical monitoring"),
                "investigation:monitoring",
                p.READ_MONITORING,
                count="vigil.investigation.monitoring.count_due",
            ),
            Entry(_("Quarantine facilities"), "quarantine:facilities", p.READ_QUARANTINE),
            Entry(_("Outbreaks"), "investigation:outbreaks", p.READ_CASES),
            Entry(_("Outbreak map"), "investigation:map", p.READ_CASES),
            Entry(_("Investigation statistics"), "investigation:stats", p.READ_CASES),
        ),
    ),
    Section(
        "lodging",
        _("Accommodation"),
        (
            Entry(_("Check in a guest"), "lodging:check-in", p.CHECK_IN_GUESTS),
            Entry(_("Group check-in"), "lodging:group-check-in", p.CHECK_IN_GUESTS),
            Entry(_("Guest register"), "lodging:guests", p.READ_GUESTS),
            Entry(_("Import a paper guest register"), "lodging:import", p.IMPORT_GUESTS),
            Entry(
                _("Guests without a declaration"),
                "lodging:police",
                p.POLICE_VIEW,
                count="vigil.lodging.police.count_undeclared",
            ),
            Entry(
                _("Accommodation establishments"), "lodging:establishments", p.READ_ESTABLISHMENTS
            ),
            Entry(_("Guest statistics"), "lodging:stats", p.READ_STATISTICS),
        ),
    ),
    Section(
        "statistics",
        _("Statistics"),
        (
            Entry(_("Dashboard"), "reports:dashboard", p.READ_STATISTICS),
            Entry(_("Statistics of arrivals by area"), "reports:stats", p.READ_STATISTICS),
            Entry(_("Statistics by departure place"), "reports:stats-departure", p.READ_STATISTICS),
            Entry(_("Arrivals by flight"), "reports:stats-vehicles", p.READ_STATISTICS),
            Entry(_("Share of paper by commune"), "reports:stats-paper", p.READ_STATISTICS),
            Entry(_("Test statistics"), "testing:stats", p.READ_TESTS),
            Entry(_("My exports"), "reports:exports", p.EXPORT),
        ),
    ),
    Section(
        "administration",
        _("Administration"),
        (
            Entry(_("Accounts"), "accounts:list", p.MANAGE_ACCOUNTS),
            Entry(_("Account requests"), "accounts:requests", p.REVIEW_ACCOUNT_REQUESTS),
            Entry(_("Audit log"), "audit:list", p.READ_AUDIT),
        ),
    ),
    Section("guide", _("Guide"), (Entry(_("User guide"), "core:guide", p.OWN_ACCOUNT),)),
)


def worklists_for(user):
    """[(label, url, count), ...]: the worklists the user may open, counted."""
    out = []
    seen = set()
    for section in SECTIONS:
        for e in section.entries:
            if e.count and e.url_name not in seen and may(user, e.capability):
                seen.add(e.url_name)
                out.append((e.label, reverse(e.url_name), import_string(e.count)(user)))
    return out


def menu_for(user):
    """[(section, [(label, url), ...]), ...] for the sections the user may open.
    The guide's section also links straight to the chapters of the user's own
    task groups."""
    out = []
    for section in SECTIONS:
        links = [(e.label, reverse(e.url_name)) for e in section.entries if may(user, e.capability)]
        if links and section.key == "guide":
            links += _own_chapters(user)
        if links:
            out.append((section, links))
    return out


def _own_chapters(user):
    from .help import pages_for  # the guide's module reads Markdown: loaded when needed

    own, _others = pages_for(user)
    return [(page.title, reverse(f"core:guide-{page.slug}")) for page in own if page.tasks]
