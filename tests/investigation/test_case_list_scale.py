"""The case list at scale: counts exact up to a cap and "10.000+" beyond,
never disagreeing with the list; the keyword finds codes, ID numbers and
names through their own indexes."""

import datetime

from django.test import override_settings

from vigil.core.paging import capped_count
from vigil.investigation.models import Case, CaseKind

DAY = datetime.date(2021, 7, 1)


@override_settings(VIGIL_LIST_COUNT_CAP=3)
def test_the_count_is_capped_and_says_so(client, cdc, make_case):
    for _n in range(5):
        make_case()
    client.force_login(cdc)
    page = client.get("/investigation/cases/").content.decode()
    assert 'data-n="3" data-capped="true"' in page and "3+" in page
    api = client.get("/api/v1/investigation/cases").json()
    assert (api["total"], api["capped"]) == (3, True)
    assert capped_count(Case.objects.all()) == (3, True)


@override_settings(VIGIL_LIST_COUNT_CAP=3)
def test_below_the_cap_the_count_is_exact_and_matches_the_rows(client, cdc, make_case):
    f0 = make_case(CaseKind.CONFIRMED)
    make_case(sources=[(f0, DAY)])
    for _n in range(4):
        make_case()
    client.force_login(cdc)
    page = client.get("/investigation/cases/", {"level": "1"}).content.decode()
    assert 'data-n="1"' in page and "data-capped" not in page
    assert page.count('class="case-row"') == 1
    api = client.get("/api/v1/investigation/cases", {"level": "1"}).json()
    assert (api["total"], api["capped"], len(api["items"])) == (1, False, 1)


def test_the_keyword_finds_codes_in_any_case_id_numbers_and_names(client, cdc, make_case):
    f0 = make_case(CaseKind.CONFIRMED, code="bn1981")
    other = make_case(CaseKind.CONFIRMED, code="BN2000")
    assert Case.objects.get(pk=f0.pk).code == "BN1981"
    client.force_login(cdc)

    def found(q):
        api = client.get("/api/v1/investigation/cases", {"q": q}).json()
        return {c["id"] for c in api["items"]}

    assert found("bn19") == {f0.pk}
    assert found("BN") == {f0.pk, other.pk}
    assert found(f0.person.id_number) == {f0.pk}
    assert found("nguoi so") == {f0.pk, other.pk}
    assert found(other.person.full_name) == {other.pk}
    assert found("zzz") == set()
