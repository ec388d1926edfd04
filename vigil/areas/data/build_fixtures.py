"""Regenerate the area and country data files in this folder.

Run by a developer, never at run time (the project reads only the files this
writes). It needs network access to the package index, nothing else:

    .venv/bin/python vigil/areas/data/build_fixtures.py

It downloads three wheels into a temporary folder with ``pip download`` (they
are read as zip files, never installed, so none of them becomes a dependency):

* vietnam-provinces 0.4.3: provinces, districts, communes before 1 July 2025;
* vietnam-provinces 2025.10.1: provinces and communes from 1 July 2025;
* pycountry: the ISO 3166-1 country codes (their names come from CLDR, see
  vigil/areas/countries.py).

See SOURCES.md for licences and row counts.
"""

import csv
import gzip
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PRE2025 = "vietnam-provinces==0.4.3"
CURRENT = "vietnam-provinces==2025.10.1"
PYCOUNTRY = "pycountry==26.2.16"
UNIT_COLUMNS = ["level", "code", "name", "short_name", "division_type", "parent_code"]
CODE_WIDTH = {1: 2, 2: 3, 3: 5}  # GSO codes: 2-digit province, 3-digit district, 5-digit commune

# The name prefix that goes with each division type ("Tỉnh Thừa Thiên Huế").
PREFIX = {
    "tỉnh": "tỉnh",
    "thành phố trung ương": "thành phố",
    "thành phố": "thành phố",
    "quận": "quận",
    "huyện": "huyện",
    "thị xã": "thị xã",
    "phường": "phường",
    "xã": "xã",
    "thị trấn": "thị trấn",
    "đặc khu": "đặc khu",
}


def download(spec, dest):
    subprocess.run(  # noqa: S603 (fixed arguments, developer tool)
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary",
            ":all:",
            "-d",
            str(dest),
            spec,
        ],
        check=True,
    )
    name, version = spec.split("==")
    (wheel,) = dest.glob(f"{name.replace('-', '_')}-{version}-*.whl")
    return zipfile.ZipFile(wheel)


def short_name(name, division_type):
    """'Tỉnh Thừa Thiên Huế' -> 'Thừa Thiên Huế'; numbered units keep their prefix ('Quận 1')."""
    prefix = PREFIX.get(division_type, "")
    if prefix and name.lower().startswith(prefix + " "):
        rest = name[len(prefix) + 1 :].strip()
        if rest and not rest.isdigit():
            return rest
    return name


def code(level, node):
    return str(node["code"]).zfill(CODE_WIDTH[level])


def unit_row(level, node, parent_code=""):
    name, kind = node["name"].strip(), node["division_type"]
    if level == 1 and kind == "tỉnh" and not name.lower().startswith("tỉnh "):
        name = "Tỉnh " + name  # the 2025 data drops the prefix of provinces only
    return [level, code(level, node), name, short_name(name, kind), kind, parent_code]


def pre2025_rows(wheel):
    rows = []
    for province in json.loads(wheel.read("vietnam_provinces/data/nested-divisions.json")):
        rows.append(unit_row(1, province))
        for district in province["districts"]:
            rows.append(unit_row(2, district, code(1, province)))
            for ward in district["wards"]:
                rows.append(unit_row(3, ward, code(2, district)))
    return rows


def current_rows(wheel):
    rows = []
    for province in json.loads(wheel.read("vietnam_provinces/data/nested-divisions.json")):
        rows.append(unit_row(1, province))
        for ward in province["wards"]:
            rows.append(unit_row(3, ward, code(1, province)))
    return rows


def country_rows(wheel):
    """The ISO 3166-1 codes, Vietnam first. Only the codes: `load_areas` names
    them from CLDR (Babel) in Vietnamese and English (vigil/areas/countries.py)."""
    countries = json.loads(wheel.read("pycountry/databases/iso3166-1.json"))["3166-1"]
    codes = sorted(c["alpha_2"] for c in countries)
    return [["VN"]] + [[code] for code in codes if code != "VN"]


def write_units(path, rows):
    codes = {r[1] for r in rows}
    assert len(codes) == len(rows), f"duplicate codes in {path.name}"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(UNIT_COLUMNS)
    writer.writerows(rows)
    # mtime=0 and no file name in the header: the same data gives the same bytes.
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(buf.getvalue().encode("utf-8"))


def write_countries(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["code"])
        writer.writerows(rows)


def count(rows, level):
    return sum(1 for r in rows if r[0] == level)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        pre = pre2025_rows(download(PRE2025, tmp))
        cur = current_rows(download(CURRENT, tmp))
        countries = country_rows(download(PYCOUNTRY, tmp))
    write_units(HERE / "units-pre2025.csv.gz", pre)
    write_units(HERE / "units-current.csv.gz", cur)
    write_countries(HERE / "countries.csv", countries)
    for label, rows in (("pre2025", pre), ("current", cur)):
        print(
            f"{label}: {count(rows, 1)} provinces, {count(rows, 2)} districts, "
            f"{count(rows, 3)} communes, {len(rows)} rows"
        )
    print(f"countries: {len(countries)} rows")


if __name__ == "__main__":
    main()
