"""Every CloudFront Functions decision on an UNSURE fact is pinned by a test, listed by
``edgelab rules --decisions`` and in the README."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

import edgelab as el
from tests.conftest import ROOT

V = "test_cloudfront_functions_validate"
R = "test_cloudfront_functions_runtime"
H = "test_cloudfront_functions_helpers"
K = "test_cloudfront_functions_kvs"
C = "test_chain_cloudfront_functions"
INVALID = f"{V}::test_invalid_results_give_502_with_the_broken_rule"
REFUSED = f"{R}::test_what_the_runtime_lacks_is_refused_when_loaded"
OFFERS = f"{R}::test_the_sandbox_offers_what_the_runtime_offers"
COMPUTE = f"{V}::test_compute_utilization_is_cpu_time_against_the_budget"
PINNED = {
    "state between invocations": f"{R}::test_no_state_persists_between_invocations",
    "syntax the runtime pages do not list": REFUSED,
    "async arguments and closures (2.0)": REFUSED,
    "built-in methods (1.0)": OFFERS,
    "built-in objects (2.0)": OFFERS,
    "Math.random": f"{R}::test_math_random_is_seeded_per_run",
    "console.log with several arguments": f"{R}::test_console_log",
    "hash digest() without encoding (1.0)": f"{R}::test_digest_without_encoding",
    "querystring values": "test_cloudfront_functions_events::test_querystring_values_stay_as_sent",
    "request.rawQueryString()": f"{H}::test_raw_query_string",
    "what a returned object is": f"{V}::test_fields_a_returned_request_leaves_out_keep_them",
    "returning undefined, the whole event or a non-object": (
        f"{V}::test_returning_no_request_or_response_gives_502"
    ),
    "validation errors other than header rules": INVALID,
    "statusCode range": INVALID,
    "non-string header, cookie or query values": INVALID,
    "cookie and set-cookie headers": INVALID,
    "query string characters": INVALID,
    "querystring as a string": f"{V}::test_a_querystring_string_is_accepted_from_2_0_only",
    "invalid base64 body": INVALID,
    "generated response size": f"{V}::test_valid_results_go_through",
    "execution errors": f"{V}::test_a_thrown_error_gives_503_with_its_line",
    "compute budget": COMPUTE,
    "compute utilization over 100 %": COMPUTE,
    "a run that does not finish": f"{R}::test_an_endless_loop_is_stopped_and_the_next_call_works",
    "function size": f"{R}::test_function_size_is_limited_to_10_kb",
    "memory": f"{V}::test_memory_over_the_limit_gives_503_memory_error",
    "cf.logCustomData over 800 bytes": f"{H}::test_log_custom_data",
    "cf.kvs() or cf.kvs(id)": f"{K}::test_a_function_reads_the_store",
    "kvs get of a missing key": f"{K}::test_a_function_reads_the_store",
    "kvs key size": f"{K}::test_import_file_limits",
    "origin helpers in viewer response": f"{H}::test_origin_helpers_in_viewer_response_throw",
    "unknown origin id": f"{V}::test_invalid_origin_changes_give_502",
    "createRequestOriginGroup forms": f"{V}::test_valid_origin_changes_are_kept_for_the_chain",
    "several origin helper calls": f"{V}::test_several_origin_calls_are_kept_in_order",
    "CloudFront headers a viewer-request function sees": (
        f"{C}::test_cloudfront_headers_are_added_once_before_the_function"
    ),
    "a generated response in a distribution": (
        f"{C}::test_a_generated_response_is_not_cached_and_skips_viewer_response"
    ),
    "edge rules and a viewer-request function": (
        f"{C}::test_edge_rules_answer_before_the_function_and_the_root_object_after"
    ),
    "origin helpers in a distribution": (
        f"{C}::test_origin_helpers_act_on_the_distributions_origins"
    ),
    "createRequestOriginGroup in a distribution": (
        "test_failover::test_an_origin_group_a_cloudfront_function_built_fails_over"
    ),
    "request.rawQueryString() in a distribution": (
        f"{C}::test_raw_query_string_and_the_query_string_sent_on"
    ),
    "cf.edgeLocation in a distribution": (
        f"{C}::test_edge_location_is_the_pop_and_its_regional_edge_cache"
    ),
    "origin failover": f"{C}::test_viewer_functions_sit_outside_the_origin_stages",
}


@pytest.mark.parametrize("decision", el.CFF_DECISIONS, ids=lambda d: d.topic)
def test_every_decision_is_pinned_by_a_test(decision: Any) -> None:
    assert decision.topic in PINNED, f"no test pins the decision {decision.topic!r}"
    module, function = PINNED[decision.topic].split("::")
    assert callable(getattr(importlib.import_module(f"tests.{module}"), function))


def test_no_pin_names_a_decision_that_is_gone() -> None:
    assert set(PINNED) == {d.topic for d in el.CFF_DECISIONS}


def test_readme_lists_every_decision() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [
        d.topic
        for d in el.CFF_DECISIONS
        if f"| {d.section} | {d.topic} | {d.decision} |" not in readme
    ]
    assert missing == []


def test_decisions_cite_the_facts() -> None:
    assert all(d.section.startswith("§") for d in el.CFF_DECISIONS)
    assert len({d.topic for d in el.CFF_DECISIONS}) == len(el.CFF_DECISIONS)
