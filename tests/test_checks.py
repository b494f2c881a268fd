"""edgelab.rules.catalogue and edgelab.rules.checks: every check is data, made by the module
of what it checks, and tested.

``WITNESSES`` is the registry of tests per check: for every check id in the catalogue, the
handlers that break it (and nothing CloudFront would let through). A check added to the
catalogue without a witness fails ``test_every_check_has_a_witness``.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import edgelab as el
from edgelab.cli import main as cli_main
from edgelab.rules import checks
from edgelab.rules.catalogue import (
    CATALOGUE,
    GROUPS,
    LAMBDA_EDGE,
    Catalogue,
    Check,
    CheckEnum,
    checks_markdown,
)
from edgelab.rules.outcome import ERROR_STATUS
from tests import strategies
from tests.conftest import ROOT

VREQ, OREQ, ORESP, VRESP = (t.value for t in el.TRIGGERS)
KB = 1024
CHECKS_DIR = ROOT / "edgelab" / "rules" / "checks"


# -- witnesses: handlers that break each check -----------------------------------------------
class Witness(NamedTuple):
    trigger: str
    handler: Callable[..., Any]
    build: Mapping[str, Any]


def editing(trigger: str, *edits: Callable[[dict[str, Any]], Any], **build: Any) -> Witness:
    """A handler that edits its own part of the event (request or response) and returns it."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        cf = event["Records"][0]["cf"]
        part = cf["response"] if "response" in cf else cf["request"]
        for edit in edits:
            edit(part)
        return part

    return Witness(trigger, handler, build)


def returning(trigger: str, value: Any) -> Witness:
    return Witness(trigger, lambda event, context: copy.deepcopy(value), {})


def put(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(part: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for key in parents:
            part = part[key]
        part[last] = value

    return edit


def header(name: str, value: str = "x") -> Callable[[dict[str, Any]], None]:
    return lambda part: el.MutableHeaders(part["headers"]).__setitem__(name, value)


def body(action: str, encoding: str, data: Any) -> Callable[[dict[str, Any]], None]:
    return put(
        "body", {"inputTruncated": False, "action": action, "encoding": encoding, "data": data}
    )


def origin_headers(pairs: list[tuple[str, str]]) -> Callable[[dict[str, Any]], None]:
    return put("origin", el.custom_origin("api.example.com", custom_headers=pairs))


def _nested(depth: int) -> Any:
    """A value nested ``depth`` levels deep (past edgelab's 64-level bound, §6)."""
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


WITNESSES: dict[str, list[Witness]] = {
    Check.RESULT_NOT_JSON: [
        returning(VREQ, {"status": "200", "body": "lone \ud800 surrogate"}),
        editing(VREQ, put("extra", _nested(80))),
    ],
    Check.INVALID_RETURN: [returning(VREQ, None), returning(VRESP, "ok")],
    Check.REQUEST_MISSING_FIELD: [editing(VREQ, put("uri", 3))],
    Check.RESPONSE_INVALID: [
        returning(VREQ, {"status": "200", "statusDescription": 5}),
        returning(VREQ, {"status": "200", "body": 5}),
        returning(OREQ, {"status": "200", "body": "x", "bodyEncoding": "hex"}),
    ],
    Check.STATUS_INVALID: [returning(VREQ, {"status": "OK"})],
    Check.STATUS_RANGE: [returning(VREQ, {"status": "600"}), editing(ORESP, put("status", 199))],
    Check.STATUS_READ_ONLY: [editing(VRESP, put("status", "404"))],
    Check.STATUS_204_WITH_BODY: [returning(VREQ, {"status": "204", "body": "x"})],
    Check.HEADER_SHAPE: [
        editing(VREQ, put("headers.x-a", {"key": "X-A", "value": "1"})),
        editing(VRESP, put("headers", [])),
        editing(
            OREQ,
            put(
                "origin",
                {"custom": {**el.custom_origin("a.example.com")["custom"], "customHeaders": []}},
            ),
        ),
    ],
    Check.HEADER_NAME_INVALID: [editing(VREQ, put("headers.bad name", [{"value": "1"}]))],
    Check.HEADER_VALUE_INVALID: [editing(ORESP, put("headers.x-a", [{"value": "a\r\nb"}]))],
    Check.DISALLOWED_HEADER: [editing(VRESP, header("X-Cache"))],
    Check.READ_ONLY_HEADER: [editing(VREQ, header("Via"))],
    Check.VIEWER_COUNTRY_ADDED: [editing(VREQ, header("CloudFront-Viewer-Country", "US"))],
    Check.URI_INVALID: [editing(VREQ, put("uri", "index.html")), editing(OREQ, put("uri", "/a b"))],
    Check.QUERYSTRING_INVALID: [
        editing(VREQ, put("querystring", "?a=b")),
        editing(VREQ, put("querystring", "a=b c")),
    ],
    Check.READ_ONLY_FIELD: [editing(VREQ, put("method", "POST"))],
    Check.URI_QUERYSTRING_LENGTH: [editing(VREQ, put("uri", "/" + "a" * 8191))],
    Check.REQUEST_SIZE: [editing(VREQ, header("X-Big", "v" * 32768))],
    Check.GENERATED_RESPONSE_SIZE: [
        returning(VREQ, {"status": "200", "body": "a" * (40 * KB + 1)})
    ],
    Check.BODY_INVALID: [editing(VREQ, body("delete", "text", ""), method="POST", body="x")],
    Check.BODY_BASE64_INVALID: [
        editing(VREQ, body("replace", "base64", "not base64!"), method="POST", body="x"),
        returning(VREQ, {"status": "200", "body": "%%%", "bodyEncoding": "base64"}),
    ],
    Check.BODY_REPLACE_TEXT: [
        editing(VREQ, body("replace", "text", "A" * (40 * KB + 1)), method="POST", body="x")
    ],
    Check.BODY_REPLACE_BASE64: [
        editing(VREQ, body("replace", "base64", "A" * 54480), method="POST", body="x")
    ],
    Check.ORIGIN_INVALID: [editing(OREQ, put("origin", {}))],
    Check.CUSTOM_HEADER_DENIED: [editing(OREQ, origin_headers([("Cookie", "a=1")]))],
    Check.CUSTOM_HEADER_DUPLICATE: [editing(OREQ, origin_headers([("User-Agent", "me")]))],
    Check.CUSTOM_HEADER_NAME_LENGTH: [editing(OREQ, origin_headers([("X-" + "n" * 255, "v")]))],
    Check.CUSTOM_HEADER_VALUE_LENGTH: [editing(OREQ, origin_headers([("X-C", "v" * 1784)]))],
    Check.ORIGIN_CUSTOM_HEADERS: [
        editing(OREQ, origin_headers([(f"X-C{i}", "v") for i in range(11)]))
    ],
    Check.CUSTOM_HEADERS_TOTAL_LENGTH: [
        editing(OREQ, origin_headers([(f"X-C{i}", "v" * 1783) for i in range(6)]))
    ],
}


def checks_without_witnesses(
    checks: Iterable[CheckEnum], witnesses: Mapping[str, Sequence[Witness]]
) -> list[str]:
    """The ids of ``checks`` that no witness breaks."""
    return [c.value for c in checks if not witnesses.get(c.value)]


def sections(text: str) -> set[str]:
    return set(re.findall(r"§[0-9]+(?:\.[0-9]+)*", text))


@pytest.mark.parametrize("check", list(Check), ids=str)
def test_each_check_is_broken_by_its_witnesses_and_gives_its_outcome(check: Check) -> None:
    assert WITNESSES.get(check), f"no witness breaks the check {check.value!r}"
    for witness in WITNESSES[check]:
        event = el.build_event(witness.trigger, **witness.build)
        result = el.invoke(witness.handler, event)
        assert result.error is not None, (check, witness)
        assert f"{result.status} {result.error.type}" == "502 LambdaValidationError"
        found = [v for v in result.violations if v.rule == check]
        assert found, (check, witness.trigger, result.violations)
        for v in found:  # a violation cites (part of) its check's section
            assert sections(v.section) and sections(v.section) <= sections(check.section), v


def test_every_check_has_a_witness() -> None:
    assert checks_without_witnesses(Check, WITNESSES) == []
    assert set(WITNESSES) <= {c.value for c in Check}  # no witness of a check that is gone


def test_a_check_added_without_a_witness_is_reported() -> None:
    members = [(m.name, (m.value, m.group, m.section, m.summary, m.limits)) for m in Check]
    new = ("NEW_CHECK", ("new-check", "shape", "§6", "a check nobody has tested yet"))
    grown = CheckEnum("Grown", [*members, new])  # type: ignore[misc]
    assert checks_without_witnesses(grown, WITNESSES) == ["new-check"]
    unwitnessed = {k: v for k, v in WITNESSES.items() if k != Check.STATUS_RANGE}
    assert checks_without_witnesses(Check, unwitnessed) == ["status-range"]


# -- the catalogue is data ---------------------------------------------------------------------
def test_catalogue_rows_have_unique_ids_a_group_a_section_and_a_one_line_summary() -> None:
    rows = CATALOGUE.rows(LAMBDA_EDGE)
    assert [r.id for r in rows] == [c.value for c in Check]
    assert len({r.id for r in rows}) == len(rows)
    for r in rows:
        assert r.group in GROUPS and r.outcome == "502 LambdaValidationError", r
        assert r.section.startswith("§") and sections(r.section), r
        assert r.summary and "\n" not in r.summary and "|" not in r.summary, r
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.id), r


def test_the_outcome_of_a_check_is_the_one_decide_gives() -> None:
    status, error = CATALOGUE.services[0].outcome.split()
    assert CATALOGUE.services[0].name == LAMBDA_EDGE and ERROR_STATUS[error] == int(status)


@pytest.mark.parametrize("rules", ["2025-11", "2023-03"])
def test_every_limit_a_check_reads_is_in_the_rule_set(rules: str) -> None:
    table = {rule for rule, _ in el.get_rules(rules).limits}
    read = {name for c in Check for name in c.limits}
    assert read and read <= table


def test_catalogue_table_rows_drop_into_json() -> None:
    rows = CATALOGUE.table()
    assert json.loads(json.dumps(rows)) == rows
    assert set(rows[0]) == {"service", "id", "group", "section", "summary", "outcome", "limits"}
    status_range = next(r for r in rows if r["id"] == "status-range")
    assert status_range["limits"] == ["status-min", "status-max"]


def test_check_members_are_their_ids() -> None:
    assert Check("disallowed-header") is Check.DISALLOWED_HEADER == "disallowed-header"
    assert str(Check.REQUEST_SIZE) == "request-size" and Check.REQUEST_SIZE.limits == (
        "request-size",
    )


# -- another validator registers its checks ----------------------------------------------------
class FakeFunctionChecks(CheckEnum):
    """Stands for a CloudFront Functions validator's checks."""

    FUNCTION_RETURN = ("function-return", "shape", "§3", "the function returned nothing usable")


def test_another_service_registers_its_checks_with_its_outcome() -> None:
    book = Catalogue()
    book.register(LAMBDA_EDGE, Check, outcome="502 LambdaValidationError", facts="le.md")
    book.register("CloudFront Functions", FakeFunctionChecks, outcome="502 X", facts="cff.md")
    book.register("CloudFront Functions", FakeFunctionChecks, outcome="502 X", facts="cff.md")
    assert [s.name for s in book.services] == [LAMBDA_EDGE, "CloudFront Functions"]
    (row,) = book.rows("CloudFront Functions")
    assert (row.id, row.outcome, row.section) == ("function-return", "502 X", "§3")
    assert len(book.rows()) == len(Check) + 1
    with pytest.raises(ValueError, match="already has a service called 'Lambda@Edge'"):
        book.register(LAMBDA_EDGE, FakeFunctionChecks, outcome="", facts="")


def test_rules_checks_lists_a_registered_service_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    book = Catalogue()
    for s in CATALOGUE.services:
        book.register(s.name, s.checks, outcome=s.outcome, facts=s.facts, groups=s.groups)
    book.register("CloudFront Functions", FakeFunctionChecks, outcome="502 X", facts="cff.md")
    monkeypatch.setattr("edgelab.commands.rules.CATALOGUE", book)
    assert cli_main(["rules", "--checks", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[-1]["service"] == "CloudFront Functions" and rows[-1]["id"] == "function-return"
    assert cli_main(["rules", "--checks"]) == 0
    out = capsys.readouterr().out
    assert "CloudFront Functions checks (cff.md); any one gives 502 X:" in out


# -- the CLI and the README list the checks ----------------------------------------------------
def test_rules_checks_prints_every_check_with_its_section_and_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli_main(["rules", "--checks"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Lambda@Edge checks (lambda-edge-facts.md); any one gives 502 ")
    for c in Check:
        line = next(x for x in out.splitlines() if x.split()[:1] == [c.value])
        assert c.section in line and c.summary in line
    assert cli_main(["rules", "--checks", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == CATALOGUE.table()


def test_rules_lists_the_checks_by_group_after_the_limits(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli_main(["rules"]) == 0
    out = capsys.readouterr().out
    start = out.index("checks of Lambda@Edge, by what they check")
    listed = out[start:]
    for group in GROUPS:
        ids = ", ".join(c.value for c in Check if c.group == group)
        assert f"  {group:<8} {ids}\n" in listed


def test_readme_checks_table_is_rendered_from_the_catalogue() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert checks_markdown(CATALOGUE.rows(LAMBDA_EDGE)) in readme


# -- the validator: one module per group, ids never spelled out --------------------------------
def _check_refs(path: Path) -> list[str]:
    """The ``Check.X`` members a module names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "Check"
    ]


def test_each_checks_module_is_a_group_and_makes_only_its_groups_checks() -> None:
    modules = {p.stem for p in CHECKS_DIR.glob("*.py") if p.stem != "__init__"}
    assert modules == set(GROUPS)
    for group in GROUPS:
        named = {Check[name] for name in _check_refs(CHECKS_DIR / f"{group}.py")}
        assert named == {c for c in Check if c.group == group}, group


def test_the_validator_spells_out_no_check_id() -> None:
    ids = {c.value for c in Check}
    files = [*CHECKS_DIR.glob("*.py"), ROOT / "edgelab" / "rules" / "validate.py"]
    spelled = [
        f"{path.name}: {node.value!r}"
        for path in files
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in ids
    ]
    assert spelled == []


def test_the_walks_hold_checks_of_the_checks_modules_once_each() -> None:
    for walk in (checks.REQUEST_CHECKS, checks.RESPONSE_CHECKS):
        assert len(set(walk)) == len(walk)
        for fn in walk:
            module = fn.__module__.rpartition(".")[2]
            assert fn.__module__ == f"edgelab.rules.checks.{module}" and module in GROUPS


# -- any result: violations name catalogue checks and cite their sections -------------------------
@settings(max_examples=200)
@given(result=strategies.handler_returns, trigger=st.sampled_from([VREQ, OREQ, ORESP, VRESP]))
def test_every_violation_of_any_result_is_a_catalogue_check_citing_its_section(
    result: Any, trigger: str
) -> None:
    cf_in = el.cf_record(el.build_event(trigger))
    _, found = el.validate_result(
        result, trigger=el.Trigger(trigger), cf_in=cf_in, rules=el.get_rules()
    )
    for v in found:
        check = Check(v.rule)
        assert sections(v.section) and sections(v.section) <= sections(check.section), v
