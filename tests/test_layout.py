"""The package's shape: no import cycles, lazy imports only of what _lazy lists, names kept."""

from __future__ import annotations

import ast
import base64
import re
import uuid
from pathlib import Path

import pytest

import edgelab as el
from edgelab._lazy import LAZY
from edgelab.runtimes.context import ContextInfo, new_request_id
from tests.conftest import ROOT

PACKAGE = ROOT / "edgelab"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(absolute module, imported inside a function) for each import of ``path``,
    leaving out ``if TYPE_CHECKING:`` blocks."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((a.name, inner) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = package.split(".")
                if child.level > 1:
                    base = base[: len(base) - child.level + 1]
                mod = (
                    ".".join([*base, child.module])
                    if child.level and child.module
                    else (".".join(base) if child.level else child.module or "")
                )
                if child.module is None:  # from . import plots
                    found.extend((f"{mod}.{a.name}", inner) for a in child.names)
                else:
                    found.append((mod, inner))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return found


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py") if "demo" not in p.parts}


def test_no_import_cycles_between_edgelab_modules() -> None:
    graph = {
        name: {m for m, lazy in _imports(path) if not lazy and m in MODULES}
        for name, path in MODULES.items()
    }
    cycles = []
    state: dict[str, int] = {}

    def walk(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt, [*stack, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    assert cycles == []


def test_imports_inside_functions_are_only_the_listed_lazy_ones() -> None:
    stray = [
        f"{name}: {mod}"
        for name, path in sorted(MODULES.items())
        for mod, lazy in _imports(path)
        if lazy and not any(mod == m or mod.startswith(m + ".") for m in LAZY)
    ]
    assert stray == []


@pytest.mark.parametrize(
    "name",
    ["cf_record", "normalize_event", "get_handler", "RawResult", "ContextInfo", "load_traffic"],
)
def test_former_exports_still_resolve_but_are_not_public(name: str) -> None:
    assert getattr(el, name) is not None
    assert name not in el.__all__ and name not in vars(el)


def test_el_replay_is_the_function_even_after_its_module_is_imported() -> None:
    import edgelab.frames.replay as module

    assert callable(el.replay) and el.replay is module.replay


def test_one_request_id_generator() -> None:
    """CloudFront's request id (the event's ``requestId``, log field ``x-edge-request-id``,
    lambda-edge facts §1.2) has one generator; Lambda's ``aws_request_id`` is a UUID."""
    defined = [
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef) and node.name == "new_request_id"
    ]
    assert defined == ["edgelab/runtimes/context.py"]
    rid = new_request_id()
    assert re.fullmatch(r"[A-Za-z0-9_-]{56}", rid)
    assert len(base64.urlsafe_b64decode(rid)) == 42
    assert rid != new_request_id()
    info = ContextInfo("f", 128, 5.0)
    assert uuid.UUID(info.aws_request_id).version == 4


#: The most lines a function of the package may span, ``def`` to its last line (issue 10).
MAX_FUNCTION_LINES = 60


def _function_lengths() -> dict[str, int]:
    """``path::Qualified.name`` -> lines from ``def`` to the function's last line, for every
    function and method of the package (nested ones too)."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, where: str, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + child.name
                found[f"{where}::{name}"] = (child.end_lineno or child.lineno) - child.lineno + 1
                visit(child, where, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, where, prefix + child.name + ".")
            else:
                visit(child, where, prefix)

    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        visit(tree, path.relative_to(ROOT).as_posix(), "")
    return found


def test_no_function_over_60_lines() -> None:
    """Long functions are split by meaning into named steps (issue 10): none is left."""
    long = {
        name: lines for name, lines in _function_lengths().items() if lines > MAX_FUNCTION_LINES
    }
    assert long == {}


#: Modules outside ``edgelab/event/`` that index ``["value"]`` on something that is not a
#: CloudFront header element, and what they index. Header elements go through
#: ``edgelab.event.headers.Headers``, the one owner of the ``{"key", "value"}`` shape.
VALUE_KEYS_THAT_ARE_NOT_HEADER_ELEMENTS = {
    "edgelab/analysis.py": "a DataFrame column named value",
    "edgelab/report.py": "a DataFrame column named value",
    "edgelab/frames/billing.py": "a row of the price table",
    "edgelab/cloudfront_functions/kvs.py": "an entry of a key value store import file",
    "edgelab/cloudfront_functions/event.py": "CloudFront Functions' own header shape, "
    "{name: {value}} (cloudfront-functions facts §2.2)",
    "edgelab/rules/checks/headers.py": "the validator checks each element's shape, "
    "malformed elements included",
    "edgelab/rules/checks/origin.py": "the validator checks each custom header element",
    "edgelab/commands/rules.py": "a row of the limits table",
}


def _value_subscripts(path: Path) -> list[tuple[int, str, bool]]:
    """(line, source, indexes ``[0]`` first) of every ``...["value"]`` in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and node.slice.value == "value"
        ):
            inner = node.value
            first = (
                isinstance(inner, ast.Subscript)
                and isinstance(inner.slice, ast.Constant)
                and inner.slice.value == 0
            )
            found.append((node.lineno, ast.unparse(node), first))
    return sorted(found)


def test_header_elements_are_read_through_the_headers_view_outside_event() -> None:
    """Issue 10, views over the wire dict: no core module spells ``[0]["value"]``, and
    only the modules listed above index ``["value"]`` at all (the demo handlers are
    users' handlers: they read the raw event, as handlers do)."""
    stray = []
    for name, path in sorted(MODULES.items()):
        if name.startswith("edgelab.event."):
            continue
        where = path.relative_to(ROOT).as_posix()
        for line, source, first in _value_subscripts(path):
            allowed = VALUE_KEYS_THAT_ARE_NOT_HEADER_ELEMENTS.keys()
            if first or where not in allowed:
                stray.append(f"{where}:{line}: {source}")
    assert stray == []


def test_every_module_allowed_to_index_value_still_does() -> None:
    """The two lists above only name modules that still need them (they only shrink)."""
    listed = VALUE_KEYS_THAT_ARE_NOT_HEADER_ELEMENTS.keys()
    stale = sorted(where for where in listed if not _value_subscripts(ROOT / where))
    assert stale == []


def test_the_header_element_check_sees_the_shapes_it_forbids(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        'a = h["accept"][0]["value"]\nb = [e["value"] for e in h["x"]]\nc = h["value"]\n',
        encoding="utf-8",
    )
    assert [(line, first) for line, _, first in _value_subscripts(module)] == [
        (1, True),
        (2, False),
        (3, False),
    ]
