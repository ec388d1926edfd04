"""Every page of the demo, as every demo account, answers without
a server error (issue #12: the stay and test-result pages of records entered by
`seed_demo`, which have no creator, answered 500).

The demo is loaded once for the module (inside a transaction rolled back at the
end); each task group's test then GETs every URL pattern, and every GET
operation of the API, with its parameters filled from one demo record each,
chosen in the demo commune that holds the quarantine facility so that the pages
render their records instead of answering 404.
"""

from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction

from vigil.accounts.models import AccountRequest, ApiToken, Task, User
from vigil.declarations.models import Declaration
from vigil.demo.accounts import demo_accounts, demo_units
from vigil.jobs.models import Job
from vigil.quarantine.models import Facility, Stay
from vigil.reports.services import KIND as EXPORT_KIND
from vigil.triage.models import RiskRule
from vigil.verification.models import Registration

from ..routes import ROUTES, api_operations, fill, params

# Every demo account (every task group at the province, the district and
# each demo commune) walks every page. The API's reads are walked by each task
# group's account of the commune holding the facility and its records, and by
# the province's accounts of the task groups that work at the province: they
# render the same code as the pages, and walking them for every account would
# double the time for little more.
PROVINCE_TASKS = (Task.ADMIN, Task.LEADER, Task.CDC)


def _walks_api(task, unit, facility_commune, province):
    return unit == facility_commune or (unit == province and task in PROVINCE_TASKS)


def _records(facility_commune):
    """One demo record for every URL parameter name, in the facility's commune."""
    # A stay entered by seed_demo (no creator) of a person of the commune.
    stays = Stay.objects.filter(created_by__isnull=True).order_by("pk")
    stay = stays.filter(person__area=facility_commune).first() or stays.first()
    declaration = stay.declaration or Declaration.objects.filter(person=stay.person).first()
    registration = Registration.objects.filter(area=facility_commune).order_by("pk").first()
    leader = User.objects.get(username__startswith="leader.", jurisdiction=facility_commune)
    request = AccountRequest.objects.create(
        requested_by=leader,
        full_name="Demo Yêu Cầu",
        phone="0905111222",
        task=Task.POLICE,
        jurisdiction=facility_commune,
    )
    token, _secret = ApiToken.issue(leader, "every page")
    rule = RiskRule.objects.order_by("pk").first() or RiskRule.objects.create(
        label="Every page", facts=["sym_fever"]
    )
    return {
        "user_id": leader.pk,
        "request_id": request.pk,
        "token_id": token.pk,
        "declaration_id": declaration.pk,
        "code": declaration.code,
        "person_id": stay.person_id,
        "stay_id": stay.pk,
        "facility_id": stay.facility_id,
        "registration_id": registration.pk,
        "registration_code": registration.code,
        "rule_id": rule.pk,
        **_investigation_records(facility_commune, leader),
        **_lodging_records(facility_commune),
    }


def _lodging_records(commune):
    """An establishment of the demo in the commune, one of its guests in house
    and a PMS key of it (the demo has none: one is added)."""
    from vigil.lodging.models import Establishment, GuestStay, PmsToken

    establishments = Establishment.objects.order_by("pk")
    establishment = establishments.filter(area=commune).first() or establishments.first()
    stays = GuestStay.objects.filter(establishment=establishment).order_by("pk")
    stay = stays.filter(check_out__isnull=True).first() or stays.first()
    key = PmsToken.objects.create(
        establishment=establishment, name="every page", prefix="everypg", key_hash="-"
    )
    return {
        "establishment_id": establishment.pk,
        "guest_stay_id": stay.pk,
        "pms_token_id": key.pk,
    }


def _investigation_records(commune, actor):
    """A case of the demo chain with itinerary rows, its outbreak, a
    monitoring period and an attachment (the demo has none: one is added)."""
    from django.core.files.base import ContentFile

    from vigil.investigation.models import Attachment, Case, MonitoringPeriod

    cases = Case.objects.filter(itinerary__isnull=False).distinct().order_by("pk")
    case = cases.filter(area_path__startswith=commune.path).first() or cases.first()
    attachment = Attachment(case=case, name="demo.pdf", content_type="application/pdf", size=8)
    attachment.file.save("demo.pdf", ContentFile(b"%PDF-1.4"), save=False)
    attachment.save()
    period = MonitoringPeriod.objects.filter(area_path__startswith=commune.path).order_by("pk")
    return {
        "case_id": case.pk,
        "entry_id": case.itinerary.order_by("pk").first().pk,
        "outbreak_id": case.outbreak_id,
        "period_id": (period.first() or MonitoringPeriod.objects.order_by("pk").first()).pk,
        "attachment_id": attachment.pk,
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data, loaded once and rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", people=300, verbosity=0)
        _province, _district, communes = demo_units()
        facility_commune = Facility.objects.get().area
        assert facility_commune in communes
        values = _records(facility_commune)
        assert Stay.objects.filter(created_by__isnull=True).exists()
        accounts = {task: [] for task in Task.values}
        for username, task, unit in demo_accounts():
            user = User.objects.get(username=username)
            # Jobs and exports are seen by the account that started them only.
            job = Job.objects.create(kind="reevaluate_risk", created_by=user, state="done")
            export = Job.objects.create(
                kind=EXPORT_KIND, created_by=user, title="x", state="done", path=__file__
            )
            accounts[task].append(
                SimpleNamespace(
                    user=user,
                    values={**values, "job_id": job.pk, "export_id": export.pk},
                    api=_walks_api(task, unit, facility_commune, _province),
                )
            )
        try:
            yield accounts
        finally:
            transaction.set_rollback(True)


def _fill(route, values):
    unknown = [name for name in params(route) if name not in values]
    assert not unknown, f"/{route}: name a demo record for {unknown} in _records()"
    return fill(route, values)


def _urls(values, api=True):
    pages = [_fill(r, values) for r in ROUTES if not r.startswith("api/")]
    if not api:
        return pages
    return pages + [_fill(route, values) for route, m in api_operations() if m == "get"]


def test_the_walk_covers_pages_and_api_reads():
    urls = _urls(dict.fromkeys({n for r in ROUTES for n in params(r)}, 1))
    assert len(urls) > 120


@pytest.mark.parametrize("task", Task.values)
def test_every_page_of_the_demo_answers_without_a_server_error(demo, db, client, task):
    failures = []
    assert len(demo[task]) >= 3  # the province's, the district's and the communes' accounts
    for account in demo[task]:
        client.force_login(account.user)
        for url in _urls(account.values, api=account.api):
            try:
                status = client.get(url).status_code
            except Exception as error:  # noqa: BLE001  (the client re-raises view errors)
                failures.append(f"{account.user.username} GET {url}: {error!r}")
                continue
            if status >= 500:
                failures.append(f"{account.user.username} GET {url}: {status}")
    assert not failures, "\n".join(failures)
