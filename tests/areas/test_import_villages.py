"""manage.py import_villages: thôn and tổ dân phố under a commune."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test.utils import override_settings
from django.utils import translation

from vigil.areas.models import AdminUnit, Level

pytestmark = pytest.mark.django_db

PHU_NHUAN = "19789"  # Phường Phú Nhuận, Thành phố Huế (pre-2025 tree)


@pytest.fixture
def phu_nhuan():
    with override_settings(VIGIL_AREA_TREE="pre2025"):
        call_command("load_areas", tree="pre2025", verbosity=0)
        yield AdminUnit.objects.get(tree="pre2025", code=PHU_NHUAN)


def write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "villages.csv"
    path.write_text(text, encoding=encoding)
    return str(path)


def run(commune_code, path):
    out = StringIO()
    with translation.override("en"):
        call_command("import_villages", commune_code, path, stdout=out)
    return out.getvalue()


def villages(commune):
    return AdminUnit.objects.filter(tree=commune.tree, parent=commune, level=Level.VILLAGE)


def test_it_imports_villages_under_a_commune(phu_nhuan, tmp_path):
    path = write(
        tmp_path,
        "code,name\n3,Tổ dân phố 3\nQL,Thôn Quy Lai\n7,Khu tập thể Đồng Đa\n",
        encoding="utf-8-sig",
    )

    out = run(PHU_NHUAN, path)

    assert "3 villages added" in out
    tdp = AdminUnit.objects.get(tree="pre2025", code="19789-3")
    assert tdp.level == Level.VILLAGE
    assert tdp.parent == phu_nhuan
    assert tdp.path == "46/474/19789/19789-3/"
    assert tdp.name == "Tổ dân phố 3"
    assert tdp.division_type == "tổ dân phố"
    assert tdp.search_key == "to dan pho 3"
    quy_lai = AdminUnit.objects.get(tree="pre2025", code="19789-QL")
    assert (quy_lai.division_type, quy_lai.short_name) == ("thôn", "Quy Lai")
    assert AdminUnit.objects.get(tree="pre2025", code="19789-7").division_type == ""
    assert villages(phu_nhuan).count() == 3
    assert AdminUnit.objects.under(phu_nhuan).filter(level=Level.VILLAGE).count() == 3


def test_reimporting_updates_the_names_of_existing_codes(phu_nhuan, tmp_path):
    run(PHU_NHUAN, write(tmp_path, "code,name\n1,Thôn Một\n2,Thôn Hai\n"))

    out = run(PHU_NHUAN, write(tmp_path, "code,name\n1,Tổ dân phố 1\n2,Thôn Hai\n3,Thôn Ba\n"))

    assert "1 villages added, 1 updated, 1 unchanged" in out
    renamed = AdminUnit.objects.get(tree="pre2025", code="19789-1")
    assert (renamed.name, renamed.division_type, renamed.search_key) == (
        "Tổ dân phố 1",
        "tổ dân phố",
        "to dan pho 1",
    )
    assert villages(phu_nhuan).count() == 3


@pytest.mark.parametrize(
    "text, line, reason",
    [
        ("code,name\n1,Thôn Một\n,Thôn Hai\n", 3, "empty code"),
        ("code,name\n1,Thôn Một\n2,  \n", 3, "empty name"),
        ("code,name\n1,Thôn Một\n2,Thôn Hai\n1,Thôn Ba\n", 4, "duplicate code '1'"),
        ("code,name\n1,Thôn Một\n2,Thôn Hai,extra\n", 3, "expected 2 columns"),
        ("code,name\n1,Thôn Một\n2\n", 3, "expected 2 columns"),
        ("code,name\n1,Thôn Một\n\n\n2/3,Thôn Hai\n", 5, "invalid code"),
        ("1,Thôn Một\n2,Thôn Hai\n", 1, "missing header"),
        ("", 1, "missing header"),
    ],
)
def test_it_reports_the_line_of_a_malformed_village_row_and_imports_nothing(
    phu_nhuan, tmp_path, text, line, reason
):
    run(PHU_NHUAN, write(tmp_path, "code,name\n9,Thôn Chín\n"))
    path = write(tmp_path, text)

    with pytest.raises(CommandError) as error, translation.override("en"):
        call_command("import_villages", PHU_NHUAN, path)

    assert f"Line {line}: " in str(error.value)
    assert reason in str(error.value)
    assert list(villages(phu_nhuan).values_list("code", "name")) == [("19789-9", "Thôn Chín")]


def test_it_reports_every_bad_line_at_once(phu_nhuan, tmp_path):
    path = write(tmp_path, "code,name\n,A\n2,\n3,C\n")

    with pytest.raises(CommandError) as error, translation.override("en"):
        call_command("import_villages", PHU_NHUAN, path)

    assert "Line 2: empty code" in str(error.value)
    assert "Line 3: empty name" in str(error.value)
    assert not villages(phu_nhuan).exists()


def test_it_rejects_an_unknown_commune_code(phu_nhuan, tmp_path):
    path = write(tmp_path, "code,name\n1,Thôn Một\n")

    with (
        pytest.raises(CommandError, match="Unknown commune code '99999'"),
        translation.override("en"),
    ):
        call_command("import_villages", "99999", path)

    assert not AdminUnit.objects.filter(level=Level.VILLAGE).exists()


def test_it_rejects_a_code_that_is_not_a_commune(phu_nhuan, tmp_path):
    path = write(tmp_path, "code,name\n1,Thôn Một\n")

    with pytest.raises(CommandError, match="not a commune"), translation.override("en"):
        call_command("import_villages", "474", path)  # Thành phố Huế, a district

    assert not AdminUnit.objects.filter(level=Level.VILLAGE).exists()


def test_it_only_looks_in_the_active_tree(phu_nhuan, tmp_path):
    path = write(tmp_path, "code,name\n1,Thôn Một\n")
    assert settings.VIGIL_AREA_TREE == "pre2025"

    with (
        override_settings(VIGIL_AREA_TREE="current"),
        translation.override("en"),
        pytest.raises(CommandError, match="Unknown commune code '19789'"),
    ):
        call_command("import_villages", PHU_NHUAN, path)
