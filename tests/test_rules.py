"""edgelab.rules.tables: the fact sheet's quotas and header lists as data, named sets, overrides."""

from __future__ import annotations

from typing import Any

import pytest

import edgelab as el
from tests.facts import DISALLOWED, READ_ONLY

VREQ, OREQ, ORESP, VRESP = el.TRIGGERS
KB, MB = 1024, 1024 * 1024


@pytest.mark.parametrize(("rule", "trigger", "value"), [
    pytest.param("timeout", VREQ, 5, id="§5.1 VReq timeout 5 s"),
    pytest.param("timeout", VRESP, 5, id="§5.1 VResp timeout 5 s"),
    pytest.param("timeout", OREQ, 30, id="§5.1 OReq timeout 30 s"),
    pytest.param("timeout", ORESP, 30, id="§5.1 OResp timeout 30 s"),
    pytest.param("memory", VREQ, 128, id="§5.1 viewer memory 128 MB"),
    pytest.param("generated-response-size", VREQ, 40 * KB, id="§4 VReq generated 40 KB"),
    pytest.param("generated-response-size", OREQ, 1 * MB, id="§4 OReq generated 1 MB"),
    pytest.param("body-exposed", VREQ, 40 * KB, id="§1.4 VReq body 40 KB"),
    pytest.param("body-exposed", OREQ, 1 * MB, id="§1.4 OReq body 1 MB"),
    pytest.param("body-replace-text", VREQ, 40 * KB, id="§5.1 VReq text body 40 KB"),
    pytest.param("body-replace-base64", VREQ, int(53.2 * KB), id="§5.1 VReq base64 53.2 KB"),
    pytest.param("body-replace-base64", OREQ, int(1.33 * MB), id="§5.1 OReq base64 1.33 MB"),
    pytest.param("uri-querystring-length", VREQ, 8192, id="§2 uri+qs under 8192"),
    pytest.param("request-size", OREQ, 20480, id="§5.3 request 20,480 bytes"),
    pytest.param("status-min", ORESP, 200, id="§1.7 status from 200"),
    pytest.param("status-max", ORESP, 599, id="§1.7 status to 599"),
    pytest.param("origin-custom-headers", OREQ, 10, id="§5.3 10 custom headers"),
    pytest.param("custom-header-name-length", OREQ, 256, id="§5.3 name 256"),
    pytest.param("custom-header-value-length", OREQ, 1783, id="§5.3 value 1783"),
    pytest.param("custom-headers-total-length", OREQ, 10240, id="§5.3 total 10240"),
])
def test_default_rule_set_holds_the_fact_sheet_quotas(rule: str, trigger: el.Trigger,
                                                      value: float) -> None:
    assert el.get_rules().limit(rule, trigger) == value


@pytest.mark.parametrize(("rule", "trigger"), [
    pytest.param("body-exposed", VRESP, id="§1.4 no Include Body in response triggers"),
    pytest.param("origin-custom-headers", VREQ, id="§1.3 no origin in VReq"),
])
def test_quota_that_does_not_apply_is_none(rule: str, trigger: el.Trigger) -> None:
    assert el.get_rules().limit(rule, trigger) is None




def _names(rules: el.RuleSet, kind: str, trigger: el.Trigger) -> set[str]:
    return {r["rule"] for r in rules.table() if r["kind"] == kind and r["trigger"] == trigger}


def test_disallowed_list_is_the_27_entries_of_section_3_1() -> None:
    assert len(DISALLOWED) == 27
    for trig in el.TRIGGERS:
        assert _names(el.get_rules(), "disallowed", trig) == {n.lower() for n in DISALLOWED}


@pytest.mark.parametrize("trigger", el.TRIGGERS)
def test_read_only_lists_are_those_of_section_3_2(trigger: el.Trigger) -> None:
    assert _names(el.get_rules(), "read-only", trigger) == {n.lower() for n in READ_ONLY[trigger]}


@pytest.mark.parametrize(("name", "trigger", "kinds"), [
    pytest.param("x-amz-cf-pop", VRESP, {"disallowed"}, id="§3.1 X-Amz-Cf-* prefix"),
    pytest.param("x-edge-location", VRESP, {"disallowed"}, id="§3.1 X-Edge-* prefix"),
    pytest.param("x-amzn-trace-id", VREQ, set(), id="§3.1 X-Amzn-* is not a wildcard since 2021"),
    pytest.param("cloudfront-viewer-country", VREQ, {"add-forbidden"}, id="§3.1 country VReq"),
    pytest.param("cloudfront-viewer-country", OREQ, set(), id="§3.3 country fine in OReq"),
    pytest.param("host", OREQ, {"custom-header-denied"}, id="§3.2 Host writable in OReq"),
    pytest.param("x-amz-meta-a", OREQ, {"custom-header-denied"}, id="§3.4 X-Amz-* custom"),
])
def test_header_kinds_by_trigger(name: str, trigger: el.Trigger, kinds: set[str]) -> None:
    assert el.get_rules().header_kinds(name, trigger) == kinds


def test_rule_set_2025_adds_the_later_revisions() -> None:
    rules = el.get_rules("2025")
    assert all(rules.timeout_s(t) == 30 for t in el.TRIGGERS)
    assert "read-only" in rules.header_kinds("cdn-loop", VREQ)
    assert "read-only" in rules.header_kinds("cdn-loop", OREQ)
    assert "read-only" not in el.get_rules().header_kinds("cdn-loop", VREQ)
    for name in ("cloudfront-viewer-cert-pem", "client-cert", "client-cert-chain"):
        assert "disallowed" in rules.header_kinds(name, VRESP)


def test_default_is_2023_03() -> None:
    assert el.get_rules() is el.DEFAULT_RULES is el.RULE_SETS["2023-03"]
    assert el.get_rules("2023-03") is el.DEFAULT_RULES
    assert set(el.RULE_SETS) == {"2023-03", "2025"}


@pytest.mark.parametrize("overrides", [
    {"timeout.viewer-request": 10}, ["timeout.viewer-request=10"], "timeout.viewer-request=10",
], ids=["mapping", "cli strings", "one string"])
def test_override_one_trigger_leaves_the_others(overrides: Any) -> None:
    rules = el.get_rules(overrides=overrides)
    assert rules.timeout_s(VREQ) == 10 and rules.timeout_s(VRESP) == 5
    assert rules.timeout_s(OREQ) == 30 and rules.overrides == {"timeout.viewer-request": 10}
    assert el.get_rules().timeout_s(VREQ) == 5  # the named set is unchanged


def test_override_without_trigger_applies_to_every_trigger_of_the_rule() -> None:
    rules = el.get_rules("2025", overrides={"timeout": 0.5, "body-exposed": 10})
    assert [rules.timeout_s(t) for t in el.TRIGGERS] == [0.5] * 4
    assert rules.limit("body-exposed", VREQ) == 10 and rules.limit("body-exposed", VRESP) is None


def test_override_to_zero_is_kept_not_replaced_by_the_default() -> None:
    rules = el.get_rules(overrides={"timeout": 0, "memory": 0})
    assert rules.timeout_s(VREQ) == 0 and rules.memory_mb(VREQ) == 0


def test_get_rules_accepts_a_rule_set() -> None:
    rules = el.get_rules(overrides={"timeout": 1})
    assert el.get_rules(rules) is rules


@pytest.mark.parametrize(("name", "overrides", "message"), [
    (None, {"nope": 1}, "unknown rule 'nope'; the rules are"),
    (None, {"timeout.viewer": 1}, "unknown trigger 'viewer'; use one of viewer-request"),
    (None, {"origin-custom-headers.viewer-request": 1}, "does not apply to viewer-request"),
    (None, {"timeout": "ten"}, "needs a number; got 'ten'"),
    (None, {"timeout": -1}, "must not be negative"),
    (None, {"timeout": float("nan")}, "finite number"),
    (None, {"timeout": float("inf")}, "finite number"),
    (None, {"timeout": True}, "needs a number"),
    (None, ["timeout"], "must look like RULE=VALUE"),
    ("1999", None, "rule set must be one of 2023-03, 2025; got '1999'"),
])
def test_bad_rule_set_or_override_raises_config_error_with_a_clear_message(
        name: str | None, overrides: Any, message: str) -> None:
    with pytest.raises(el.ConfigError) as info:
        el.get_rules(name, overrides)
    assert message in str(info.value)


def test_table_rows_carry_kind_rule_trigger_value_unit_section() -> None:
    rows = el.get_rules().table()
    assert all(set(r) == {"kind", "rule", "trigger", "value", "unit", "section", "note"}
               for r in rows)
    assert all(r["section"].startswith("§") for r in rows)
    assert {"kind": "limit", "rule": "timeout", "trigger": "viewer-request", "value": 5,
            "unit": "s"}.items() <= next(r for r in rows if r["rule"] == "timeout").items()


def test_every_decision_cites_a_section() -> None:
    assert el.DECISIONS and all(d.section.startswith("§") and d.decision for d in el.DECISIONS)
    assert len({d.topic for d in el.DECISIONS}) == len(el.DECISIONS)
