"""Every write to a declaration's states or answers goes through the guarded
transition path (vigil/declarations/transitions.py).

This reads the source tree: an assignment to one of those attributes, an
`update()` / `bulk_update()` naming one, a `setattr` with one, or raw SQL
setting one, anywhere else, fails the test with its file and line. Creating a
declaration (its initial values) is not a change and is not looked for.
"""

import ast
import re
from pathlib import Path

from vigil.declarations import questions

ROOT = Path(__file__).resolve().parents[2] / "vigil"
GUARDED = {
    "verification_state",
    "medical_state",
    "approval_state",
    "surveillance",
    "surveillance_start",
    "surveillance_end",
    "risk_level",
    "risk_colour",
    "risk_score",
    "risk_reasons",
    "proposed_colour",
    "amended_after_decision",
    *questions.KEYS,
}
ALLOWED = {
    # The one path.
    "declarations/transitions.py",
    # Computes a result onto the object it is given; only the transition path
    # and the creation of a declaration save what it computed.
    "triage/engine.py",
}
SQL_SET = re.compile(
    r"\bSET\b[^;]*\b(" + "|".join(sorted(GUARDED)) + r")\s*=", re.IGNORECASE | re.DOTALL
)


def direct_writes(path, source):
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Attribute) and leaf.attr in GUARDED:
                        found.append((node.lineno, f"assigns .{leaf.attr}"))
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("update", "bulk_update"):
                for keyword in node.keywords:
                    if keyword.arg in GUARDED:
                        found.append((node.lineno, f"{name}({keyword.arg}=...)"))
                for arg in node.args[1:]:
                    for leaf in ast.walk(arg):
                        if isinstance(leaf, ast.Constant) and leaf.value in GUARDED:
                            found.append((node.lineno, f"{name}(fields=[{leaf.value!r}])"))
            if name == "setattr" and len(node.args) > 1:
                key = node.args[1]
                if isinstance(key, ast.Constant) and key.value in GUARDED:
                    found.append((node.lineno, f"setattr(..., {key.value!r})"))
        elif isinstance(node, (ast.Constant, ast.JoinedStr)):
            text = _text(node)
            if text and "UPDATE" in text.upper() and SQL_SET.search(text):
                found.append((node.lineno, "raw SQL sets a guarded column"))
    return [f"{path}:{line}: {what}" for line, what in found]


def _text(node):
    """A string literal's text; an f-string's with its fields as {}."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else ""
    return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)


def test_no_code_writes_a_declarations_state_outside_the_transition_path():
    offences = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in f"/{relative}" or relative in ALLOWED:
            continue
        offences += direct_writes(relative, path.read_text(encoding="utf-8"))
    assert offences == []


def test_the_check_finds_each_kind_of_direct_write():
    # The test above is only as good as what it can see.
    source = """
d.medical_state = "verified"
Declaration.objects.filter(pk=1).update(risk_colour="green")
Declaration.objects.bulk_update(rows, ["sym_fever"])
setattr(d, "surveillance", "none")
cursor.execute(f"UPDATE {table} AS d SET risk_level = v.level "  "FROM x")
d.area = other  # not a guarded field
Declaration.objects.filter(medical_state="pending")  # a read
"""
    found = direct_writes("example.py", source)
    assert [line.split(": ", 1)[1] for line in found] == [
        "assigns .medical_state",
        "update(risk_colour=...)",
        "bulk_update(fields=['sym_fever'])",
        "setattr(..., 'surveillance')",
        "raw SQL sets a guarded column",
    ]
