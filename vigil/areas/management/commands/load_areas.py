"""Load the administrative tree and the countries from vigil/areas/data.

Idempotent and quick when there is nothing to do, so that it can run on every
start: if the tree and the countries are already there, row for row, it only
says so. Otherwise it inserts or updates everything in one transaction.
Units that have left the data file are kept (records may still point at them).
"""

import csv
import gzip
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from vigil.areas.countries import country_rows
from vigil.areas.models import AdminUnit, Country, Level
from vigil.core.text import fold

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
UNIT_FIELDS = ["level", "name", "short_name", "division_type", "parent", "path", "search_key"]


def read_units(tree):
    with gzip.open(DATA_DIR / f"units-{tree}.csv.gz", "rt", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def read_countries():
    """{code: (name, name_en, sort_order, sort_order_en)}: the codes from the
    data file, the names and their order from CLDR."""
    with open(DATA_DIR / "countries.csv", encoding="utf-8", newline="") as f:
        return country_rows([row["code"] for row in csv.DictReader(f)])


def stored_countries():
    fields = ("code", "name", "name_en", "sort_order", "sort_order_en")
    return {code: tuple(rest) for code, *rest in Country.objects.values_list(*fields)}


class Command(BaseCommand):
    help = _("Load the administrative units of one tree and the countries into the database.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--tree",
            choices=[AdminUnit.TREE_PRE2025, AdminUnit.TREE_CURRENT],
            default=settings.VIGIL_AREA_TREE,
            help=_("Which tree to load (default: the VIGIL_AREA_TREE setting)."),
        )

    def handle(self, *args, tree, **options):
        units, countries = read_units(tree), read_countries()
        loaded = AdminUnit.objects.filter(tree=tree, level__lte=Level.COMMUNE).count()
        load_units, load_countries = loaded != len(units), stored_countries() != countries
        if not (load_units or load_countries):
            self.stdout.write(
                _("Areas already loaded (%(tree)s: %(units)d units, %(countries)d countries).")
                % {"tree": tree, "units": loaded, "countries": len(countries)}
            )
            return
        with transaction.atomic():
            if load_units:
                self.load_units(tree, units)
            if load_countries:
                self.load_countries(countries)
        self.stdout.write(
            _("Loaded %(tree)s: %(units)d units, %(countries)d countries.")
            % {"tree": tree, "units": len(units), "countries": len(countries)}
        )

    def load_units(self, tree, rows):
        # One upsert per level, top down, so that each level finds its parents' ids.
        by_code = {}  # code -> (id, path) of the units loaded so far
        for level in (Level.PROVINCE, Level.DISTRICT, Level.COMMUNE):
            batch = []
            for row in rows:
                if int(row["level"]) != level:
                    continue
                parent = by_code[row["parent_code"]] if row["parent_code"] else None
                batch.append(
                    AdminUnit(
                        tree=tree,
                        level=level,
                        code=row["code"],
                        name=row["name"],
                        short_name=row["short_name"],
                        division_type=row["division_type"],
                        parent_id=parent[0] if parent else None,
                        path=(parent[1] if parent else "") + row["code"] + "/",
                        search_key=fold(row["name"]),  # bulk_create skips save()
                    )
                )
            AdminUnit.objects.bulk_create(
                batch,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["tree", "code"],
                update_fields=UNIT_FIELDS,
            )
            by_code.update(
                (code, (pk, path))
                for pk, code, path in AdminUnit.objects.filter(tree=tree, level=level).values_list(
                    "pk", "code", "path"
                )
            )
        self.repath_villages(tree)

    def repath_villages(self, tree):
        """Keep imported villages under their commune if a commune's path changed."""
        moved = []
        villages = AdminUnit.objects.filter(tree=tree, level=Level.VILLAGE).select_related("parent")
        for village in villages:
            path = village.parent.path + village.code + "/"
            if village.path != path:
                village.path = path
                moved.append(village)
        AdminUnit.objects.bulk_update(moved, ["path"], batch_size=500)

    def load_countries(self, rows):
        """Rename the countries there are (a Babel upgrade changes CLDR names)
        and add the missing ones; countries that left the file are kept."""
        fields = ["name", "name_en", "sort_order", "sort_order_en"]
        countries = [Country(code, *values) for code, values in rows.items()]
        existing = set(Country.objects.filter(code__in=rows).values_list("code", flat=True))
        Country.objects.bulk_update([c for c in countries if c.code in existing], fields)
        Country.objects.bulk_create([c for c in countries if c.code not in existing])
