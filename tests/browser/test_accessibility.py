"""Accessibility of the main pages (issue #16): axe-core, vendored from npm
(tests/browser/vendor/axe-core/VERSIONS), runs in Chromium on every main page,
on a 390×844 phone and a 1366×900 desktop, and no page may have a violation of
impact "serious" or "critical".

One live server with the demo data (`seed_demo`, 300 people) so that the lists
and detail pages render real rows. The staff pages are read by one account of
the demo commune that holds the quarantine facility, holding the task groups
that open every page checked here; its session is shared by both viewports.
The citizens' pages are walked through the real phone-and-code flow.

axe is injected as a script file: Vigil's Content-Security-Policy forbids
inline and foreign scripts, so these contexts (and only these) bypass the CSP.
"""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations.models import Declaration
from vigil.declarations.sms import FileBackend
from vigil.investigation.models import Case
from vigil.quarantine import services as quarantine
from vigil.quarantine.models import Facility, Stay

from ..conftest import PASSWORD
from .conftest import ARTIFACTS, DESKTOP, PHONE, log_in
from .test_citizen_flow import fill_declaration

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}

RUN_AXE = r"""async (blocking) => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations
        .filter((v) => blocking.includes(v.impact))
        .map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            targets: v.nodes.map((n) => n.target.join(" ")),
            // Why the first element fails (e.g. the colours and their ratio).
            summary: (v.nodes[0].failureSummary || "").replace(/\s+/g, " ").trim(),
        }));
}"""

# The staff pages, by a label for the failure message: (path, expected status).
STAFF_PAGES = [
    ("home", "/", 200),
    ("declaration list", "/declarations/", 200),
    ("declaration detail", "/declarations/{declaration}/", 200),
    ("staff entry form", "/declarations/new/", 200),
    ("verification queue", "/verification/", 200),
    ("triage queue", "/triage/", 200),
    ("testing list", "/tests/", 200),
    ("quarantine list", "/quarantine/", 200),
    ("quarantine board", "/quarantine/board/", 200),
    ("facility list", "/quarantine/facilities/", 200),
    ("investigation cases", "/investigation/cases/", 200),
    ("dashboard", "/reports/dashboard/", 200),
    ("statistics table", "/reports/stats/", 200),
    ("people registry", "/people/", 200),
    ("account list", "/accounts/", 200),
    ("audit log", "/audit/", 200),
    ("user guide index", "/huong-dan/", 200),
    ("user guide page", "/huong-dan/xac-minh/", 200),
    # Guests are checked in by establishments only: the account gets a 403.
    ("403 page", "/lodging/check-in/", 403),
    ("404 page", "/declarations/999999999/", 404),
    ("receipt (staff)", "/khai-bao/d/{code}/", 200),
    # Beyond the main pages: the other screens of the same account.
    ("QR scanner", "/declarations/scan/", 200),
    ("registrations to approve", "/verification/approvals/", 200),
    ("people to take in", "/quarantine/to-take-in/", 200),
    ("quarantine intake", "/quarantine/intake/", 200),
    ("facility detail", "/quarantine/facilities/{facility}/", 200),
    ("stay detail", "/quarantine/stays/{stay}/", 200),
    ("person detail", "/people/{person}/", 200),
    ("case detail", "/investigation/cases/{case}/", 200),
    ("outbreaks", "/investigation/outbreaks/", 200),
    ("monitoring", "/investigation/monitoring/", 200),
    ("case map", "/investigation/map/", 200),
    ("risk rules", "/triage/rules/", 200),
    ("positive tests", "/tests/positive/", 200),
    ("people statistics", "/reports/stats/people/", 200),
    ("exports", "/reports/exports/", 200),
    ("establishments", "/lodging/establishments/", 200),
    ("guest register", "/lodging/guests/", 200),
    ("police watch", "/lodging/police/", 200),
    ("account requests", "/accounts/requests/", 200),
    ("new account", "/accounts/new/", 200),
    ("password change", "/accounts/password/", 200),
    ("two-step verification", "/accounts/2fa/", 200),
    ("API tokens", "/accounts/tokens/", 200),
]


class Audit:
    """Runs axe on pages and collects the blocking violations."""

    def __init__(self):
        self.failures = []
        self.pages = 0

    def check(self, page, label, viewport):
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(AXE))
        self.pages += 1
        for v in page.evaluate(RUN_AXE, list(BLOCKING)):
            targets = "; ".join(v["targets"][:8])
            more = f" (+{len(v['targets']) - 8} more)" if len(v["targets"]) > 8 else ""
            self.failures.append(
                f"[{viewport}] {label} ({page.url}): {v['id']} ({v['impact']}) "
                f"{v['help']} -> {targets}{more} | first: {v['summary']}"
            )

    def visit(self, page, site, label, path, status, viewport):
        response = page.goto(site + path)
        assert response.status == status, f"{label}: {path} answered {response.status}"
        self.check(page, label, viewport)


@pytest.fixture
def outbox(settings, tmp_path):
    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "sms-outbox.jsonl")
    return FileBackend()


@pytest.fixture
def demo_site(site):
    call_command("seed_demo", people=300, verbosity=0)
    return site


def new_context(chromium, viewport, **extra):
    options = {"viewport": VIEWPORTS[viewport], "bypass_csp": True, **extra}
    if viewport == "phone":
        options.update(device_scale_factor=1, is_mobile=True, has_touch=True)
    context = chromium.new_context(**options)
    context.set_default_timeout(20_000)
    return context


def citizen_pages(audit, chromium, site, outbox, places, viewport, phone):
    """The citizens' flow: phone, code, their declarations, the form (empty
    and refused), the receipt."""
    context = new_context(chromium, viewport)
    page = context.new_page()
    audit.visit(page, site, "citizen start", "/khai-bao/", 200, viewport)
    page.fill("#id_phone", phone)
    page.click("#send-code")
    page.wait_for_url(f"{site}/khai-bao/code/")
    audit.check(page, "citizen code", viewport)
    text = outbox.messages(phone)[-1]["text"]
    page.fill("#id_code", re.search(r"\b(\d{6})\b", text).group(1))
    page.click("#verify-code")
    page.wait_for_url(f"{site}/khai-bao/mine/")
    audit.check(page, "citizen declarations", viewport)
    audit.visit(page, site, "citizen form", "/khai-bao/new/", 200, viewport)
    page.click("#submit-declaration")  # empty: every required field refused
    page.wait_for_selector(".invalid-feedback, .errorlist, [aria-invalid=true]")
    audit.check(page, "citizen form with errors", viewport)
    fill_declaration(page, places, "Hoàng Thị Truy Cập", f"0460900{phone[-5:]}")
    page.click("#submit-declaration")
    page.wait_for_url(re.compile(re.escape(site) + r"/khai-bao/d/\w+/$"))
    audit.check(page, "citizen receipt", viewport)
    context.close()


def login_pages(audit, chromium, site, viewport):
    """The login page, empty and after a wrong password."""
    context = new_context(chromium, viewport)
    page = context.new_page()
    audit.visit(page, site, "login", "/accounts/login/", 200, viewport)
    page.fill("#id_username", "a11y.staff")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    page.wait_for_selector(".alert-danger")
    audit.check(page, "login refused", viewport)
    context.close()


def staff_states(audit, page, site, viewport):
    """States that a bare visit does not show: the open menu, a refused form."""
    page.goto(f"{site}/")
    if viewport == "phone":
        page.click(".navbar-toggler")
        page.wait_for_selector("#nav.show")
    page.click("#nav .dropdown-toggle >> nth=0")
    page.wait_for_selector("#nav .dropdown-menu.show")
    audit.check(page, "home with the menu open", viewport)
    # A filtered list: the active filters as chips; on a phone, the panel opened.
    page.goto(f"{site}/declarations/?channel=web")
    toggle = page.locator("#filter-toggle")
    if toggle.is_visible():
        toggle.click()
        page.wait_for_selector("#filter-panel.show")
    audit.check(page, "filtered declaration list", viewport)
    page.goto(f"{site}/declarations/new/?q=khong-co-ai")
    page.click("#enter-new")
    page.wait_for_selector("#entry-form")
    page.click("#save")  # empty: every required field refused
    page.wait_for_selector("#entry-form .invalid-feedback")
    audit.check(page, "staff entry form with errors", viewport)


def test_main_pages_have_no_serious_or_critical_violations(
    demo_site,
    chromium,
    make_user,
    places,
    outbox,
):
    site = demo_site
    assert AXE.is_file(), f"axe-core is missing at {AXE}"
    commune = Facility.objects.get().area
    make_user("a11y.staff", commune, tasks=[Task.ADMIN, Task.CDC, Task.HEALTH_STATION])
    declaration = Declaration.objects.filter(area=commune).order_by("pk").first()
    stay = Stay.objects.filter(facility__area=commune).order_by("pk").first()
    if stay is None:
        # A small demo may flag nobody red or orange on some days: take one in.
        facility = Facility.objects.get()
        quarantine.take_in(
            None,
            person=declaration.person,
            facility=facility,
            start_date=timezone.localdate(),
            bed=quarantine.free_beds(facility).order_by("pk").first(),
            declaration=declaration,
        )
        stay = Stay.objects.get(facility=facility)
    case = Case.objects.filter(area_path__startswith=commune.path).order_by("pk").first()
    values = {
        "declaration": declaration.pk,
        "code": declaration.code,
        "facility": stay.facility_id,
        "stay": stay.pk,
        "person": declaration.person_id,
        "case": case.pk,
    }
    audit = Audit()

    # One login, its session shared by both viewports.
    context = new_context(chromium, "desktop")
    page = context.new_page()
    log_in(page, site, "a11y.staff", PASSWORD)
    session = context.storage_state()
    context.close()

    for n, viewport in enumerate(VIEWPORTS):
        login_pages(audit, chromium, site, viewport)
        citizen_pages(audit, chromium, site, outbox, places, viewport, f"090577700{n}")
        context = new_context(chromium, viewport, storage_state=session)
        page = context.new_page()
        for label, path, status in STAFF_PAGES:
            audit.visit(page, site, label, path.format(**values), status, viewport)
        staff_states(audit, page, site, viewport)
        context.close()

    # Every page was checked: 2 login, 6 citizen, the staff pages and 3 states.
    assert audit.pages == 2 * (2 + 6 + len(STAFF_PAGES) + 3)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "accessibility.txt").write_text("\n".join(audit.failures) + "\n")
    assert not audit.failures, (
        f"{len(audit.failures)} serious or critical accessibility violations:\n"
        + "\n".join(audit.failures)
    )
