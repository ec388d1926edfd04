"""An existing SQLite database (the embedded default) upgrades through a
migration that rebuilds the declarations table, with its triggers and data.

SQLite adds a column by rebuilding the table (create, copy, drop, rename). A
trigger on another table whose body names the declarations table (the
tally's on test results, the stays' colour copy) made that rebuild fail, and
`migrate` stopped with "declarations_declarationevent ... has an invalid
foreign key". The apps drop their triggers before a migration on SQLite and
put them back after it (pre_migrate / post_migrate)."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    return result.stdout


@pytest.fixture
def demo_database(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "VIGIL_TESTING")},
        "VIGIL_DEBUG": "true",
        "VIGIL_VAR_DIR": str(tmp_path / "var"),
    }
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "load_areas")
    manage(env, "seed_demo")
    return env, tmp_path / "var" / "vigil.sqlite3"


def test_a_demo_database_upgrades_through_a_rebuild_of_the_declarations(demo_database):
    env, path = demo_database
    with sqlite3.connect(path) as db:
        triggers = db.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger'").fetchone()
        declarations = db.execute("SELECT count(*) FROM declarations_declaration").fetchone()
    assert triggers[0] > 0 and declarations[0] > 0
    # Back before the paper reasons (a rebuild), then forward again (another).
    manage(env, "migrate", "declarations", "0007", "--no-input")
    # Back before the stays' colour copy and the reference stamp: their
    # triggers are not put back where their columns and tables are gone.
    manage(env, "migrate", "lodging", "0002", "--no-input")
    manage(env, "migrate", "triage", "0003", "--no-input")
    manage(env, "migrate", "--no-input")
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT count(*) FROM declarations_declaration").fetchone()
        assert rows == declarations
        assert (
            db.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger'").fetchone()
            == triggers
        )
    out = manage(env, "tallies", "--check")
    assert "The tally matches the declarations." in out
