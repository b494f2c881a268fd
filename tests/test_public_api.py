"""The flat public API stays honest (STYLE item 12): ``__all__`` sorted, every name real."""

from __future__ import annotations

import subprocess
import sys

import edgelab as el


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical."""
    group = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return group, name


def test_all_is_sorted() -> None:
    assert el.__all__ == sorted(el.__all__, key=_isort_key)


def test_sort_key_orders_constants_classes_then_functions() -> None:
    assert sorted(
        ["invoke", "Headers", "TRIGGERS", "DECISIONS", "ConfigError"], key=_isort_key
    ) == ["DECISIONS", "TRIGGERS", "ConfigError", "Headers", "invoke"]


def test_all_has_no_duplicates() -> None:
    assert len(set(el.__all__)) == len(el.__all__)


def test_every_name_in_all_exists() -> None:
    missing = [name for name in el.__all__ if not hasattr(el, name)]
    assert missing == []


def test_public_classes_and_functions_are_exported() -> None:
    public = {
        name
        for name, value in vars(el).items()
        if not name.startswith("_")
        and callable(value)
        and getattr(value, "__module__", "").startswith("edgelab.")
    }
    assert public - set(el.__all__) == set()


def test_core_modules_never_import_matplotlib_or_ipywidgets() -> None:
    """Presentation stays at the edge (STYLE 7): only plots, report and widgets may."""
    import pkgutil

    import edgelab

    presentation = {"edgelab.plots", "edgelab.report", "edgelab.widgets"}
    core = [
        m.name
        for m in pkgutil.walk_packages(edgelab.__path__, "edgelab.")
        if not any(m.name == p or m.name.startswith(p + ".") for p in presentation)
        and m.name != "edgelab.__main__"
        and not m.name.startswith("edgelab.demo.")
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {core!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_readme_lists_every_unsure_decision() -> None:
    """The README's decisions table stays in step with el.DECISIONS."""
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [d.topic for d in el.DECISIONS if f"| {d.topic} | {d.decision} |" not in readme]
    assert missing == []
