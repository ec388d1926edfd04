"""What the dashboard's tally triggers cost the writes, and what compaction takes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_stats \\
        .venv/bin/python bench/tally_writes.py [--rows 50000]

Uses the database filled by bench/stats.py. Each case runs in a transaction
that is rolled back, twice: with the triggers of vigil/reports/tally.py and
with them disabled (ALTER TABLE ... DISABLE TRIGGER inside the transaction),
and prints both times and the cost per row:

- a re-evaluation that changes the risk colour of N declarations (one UPDATE);
- N single-row UPDATEs of the verification state, as the verification pages do;
- first test results for N people who had none (each moves the person's
  declarations to "tested");
then the compaction of the deltas the first case wrote.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
os.environ.setdefault("VIGIL_DEBUG", "true")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vigil_bench_stats")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from vigil.reports import tally

    n = args.rows
    cases = {
        "re-evaluation (one UPDATE)": [
            f"""UPDATE declarations_declaration
                SET risk_colour = CASE risk_colour WHEN 'green' THEN 'yellow' ELSE 'green' END
                WHERE id IN (SELECT id FROM declarations_declaration ORDER BY id LIMIT {n})"""
        ],
        "verification (one UPDATE per row)": [
            f"""DO $$ DECLARE r record; BEGIN
                FOR r IN SELECT id FROM declarations_declaration ORDER BY id DESC LIMIT {n} LOOP
                    UPDATE declarations_declaration SET verification_state = 'verified',
                        version = version + 1 WHERE id = r.id;
                END LOOP; END $$"""
        ],
        "first tests (one INSERT per row)": [
            f"""DO $$ DECLARE r record; BEGIN
                FOR r IN SELECT p.id, p.area_path FROM people_person p
                    WHERE NOT EXISTS (SELECT 1 FROM testing_testresult t WHERE t.person_id = p.id)
                    ORDER BY p.id LIMIT {n} LOOP
                    INSERT INTO testing_testresult (person_id, area_path, sampling_unit,
                        batch_code, test_id, sample_date, test_type, result, checkpoint,
                        created_at, version)
                    VALUES (r.id, r.area_path, '', '', '', current_date, 'pcr', 'pending', '',
                        now(), 1);
                END LOOP; END $$"""
        ],
    }

    def run(statements, triggers):
        with transaction.atomic(), connection.cursor() as cursor:
            if not triggers:
                cursor.execute("ALTER TABLE declarations_declaration DISABLE TRIGGER USER")
                cursor.execute("ALTER TABLE testing_testresult DISABLE TRIGGER USER")
            started = time.perf_counter()
            for statement in statements:
                cursor.execute(statement)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)
        return elapsed

    print(f"{n:,} rows per case; each case rolled back")
    print(f"{'case':36} {'with':>9} {'without':>9} {'per row':>10}")
    for label, statements in cases.items():
        run(statements, triggers=False)  # warm the cache for both runs
        without = run(statements, triggers=False)
        with_ = run(statements, triggers=True)
        per_row = (with_ - without) / n * 1e6
        print(f"{label:36} {with_:8.2f}s {without:8.2f}s {per_row:8.0f} µs")

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(cases["re-evaluation (one UPDATE)"][0])
        deltas = tally.pending_deltas(limit=10 * n)
        started = time.perf_counter()
        tally.compact()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    print(f"compaction of {deltas:,} delta rows: {elapsed:.2f} s")


if __name__ == "__main__":
    main()
