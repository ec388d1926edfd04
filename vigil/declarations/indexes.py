"""The indexes of the declarations table, and the condition of CDC's queue
that its partial indexes share with `DeclarationQuerySet.awaiting_medical`.

Every list and queue reads a bounded part of one of these (bench/README.md,
"lists.py"); models.py keeps the fields, this module the ways they are read.
"""

from django.db import models

# CDC's queue (R-M2), shared by `awaiting_medical` and its partial indexes.
AWAITING_MEDICAL = (
    models.Q(medical_state="pending")
    | models.Q(amended_after_decision=True, medical_state="verified")
    | ~models.Q(proposed_colour="")
)

# Operator classes: the scope (`area_path LIKE ...`) needs the pattern one.
TS, INT, PAT, SMALL = "timestamptz_ops", "int8_ops", "varchar_pattern_ops", "int2_ops"


def _index(name, fields, opclasses, condition):
    return models.Index(fields=fields, opclasses=opclasses, condition=condition, name=name)


def declaration_indexes():
    """Declaration.Meta.indexes."""
    return [
        # The scope (`area_path LIKE '46/474/%'`, vigil.core.scope) as a range
        # of the index: the pattern operator class compares bytes, which the
        # default one cannot do under the database's C.UTF-8 collation.
        # With the id: the rows of a scope before a keyset page (the
        # pager's "51–100 of …", a capped count) from the index alone.
        models.Index(
            fields=["area_path", "created_at", "id"],
            name="decl_scope_created_id",
            opclasses=["varchar_pattern_ops", "timestamptz_ops", "int8_ops"],
        ),
        # The lists' order (newest first, then id) with the scope checked in
        # the index: a page of a commune reads index entries only until it
        # has its 50 rows, whatever the depth (keyset pages) or the size of
        # the table. It replaces the index on created_at alone.
        models.Index(
            fields=["created_at", "id", "area_path"],
            name="decl_created_scope",
            opclasses=["timestamptz_ops", "int8_ops", "varchar_pattern_ops"],
        ),
        # A person's declarations, and whether one is in a scope, from
        # the index alone (the test lists ask it of thousands of people).
        models.Index(
            fields=["person", "area_path"],
            name="decl_person_scope",
            opclasses=["int8_ops", "varchar_pattern_ops"],
        ),
        # The people with a declaration in a scope (the "not tested" list).
        models.Index(
            fields=["area_path", "person"],
            name="decl_scope_person",
            opclasses=["varchar_pattern_ops", "int8_ops"],
        ),
        # The list between arrival dates, ordered by arrival (the view's
        # BY_ARRIVAL), the scope checked in the index.
        models.Index(
            fields=["arrival_date", "created_at", "id", "area_path"],
            name="decl_arrival_order",
            opclasses=["date_ops", "timestamptz_ops", "int8_ops", "varchar_pattern_ops"],
        ),
        models.Index(fields=["channel", "created_at"], name="decl_channel_created"),
        # The registration kind is no column of the tally: the list counts
        # a kind inside a scope, and by channel, from this index alone.
        models.Index(
            fields=["registration_kind", "area_path", "channel"],
            name="decl_kind_scope",
            opclasses=["varchar_pattern_ops"] * 3,
        ),
        # The work queues, each a small part of the table: newest first
        # within the province, or a commune's range, read from the index
        # alone for the page and the capped count of each tab.
        # The work queues, each a small part of the table: newest first
        # within the province, or a commune's range, read from the index
        # alone for the page and the capped count of each tab.
        *_verification_queue_indexes(),
        *_medical_queue_indexes(),
    ]


def _verification_queue_indexes():
    pending, failed = models.Q(verification_state="pending"), models.Q(verification_state="failed")
    return [
        _index("decl_pending_created", ["created_at", "id", "area_path"], [TS, INT, PAT], pending),
        _index("decl_pending_scope", ["area_path", "created_at", "id"], [PAT, TS, INT], pending),
        _index(
            "decl_pending_kind",
            ["registration_kind", "created_at", "id", "area_path"],
            [PAT, TS, INT, PAT],
            pending,
        ),
        # A colour or a kind within a queue: a range of the scope inside it.
        _index(
            "decl_pending_colour",
            ["risk_colour", "area_path", "created_at", "id"],
            [PAT, PAT, TS, INT],
            pending,
        ),
        _index(
            "decl_pending_kind_scope",
            ["registration_kind", "area_path", "risk_colour", "created_at", "id"],
            [PAT, PAT, PAT, TS, INT],
            pending,
        ),
        _index("decl_failed_created", ["created_at", "id", "area_path"], [TS, INT, PAT], failed),
        _index(
            "decl_failed_colour",
            ["risk_colour", "area_path", "created_at", "id"],
            [PAT, PAT, TS, INT],
            failed,
        ),
        _index("decl_failed_scope", ["area_path", "created_at", "id"], [PAT, TS, INT], failed),
        _index(
            "decl_amended_created",
            ["created_at", "id", "area_path"],
            [TS, INT, PAT],
            models.Q(amended_after_decision=True),
        ),
    ]


def _medical_queue_indexes():
    return [
        _index(
            "decl_medical_order",
            ["-risk_level", "created_at", "id", "area_path"],
            [SMALL, TS, INT, PAT],
            AWAITING_MEDICAL,
        ),
        _index(
            "decl_medical_scope",
            ["area_path", "risk_colour", "risk_level", "created_at", "id"],
            [PAT, PAT, SMALL, TS, INT],
            AWAITING_MEDICAL,
        ),
        # A triage colour tab in the queue's order: 50 entries for a page.
        _index(
            "decl_medical_colour_order",
            ["risk_colour", "-risk_level", "created_at", "id", "area_path"],
            [PAT, SMALL, TS, INT, PAT],
            AWAITING_MEDICAL,
        ),
        models.Index(
            fields=["area_path", "id"],
            opclasses=[PAT, INT],
            condition=models.Q(medical_state="verified", surveillance="concentrated"),
            # The to-take-in list reads these from the index alone.
            include=["person", "created_at", "decided_at"],
            name="decl_to_take_in_cover",
        ),
        # The to-take-in list in its order (a province's first 10,001 read
        # in order, not all of them sorted by the time of CDC's decision).
        models.Index(
            fields=["decided_at", "created_at", "id"],
            opclasses=[TS, TS, INT],
            condition=models.Q(medical_state="verified", surveillance="concentrated"),
            include=["area_path", "person"],
            name="decl_to_take_in_order",
        ),
    ]
