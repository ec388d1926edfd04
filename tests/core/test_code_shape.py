"""The code's shape, kept by tests: small files and functions, and the
permission registry as the one place that decides who may do what."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VIGIL = ROOT / "vigil"
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 60


def production_files():
    for path in sorted(VIGIL.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def long_functions(source):
    """[(name, lines)] of the functions of `source` longer than the limit."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines = node.end_lineno - node.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                out.append((node.name, lines))
    return out


def test_the_shape_checks_find_what_they_look_for():
    body = "\n".join(f"    x = {i}" for i in range(MAX_FUNCTION_LINES))
    assert long_functions(f"def f():\n{body}\n") == [("f", MAX_FUNCTION_LINES + 1)]
    assert long_functions("def g():\n    return 1\n") == []
    assert len(list(production_files())) > 100


def test_no_production_file_is_over_the_limit():
    long = {
        str(p.relative_to(ROOT)): n
        for p in production_files()
        if (n := len(p.read_text().splitlines())) > MAX_FILE_LINES
    }
    assert not long, f"split these files (over {MAX_FILE_LINES} lines): {long}"


def test_no_production_function_is_over_the_limit():
    long = {
        f"{p.relative_to(ROOT)}:{name}": n
        for p in production_files()
        for name, n in long_functions(p.read_text())
    }
    assert not long, f"split these functions (over {MAX_FUNCTION_LINES} lines): {long}"


# Calls of `has_task` that choose a default, not a permission: which channel
# a clerk's entry form starts on, which test type a checkpoint enters, the
# school's narrowing of its own queue. Everything else asks the registry.
HAS_TASK_ALLOWED = {
    "vigil/core/permissions.py",
    "vigil/accounts/models.py",
    "vigil/declarations/views/entry.py",
    "vigil/testing/forms.py",
    "vigil/verification/queues.py",
}


def test_only_the_registry_decides_by_task_group():
    callers = set()
    for path in production_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "has_task":
                callers.add(str(path.relative_to(ROOT)))
    assert callers - HAS_TASK_ALLOWED == set(), (
        "ask vigil.core.permissions.may(user, CAPABILITY) instead of user.has_task(...)"
    )


# Writes live in services ---------------------------------------------------------

WRITES = {"save", "create", "delete", "update", "bulk_create", "bulk_update"}
WRITES |= {"get_or_create", "update_or_create"}
# Receivers whose `.update(` / `.delete(` are a dict's or a router's, not a model's.
NOT_MODELS = {"router", "api"}


def model_writes(relative, source=None):
    """Model writes called in a module, as "path:line: .name(" strings: `.save(`,
    `.create(`, `.delete(` and their kin on anything, `.update(` on a queryset
    (a call's result or a manager) rather than on a dict held in a name."""
    source = (ROOT / relative).read_text() if source is None else source
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, receiver = node.func.attr, node.func.value
        receiver_name = getattr(receiver, "attr", getattr(receiver, "id", ""))
        if name not in WRITES or receiver_name in NOT_MODELS:
            continue
        dict_update = name == "update" and not (
            isinstance(receiver, ast.Call) or receiver_name == "objects"
        )
        if not dict_update:
            found.append(f"{relative}:{node.lineno}: .{name}(")
    return found


def page_and_api_modules():
    """Every module of the pages (views, urls, forms, filters) and of the API."""
    for path in production_files():
        parts = path.relative_to(VIGIL).parts
        page = path.stem.startswith("views") or "views" in parts
        if page or parts[0] == "api" or path.stem.startswith(("forms", "filters", "urls")):
            yield str(path.relative_to(ROOT))


def test_the_write_finder_finds_the_writes_it_is_meant_to_find():
    source = (
        "rule.save(update_fields=['active'])\n"
        "RiskRule.objects.create(label='x')\n"
        "area.delete()\n"
        "Job.objects.filter(pk=1).update(done=2)\n"
        "Job.objects.update(done=2)\n"
        "field.widget.attrs.update({'a': 1})\n"
        "initial.update(x)\n"
        "router.delete('/x')\n"
    )
    assert [hit.split(": ")[1] for hit in model_writes("x.py", source)] == [
        ".save(", ".create(", ".delete(", ".update(", ".update(",
    ]  # fmt: skip
    modules = list(page_and_api_modules())
    assert "vigil/api/instance.py" in modules and "vigil/quarantine/views/stays.py" in modules


def test_pages_and_the_api_write_only_through_services():
    found = [hit for path in page_and_api_modules() for hit in model_writes(path)]
    assert found == [], "write through the app's services instead:\n" + "\n".join(found)
