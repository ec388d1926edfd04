"""Levels are derived from the chain, never typed: the shortest distance to
a confirmed case, kept right through every change (hypothesis over random
chains)."""

from collections import deque

from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.investigation.chain import derive_levels
from vigil.investigation.models import CaseKind


def shortest_distance(kinds, links):
    """Breadth-first search from every confirmed case down the links."""
    down = {}
    for contact, source in links:
        down.setdefault(source, []).append(contact)
    level = {cid: 0 for cid, kind in kinds.items() if kind == CaseKind.CONFIRMED}
    queue = deque(level)
    while queue:
        cid = queue.popleft()
        for contact in down.get(cid, ()):
            if contact not in level:
                level[contact] = level[cid] + 1
                queue.append(contact)
    return {cid: level.get(cid) for cid in kinds}


@st.composite
def chains(draw):
    """A random acyclic chain: record i may only name records < i as sources."""
    n = draw(st.integers(min_value=1, max_value=40))
    kinds = {
        i: draw(st.sampled_from([CaseKind.CONFIRMED, CaseKind.CONTACT, CaseKind.CONTACT]))
        for i in range(n)
    }
    links = set()
    for i in range(1, n):
        for source in draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)):
            links.add((i, source))
    return kinds, sorted(links)


@settings(max_examples=300, deadline=None)
@given(chains())
def test_the_derived_level_is_the_shortest_distance_to_a_confirmed_case(chain):
    kinds, links = chain
    assert derive_levels(kinds, links, {}) == shortest_distance(kinds, links)


@settings(max_examples=200, deadline=None)
@given(chains(), st.data())
def test_deriving_a_part_with_the_rest_fixed_gives_the_same_levels(chain, data):
    """`recompute` derives only the records below a change, with the levels
    above them fixed: that must agree with deriving everything."""
    kinds, links = chain
    whole = shortest_distance(kinds, links)
    cut = data.draw(st.integers(0, len(kinds) - 1))
    # The records from `cut` on are "below the change"; the rest is fixed.
    part = {cid: kind for cid, kind in kinds.items() if cid >= cut}
    part_links = [(c, s) for c, s in links if c in part]
    fixed = {cid: whole[cid] for cid in kinds if cid < cut}
    derived = derive_levels(part, part_links, fixed)
    assert derived == {cid: whole[cid] for cid in part}


def test_levels_are_not_capped_at_f3():
    kinds = {0: CaseKind.CONFIRMED, **dict.fromkeys(range(1, 8), CaseKind.CONTACT)}
    links = [(i, i - 1) for i in range(1, 8)]
    assert derive_levels(kinds, links, {})[7] == 7


def test_a_contact_with_no_confirmed_case_above_has_no_level():
    kinds = {1: CaseKind.CONTACT, 2: CaseKind.CONTACT}
    assert derive_levels(kinds, [(2, 1)], {}) == {1: None, 2: None}
