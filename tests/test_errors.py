"""The exception tree: its own class for bad input files, context where edgelab has it."""

from __future__ import annotations

from pathlib import Path

import pytest

import edgelab as el
from edgelab.edge.chain import CHAIN_DECISIONS
from edgelab.rules.tables import decisions_markdown
from tests.conftest import ROOT


def test_a_handler_that_does_not_load_says_which_trigger_it_was_for(tmp_path: Path) -> None:
    with pytest.raises(el.HandlerLoadError) as info:
        el.Distribution(
            {"origin-request": str(tmp_path / "missing.py")}, origin=el.MappingOrigin({})
        )
    assert info.value.trigger == "origin-request"
    assert info.value.handler == str(tmp_path / "missing.py")


def test_unreadable_input_files_are_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "traffic.txt"
    bad.write_text("x")
    with pytest.raises(el.InputError) as info:
        el.read_traffic(tmp_path / "nope.parquet")
    assert isinstance(info.value, el.ConfigError)  # code that caught ConfigError still does
    with pytest.raises(el.InputError):
        el.load_traces(tmp_path / "traces.jsonl")
    with pytest.raises(el.InputError):
        el.read_access_logs(bad)


def test_origin_errors_join_the_tree() -> None:
    assert issubclass(el.OriginError, el.EdgelabError)
    assert issubclass(el.TriggerNameError, el.ConfigError)


def test_readme_chain_table_is_rendered_from_chain_decisions() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = decisions_markdown(CHAIN_DECISIONS, ("case", "what edgelab does", "facts"))
    assert table in readme
