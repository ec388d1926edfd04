"""The transmission chain as a graph (nodes and edges) for the chain pages,
their JSON and the API.

Built from the one place the chain lives, the CaseLink rows: starting from
some case records (an outbreak's, or one case), the graph grows generation by
generation through the links in both directions until the connected
component is complete. Each generation costs a few set-based queries (links
whose source or contact is in the frontier), never one query per node, so an
outbreak of 5,000 people over 5 generations builds in well under a second on
PostgreSQL (bench/investigation*.py).

Records the viewer may not see (outside `Case.objects.visible_to(user)`)
stay in the graph, so that its shape is true, but as bare nodes: an opaque
id, the level and "case outside your area", nothing about the person.
"""

from django.db import connection
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Case, CaseLink

# SQLite refuses more host parameters than this in one statement.
SQLITE_CHUNK = 900
# A graph past this many nodes stops growing (the page says so).
MAX_NODES = 20000


def _id_sets(ids):
    """`ids` as values for `pk__in`-style lookups, a few statements in all.

    On PostgreSQL one array parameter (`unnest(%s)`) rather than thousands of
    placeholders: with 5,000 ids, psycopg spent more time splitting the
    statement's placeholders than the database spent answering it. SQLite
    gets plain chunks under its limit of host parameters."""
    ids = list(ids)
    if connection.vendor == "postgresql":
        if ids:
            yield RawSQL("SELECT unnest(%s::bigint[])", (ids,))
        return
    for n in range(0, len(ids), SQLITE_CHUNK):
        yield ids[n : n + SQLITE_CHUNK]


def _links_touching(frontier):
    """(source_id, contact_id) of every link with an end in `frontier`."""
    pairs = set()
    for chunk in _id_sets(frontier):
        for lookup in ("source_id__in", "contact_id__in"):
            rows = CaseLink.objects.filter(**{lookup: chunk}).values_list("source_id", "contact_id")
            pairs.update(rows)
    return pairs


def component(seed_ids, limit=MAX_NODES):
    """({case id: generation}, {(source_id, contact_id)}) of the records
    connected to `seed_ids` through links, generation 0 being the seeds."""
    generation = dict.fromkeys(seed_ids, 0)
    edges = set()
    frontier, depth = set(generation), 0
    while frontier and len(generation) < limit:
        depth += 1
        pairs = _links_touching(frontier)
        edges.update(pairs)
        frontier = {pk for pair in pairs for pk in pair if pk not in generation}
        for pk in frontier:
            generation[pk] = depth
    # Links between nodes already known (found from both ends) stay; links to
    # nodes past the limit go.
    edges = {(s, c) for s, c in edges if s in generation and c in generation}
    return generation, edges


def _visible(user, ids):
    seen = set()
    for chunk in _id_sets(ids):
        seen.update(Case.objects.visible_to(user).filter(pk__in=chunk).values_list("pk", flat=True))
    return seen


def _rows(ids):
    rows = {}
    for chunk in _id_sets(ids):
        for row in Case.objects.filter(pk__in=chunk).values_list("pk", "code", "level", "kind"):
            rows[row[0]] = {"pk": row[0], "code": row[1], "level": row[2], "kind": row[3]}
    return rows


def outbreak_seeds(outbreak):
    """The case records of an outbreak: where its graph starts."""
    return list(Case.objects.filter(outbreak=outbreak).values_list("pk", flat=True))


def level_label(level):
    return "F?" if level is None else f"F{level}"


def chain_graph(user, seed_ids):
    """{"nodes": [...], "edges": [...], "truncated": bool} of the component of
    `seed_ids`, as `user` may see it.

    A node's `generation` is its level in the chain when it has one (F0 on
    top, the tree the page draws), else one below its deepest source's.
    """
    generation, pairs = component(seed_ids)
    ids = list(generation)
    rows, visible = _rows(ids), _visible(user, ids)
    depth = _generations(rows, pairs)
    # One reverse() for all: 5,000 calls of it cost a quarter of a second.
    case_url = reverse("investigation:case", args=[0]).replace("/0/", "/%d/")
    keys, hidden_n = {}, 0
    nodes = []
    for pk in sorted(ids, key=lambda pk: (depth.get(pk, 0), pk)):
        row = rows.get(pk)
        if row is None:
            continue
        level = row["level"]
        if pk in visible:
            keys[pk] = f"c{pk}"
            nodes.append(
                {
                    "id": keys[pk],
                    "case_id": pk,
                    "label": row["code"] or level_label(level),
                    "level": level,
                    "level_label": level_label(level),
                    "generation": depth.get(pk, 0),
                    "kind": row["kind"],
                    "url": case_url % pk,
                    "hidden": False,
                }
            )
        else:
            hidden_n += 1
            keys[pk] = f"x{hidden_n}"
            nodes.append(
                {
                    "id": keys[pk],
                    "label": _("Case outside your area"),
                    "level": level,
                    "level_label": level_label(level),
                    "generation": depth.get(pk, 0),
                    "hidden": True,
                }
            )
    edges = [
        {"id": f"e{keys[s]}-{keys[c]}", "source": keys[s], "target": keys[c]}
        for s, c in sorted(pairs)
        if s in keys and c in keys
    ]
    return {"nodes": nodes, "edges": edges, "truncated": len(generation) >= MAX_NODES}


def _generations(rows, pairs):
    """Level where known; a record without one sits below its sources."""
    depth = {pk: row["level"] for pk, row in rows.items() if row["level"] is not None}
    sources = {}
    for s, c in pairs:
        sources.setdefault(c, []).append(s)
    pending = [pk for pk in rows if pk not in depth]
    for _round in range(len(pending) + 1):
        if not pending:
            break
        later = []
        for pk in pending:
            known = [depth[s] for s in sources.get(pk, ()) if s in depth]
            if known or not sources.get(pk):
                depth[pk] = (max(known) + 1) if known else 0
            else:
                later.append(pk)
        if len(later) == len(pending):
            for pk in later:
                depth[pk] = 0
            break
        pending = later
    return depth
