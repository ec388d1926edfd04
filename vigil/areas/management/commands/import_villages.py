"""Import the villages / residential groups (thôn, tổ dân phố) of one commune.

    manage.py import_villages 19789 villages.csv

The CSV is UTF-8 (a BOM is allowed) with the header ``code,name``; ``code`` is
the village's local code, unique within the commune. Every line is checked
before anything is written; then all rows are written in one transaction.
Re-importing updates the names of codes already there; villages missing from
the file are left alone.
"""

import csv
import re
import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.text import fold

HEADER = ["code", "name"]
LOCAL_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,19}$")
NAME_MAX = AdminUnit._meta.get_field("name").max_length
DIVISION_TYPES = ["tổ dân phố", "thôn"]  # recognised name prefixes
MAX_ERRORS = 20
UPDATED_FIELDS = ["name", "short_name", "division_type", "search_key", "path"]


def division_type(name):
    """'Thôn Quy Lai' -> 'thôn', 'Tổ dân phố 3' -> 'tổ dân phố', anything else -> ''."""
    lowered = name.lower()
    return next((t for t in DIVISION_TYPES if lowered.startswith(t + " ")), "")


def short_name(name, kind):
    """'Thôn Quy Lai' -> 'Quy Lai'; numbered groups keep their prefix ('Tổ dân phố 3')."""
    rest = name[len(kind) :].strip() if kind else name
    return name if rest.isdigit() else rest


def parse(path):
    """Return [(line, local_code, name)], or raise CommandError listing every bad line."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            lines = list(enumerate_rows(csv.reader(f)))
    except FileNotFoundError:
        raise CommandError(_("File not found: %(path)s") % {"path": path}) from None
    except UnicodeDecodeError:
        raise CommandError(_("%(path)s is not a UTF-8 text file.") % {"path": path}) from None
    except csv.Error as exc:
        message = _("%(path)s is not a valid CSV file: %(error)s")
        raise CommandError(message % {"path": path, "error": exc}) from None

    if not lines or [c.strip().lower() for c in lines[0][1]] != HEADER:
        line = lines[0][0] if lines else 1
        raise CommandError(
            _("Line %(line)d: missing header 'code,name': nothing was imported.") % {"line": line}
        )
    errors, rows, seen = [], [], {}
    for line, cells in lines[1:]:
        error = check(cells, seen)
        if error:
            errors.append(_("Line %(line)d: %(reason)s") % {"line": line, "reason": error})
        else:
            code, name = (c.strip() for c in cells)
            seen[code] = line
            rows.append((line, code, unicodedata.normalize("NFC", name)))
    if errors:
        shown = errors[:MAX_ERRORS]
        if len(errors) > MAX_ERRORS:
            shown.append(_("... and %(count)d more.") % {"count": len(errors) - MAX_ERRORS})
        raise CommandError(_("Nothing was imported.") + "\n" + "\n".join(shown))
    if not rows:
        raise CommandError(_("The file has no villages: nothing was imported."))
    return rows


def enumerate_rows(reader):
    """(line number where the row starts, cells), skipping blank lines."""
    start = 1
    for cells in reader:
        if any(c.strip() for c in cells):
            yield start, cells
        start = reader.line_num + 1


def check(cells, seen):
    """The reason a data row is bad, or None."""
    if len(cells) != len(HEADER):
        return _("expected 2 columns (code,name), found %(count)d.") % {"count": len(cells)}
    code, name = (c.strip() for c in cells)
    if not code:
        return _("empty code.")
    if not name:
        return _("empty name.")
    if not LOCAL_CODE.match(code):
        return _("invalid code '%(code)s' (letters, digits, '.', '_' or '-', at most 20).") % {
            "code": code
        }
    if len(name) > NAME_MAX:
        return _("name longer than %(max)d characters.") % {"max": NAME_MAX}
    if code in seen:
        return _("duplicate code '%(code)s' (first on line %(first)d).") % {
            "code": code,
            "first": seen[code],
        }
    return None


class Command(BaseCommand):
    help = _("Import the villages / residential groups of a commune from a CSV file (code,name).")

    def add_arguments(self, parser):
        parser.add_argument("commune_code", help=_("GSO code of the commune, e.g. 19789."))
        parser.add_argument("file", help=_("CSV file with the header code,name."))

    def handle(self, *args, commune_code, file, **options):
        commune = self.get_commune(commune_code)
        rows = parse(file)
        villages = AdminUnit.objects.filter(tree=commune.tree, parent=commune, level=Level.VILLAGE)
        existing = {u.code: u for u in villages}
        new, changed = [], []
        for _line, local_code, name in rows:
            code = f"{commune.code}-{local_code}"
            kind = division_type(name)
            fields = {
                "name": name,
                "short_name": short_name(name, kind),
                "division_type": kind,
                "search_key": fold(name),  # bulk writes skip save()
                "path": f"{commune.path}{code}/",
            }
            unit = existing.get(code)
            if unit is None:
                new.append(
                    AdminUnit(
                        tree=commune.tree, level=Level.VILLAGE, code=code, parent=commune, **fields
                    )
                )
            elif any(getattr(unit, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(unit, k, v)
                changed.append(unit)
        with transaction.atomic():
            AdminUnit.objects.bulk_create(new, batch_size=500)
            AdminUnit.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=500)
        self.stdout.write(
            _("%(commune)s: %(new)d villages added, %(changed)d updated, %(same)d unchanged.")
            % {
                "commune": commune.full_name(),
                "new": len(new),
                "changed": len(changed),
                "same": len(rows) - len(new) - len(changed),
            }
        )

    def get_commune(self, code):
        unit = AdminUnit.objects.filter(tree=settings.VIGIL_AREA_TREE, code=code.strip()).first()
        if unit is None:
            raise CommandError(
                _("Unknown commune code '%(code)s' in the %(tree)s tree: nothing was imported.")
                % {"code": code, "tree": settings.VIGIL_AREA_TREE}
            )
        if unit.level != Level.COMMUNE:
            raise CommandError(
                _("'%(code)s' is %(name)s, not a commune: nothing was imported.")
                % {"code": code, "name": unit.name}
            )
        return unit
