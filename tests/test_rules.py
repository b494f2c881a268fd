"""edgelab.rules: the fact sheet's quotas and header lists as data, named sets, overrides."""

from __future__ import annotations

from typing import Any

import pytest

import edgelab as el
from edgelab.cli import main as cli_main
from tests.facts import DISALLOWED, DISALLOWED_BY_SET, READ_ONLY_BY_SET

VREQ, OREQ, ORESP, VRESP = el.TRIGGERS
KB, MB = 1024, 1024 * 1024
SETS = ["2023-03", "2025-11"]

# (rule, trigger, value in 2023-03, value in 2025-11, id)
QUOTAS = [
    ("timeout", VREQ, 5, 30, "§5.1 / §13 VReq timeout 5 s / 30 s"),
    ("timeout", VRESP, 5, 30, "§5.1 / §13 VResp timeout 5 s / 30 s"),
    ("timeout", OREQ, 30, 30, "§5.1 / §13 OReq timeout 30 s"),
    ("timeout", ORESP, 30, 30, "§5.1 / §13 OResp timeout 30 s"),
    ("memory", VREQ, 128, 128, "§5.1 / §13 viewer memory 128 MB"),
    ("memory", OREQ, 3008, 10240, "§5.1 / §13 origin memory 3,008 / 10,240 MB"),
    ("generated-response-size", VREQ, 40 * KB, 40 * KB, "§4 VReq generated 40 KB"),
    ("generated-response-size", OREQ, 1 * MB, 1 * MB, "§4 OReq generated 1 MB"),
    ("body-exposed", VREQ, 40 * KB, 40 * KB, "§1.4 VReq body 40 KB"),
    ("body-exposed", OREQ, 1 * MB, 1 * MB, "§1.4 OReq body 1 MB"),
    ("body-replace-text", VREQ, 40 * KB, 40 * KB, "§5.1 VReq text body 40 KB"),
    ("body-replace-base64", VREQ, int(53.2 * KB), int(53.2 * KB), "§5.1 VReq base64 53.2 KB"),
    ("body-replace-base64", OREQ, int(1.33 * MB), int(1.33 * MB), "§5.1 OReq base64 1.33 MB"),
    ("uri-querystring-length", VREQ, 8192, 8192, "§2 uri+qs under 8192"),
    ("request-size", VREQ, 20480, 32768, "§5.3 / §13 request 20,480 / 32,768 bytes"),
    ("request-size", OREQ, 20480, 32768, "§5.3 / §13 OReq request 20,480 / 32,768 bytes"),
    ("status-min", ORESP, 200, 200, "§1.7 status from 200"),
    ("status-max", ORESP, 599, 599, "§1.7 status to 599"),
    ("origin-custom-headers", OREQ, 10, 10, "§5.3 10 custom headers"),
    ("custom-header-name-length", OREQ, 256, 256, "§5.3 name 256"),
    ("custom-header-value-length", OREQ, 1783, 1783, "§5.3 value 1783"),
    ("custom-headers-total-length", OREQ, 10240, 10240, "§5.3 total 10240"),
]


@pytest.mark.parametrize(("rule", "trigger", "value"), [
    pytest.param(rule, trig, old, id=f"2023-03 {ident}") for rule, trig, old, _, ident in QUOTAS])
def test_rule_set_2023_03_holds_the_fact_sheet_quotas(rule: str, trigger: el.Trigger,
                                                      value: float) -> None:
    assert el.get_rules("2023-03").limit(rule, trigger) == value


@pytest.mark.parametrize(("rule", "trigger", "value"), [
    pytest.param(rule, trig, new, id=f"2025-11 {ident}") for rule, trig, _, new, ident in QUOTAS])
def test_rule_set_2025_11_holds_the_current_pages_quotas(rule: str, trigger: el.Trigger,
                                                         value: float) -> None:
    assert el.get_rules("2025-11").limit(rule, trigger) == value


def test_every_value_2025_11_changes_cites_section_13() -> None:
    old, new = el.get_rules("2023-03"), el.get_rules("2025-11")
    assert set(old.limits) == set(new.limits)
    changed = [key for key in new.limits if new.limits[key].value != old.limits[key].value]
    assert {rule for rule, _ in changed} == {"timeout", "memory", "request-size"}
    assert all(new.limits[key].section.startswith("§13") for key in changed)
    added = set(new.header_rules) - set(old.header_rules)
    assert added and all(r.section.startswith("§13") for r in added)
    assert set(old.header_rules) <= set(new.header_rules)  # 2025-11 only adds header rules


@pytest.mark.parametrize(("rule", "trigger"), [
    pytest.param("body-exposed", VRESP, id="§1.4 no Include Body in response triggers"),
    pytest.param("origin-custom-headers", VREQ, id="§1.3 no origin in VReq"),
])
@pytest.mark.parametrize("name", SETS)
def test_quota_that_does_not_apply_is_none(name: str, rule: str, trigger: el.Trigger) -> None:
    assert el.get_rules(name).limit(rule, trigger) is None


def _names(rules: el.RuleSet, kind: str, trigger: el.Trigger) -> set[str]:
    return {r["rule"] for r in rules.table() if r["kind"] == kind and r["trigger"] == trigger}


def test_disallowed_list_of_2023_03_is_the_27_entries_of_section_3_1() -> None:
    assert len(DISALLOWED) == 27
    for trig in el.TRIGGERS:
        assert _names(el.get_rules("2023-03"), "disallowed", trig) == {
            n.lower() for n in DISALLOWED}


@pytest.mark.parametrize("name", SETS)
def test_disallowed_lists_are_those_of_the_facts(name: str) -> None:
    for trig in el.TRIGGERS:
        assert _names(el.get_rules(name), "disallowed", trig) == {
            n.lower() for n in DISALLOWED_BY_SET[name]}


@pytest.mark.parametrize("trigger", el.TRIGGERS)
@pytest.mark.parametrize("name", SETS)
def test_read_only_lists_are_those_of_the_facts(name: str, trigger: el.Trigger) -> None:
    assert _names(el.get_rules(name), "read-only", trigger) == {
        n.lower() for n in READ_ONLY_BY_SET[name][trigger]}


@pytest.mark.parametrize(("name", "trigger", "kinds"), [
    pytest.param("x-amz-cf-pop", VRESP, {"disallowed"}, id="§3.1 X-Amz-Cf-* prefix"),
    pytest.param("x-edge-location", VRESP, {"disallowed"}, id="§3.1 X-Edge-* prefix"),
    pytest.param("x-amzn-trace-id", VREQ, set(), id="§3.1 X-Amzn-* is not a wildcard since 2021"),
    pytest.param("cloudfront-viewer-country", VREQ, {"add-forbidden"}, id="§3.1 country VReq"),
    pytest.param("cloudfront-viewer-country", OREQ, set(), id="§3.3 country fine in OReq"),
    pytest.param("host", OREQ, {"custom-header-denied"}, id="§3.2 Host writable in OReq"),
    pytest.param("x-amz-meta-a", OREQ, {"custom-header-denied"}, id="§3.4 X-Amz-* custom"),
])
@pytest.mark.parametrize("rule_set", SETS)
def test_header_kinds_by_trigger(rule_set: str, name: str, trigger: el.Trigger,
                                 kinds: set[str]) -> None:
    assert el.get_rules(rule_set).header_kinds(name, trigger) == kinds


@pytest.mark.parametrize(("name", "trigger", "kind"), [
    pytest.param("cdn-loop", VREQ, "read-only", id="§13 CDN-Loop read-only in VReq"),
    pytest.param("cdn-loop", OREQ, "read-only", id="§13 CDN-Loop read-only in OReq"),
    pytest.param("content-length", VRESP, "read-only", id="§13 Content-Length in VResp"),
    pytest.param("content-encoding", VRESP, "read-only", id="§13 Content-Encoding in VResp"),
    pytest.param("transfer-encoding", VRESP, "read-only", id="§13 Transfer-Encoding in VResp"),
    pytest.param("cloudfront-viewer-cert-pem", VREQ, "disallowed", id="§13 Cert-PEM"),
    pytest.param("client-cert", ORESP, "disallowed", id="§13 Client-Cert"),
    pytest.param("client-cert-chain", VRESP, "disallowed", id="§13 Client-Cert-Chain"),
])
def test_rule_set_2025_11_has_the_current_header_rules(name: str, trigger: el.Trigger,
                                                       kind: str) -> None:
    assert kind in el.get_rules("2025-11").header_kinds(name, trigger)
    assert kind not in el.get_rules("2023-03").header_kinds(name, trigger)


def test_default_is_2025_11() -> None:
    # DECISIONS "default rule set"
    assert el.get_rules() is el.DEFAULT_RULES is el.RULE_SETS["2025-11"]
    assert el.get_rules("2025-11") is el.DEFAULT_RULES
    assert list(el.RULE_SETS) == ["2025-11", "2023-03"]
    assert all(r.description for r in el.RULE_SETS.values())


def test_rule_set_2025_is_a_deprecated_name_for_2025_11() -> None:
    # DECISIONS "rule set 2025": it still works, and says what it now means.
    with pytest.warns(FutureWarning, match="'2025' is deprecated and now means '2025-11'"):
        rules = el.get_rules("2025")
    assert rules is el.RULE_SETS["2025-11"]
    with pytest.warns(FutureWarning):
        assert el.get_rules("2025", {"timeout": 1}).timeout_s(VREQ) == 1
    assert "2025" not in el.RULE_SETS


def test_cli_says_a_deprecated_rule_set_name_is_deprecated(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["rules", "--rules", "2025"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("rule set 2025-11")
    assert "note: rule set '2025' is deprecated and now means '2025-11'" in err


@pytest.mark.parametrize(("rule_set", "timeout_vreq"), [("2023-03", 5), ("2025-11", 30)])
def test_override_one_trigger_leaves_the_others(rule_set: str, timeout_vreq: float) -> None:
    for overrides in ({"timeout.viewer-request": 10}, ["timeout.viewer-request=10"],
                      "timeout.viewer-request=10"):
        rules = el.get_rules(rule_set, overrides=overrides)
        assert rules.timeout_s(VREQ) == 10 and rules.timeout_s(VRESP) == timeout_vreq
        assert rules.timeout_s(OREQ) == 30 and rules.overrides == {"timeout.viewer-request": 10}
        assert el.get_rules(rule_set).timeout_s(VREQ) == timeout_vreq  # the set is unchanged


def test_override_without_trigger_applies_to_every_trigger_of_the_rule() -> None:
    rules = el.get_rules("2023-03", overrides={"timeout": 0.5, "body-exposed": 10})
    assert [rules.timeout_s(t) for t in el.TRIGGERS] == [0.5] * 4
    assert rules.limit("body-exposed", VREQ) == 10 and rules.limit("body-exposed", VRESP) is None


@pytest.mark.parametrize(("overrides", "checks"), [
    pytest.param({"timeout": 0.001}, ("timeout", 0.001), id="timeout just above 0"),
    pytest.param({"timeout": 900}, ("timeout", 900), id="timeout 900 s"),
    pytest.param({"memory": 128}, ("memory", 128), id="memory 128 MB"),
    pytest.param({"memory.origin-request": 10240}, ("memory", 10240), id="memory 10,240 MB"),
    pytest.param({"request-size": 1}, ("request-size", 1), id="request-size 1 byte"),
    pytest.param({"status-min": 100, "status-max": 999}, ("status-max", 999), id="status 100-999"),
])
def test_override_at_the_edge_of_its_range_is_accepted(overrides: dict[str, float],
                                                       checks: tuple[str, float]) -> None:
    rule, value = checks
    rules = el.get_rules(overrides=overrides)
    assert value in {lim.value for (r, _), lim in rules.limits.items() if r == rule}


RANGE_ERRORS = [
    ({"timeout": 0}, "timeout must be a number of seconds above 0 and at most 900", "0"),
    ({"timeout": -1}, "timeout must be a number of seconds above 0 and at most 900", "-1"),
    ({"timeout": 901}, "at most 900", "901"),
    ({"memory": 0}, "memory must be a whole number of MB from 128 to 10,240", "0"),
    ({"memory": 64}, "from 128 to 10,240", "64"),
    ({"memory": 10241}, "from 128 to 10,240", "10241"),
    ({"memory": 256.5}, "a whole number of MB", "256.5"),
    ({"request-size": 0}, "request-size must be a whole number of bytes from 1 up", "0"),
    ({"origin-custom-headers.origin-request": 0}, "a whole number of headers from 1 up", "0"),
    ({"status-min": 99}, "status-min must be a whole number from 100 to 999", "99"),
    ({"status-min": 500, "status-max": 400}, "status-min (500) must not be above status-max",
     "400"),
]


@pytest.mark.parametrize(("overrides", "message", "value"), RANGE_ERRORS,
                         ids=[str(o) for o, _, _ in RANGE_ERRORS])
def test_override_out_of_range_is_a_config_error_naming_rule_range_and_value(
        overrides: dict[str, float], message: str, value: str) -> None:
    # DECISIONS "rule override ranges"
    with pytest.raises(el.ConfigError) as info:
        el.get_rules(overrides=overrides)
    text = str(info.value)
    assert message in text and value in text and "\n" not in text


def test_every_overridable_rule_has_a_range_its_values_fit() -> None:
    for rules in el.RULE_SETS.values():
        for (rule, _), lim in rules.limits.items():
            assert rule in el.OVERRIDE_RANGES, rule
            assert el.OVERRIDE_RANGES[rule].contains(lim.value), (rules.name, rule, lim.value)


@pytest.mark.parametrize("setting", ["timeout=0", "memory=0"])
def test_cli_refuses_a_non_positive_override_with_exit_2(
        setting: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["rules", "--set", setting]) == 2
    out, err = capsys.readouterr()
    rule = setting.partition("=")[0]
    assert out == "" and f"rule override {rule!r}" in err and "got 0" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_get_rules_accepts_a_rule_set() -> None:
    rules = el.get_rules(overrides={"timeout": 1})
    assert el.get_rules(rules) is rules


@pytest.mark.parametrize(("name", "overrides", "message"), [
    (None, {"nope": 1}, "unknown rule 'nope'; the rules are"),
    (None, {"timeout.viewer": 1}, "unknown trigger 'viewer'; use one of viewer-request"),
    (None, {"origin-custom-headers.viewer-request": 1}, "does not apply to viewer-request"),
    (None, {"timeout": "ten"}, "needs a number; got 'ten'"),
    (None, {"timeout": float("nan")}, "finite number"),
    (None, {"timeout": float("inf")}, "finite number"),
    (None, {"timeout": True}, "needs a number"),
    (None, ["timeout"], "must look like RULE=VALUE"),
    ("1999", None, "rule set must be one of 2025-11, 2023-03; got '1999'"),
])
def test_bad_rule_set_or_override_raises_config_error_with_a_clear_message(
        name: str | None, overrides: Any, message: str) -> None:
    with pytest.raises(el.ConfigError) as info:
        el.get_rules(name, overrides)
    assert message in str(info.value)


def test_table_rows_carry_kind_rule_trigger_value_unit_section() -> None:
    rows = el.get_rules("2023-03").table()
    assert all(set(r) == {"kind", "rule", "trigger", "value", "unit", "section", "note"}
               for r in rows)
    assert all(r["section"].startswith("§") for r in rows)
    assert {"kind": "limit", "rule": "timeout", "trigger": "viewer-request", "value": 5,
            "unit": "s"}.items() <= next(r for r in rows if r["rule"] == "timeout").items()


def test_rules_command_prints_the_sets_ranges_and_default(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["rules", "--rules", "2023-03"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("rule set 2023-03: the March 2023 developer guide")
    assert "memory                       a whole number of MB from 128 to 10,240" in out
    assert "(default 2025-11)" in out and "'2025' is a deprecated name for 2025-11" in out


def test_every_decision_cites_a_section() -> None:
    assert el.DECISIONS and all(d.section.startswith("§") and d.decision for d in el.DECISIONS)
    assert len({d.topic for d in el.DECISIONS}) == len(el.DECISIONS)
    assert not any("|" in d.topic + d.decision for d in el.DECISIONS)  # README table cells
