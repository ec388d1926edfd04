"""Crafted uploads (Vigil issue #12, finding 2): how long each import takes to refuse them.

The finding: a 2.4 MB paper-import .xlsx (the header, then 1,000,000 empty
`<row/>` elements, dimension A1:XFD1048576) kept a gunicorn worker busy until
it was killed at 30 s; a 1.7 MB lab sheet did the same. Each file below must
be refused (or end at the blank run) in well under a second.

Usage: python bench/crafted_upload.py [--repeat 3]

No database is needed: every file is refused before a row is checked. The
files are built by tests/core/test_upload_bounds.py, as an attacker would
(zip and XML written by hand).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
os.environ.setdefault("VIGIL_DEBUG", "true")


def files():
    """(name, bytes, import function) of every crafted file."""
    from tests.core.test_upload_bounds import cell, crafted_xlsx, million_blank_rows, zip_bomb
    from vigil.declarations import imports as paper
    from vigil.testing import imports as lab

    lab_headers = [lab.TEST_ID, lab.RESULT, lab.TEST_DATE]
    gap = crafted_xlsx(
        [f'<row r="1048576">{cell("A1048576", "x")}</row>'],
        sheet=lab.SHEET,
        header="".join(cell(f"{c}1", h) for c, h in zip("ABC", lab_headers, strict=True)),
    )
    return [
        ("paper: 1,000,000 empty rows", million_blank_rows(paper.SHEET, paper.HEADER_OF.values()),
         paper.import_paper_forms),
        ("lab: 700,000 empty rows", million_blank_rows(lab.SHEET, lab_headers, 700_000),
         lab.import_lab_sheet),
        ("lab: one row at 1,048,576", gap, lab.import_lab_sheet),
        ("paper: zip bomb (64 MB of zeros)", zip_bomb(), paper.import_paper_forms),
    ]  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    translation.activate("en")
    for name, content, run in files():
        times = []
        for _ in range(args.repeat):
            upload = SimpleUploadedFile("crafted.xlsx", content)
            started = time.perf_counter()
            result = run(upload, None)
            times.append(time.perf_counter() - started)
        print(
            f"{name:36} {len(content) / 1e6:5.1f} MB  best {min(times):.3f} s  "
            f"worst {max(times):.3f} s  -> {result.file_error}",
            flush=True,
        )


if __name__ == "__main__":
    main()
