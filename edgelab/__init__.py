"""edgelab: learn, prototype and document AWS Lambda@Edge handlers without AWS.

    import edgelab as el
    event = el.build_event("viewer-request", uri="/index.html")
    result = el.invoke("handlers/redirect.py", event)

The package, in the order one request meets it: ``triggers`` (the four trigger points),
``event/`` (the event a function gets: headers, build/load, mutate), ``rules/`` (what it
may do: tables, validate, outcome), ``runtimes/`` (running it: context, Python, Node.js),
``invoke`` (one handler, one event), ``edge/`` (a distribution: viewer, CloudFront
headers, cache, origins, the chain of stages, traces, config, server), ``frames/`` (the
pandas layer: traffic, logs, latency, replay), then presentation: ``analysis``,
``plots``, ``report``, ``widgets/``, ``commands/`` and ``cli``. CloudFront Functions have
their own package, ``cloudfront_functions/`` (their event shape, rule set, KeyValueStore
data, validation and outcome: the counterpart of ``event/`` and ``rules/``), and their
sandbox, ``runtimes/cloudfront_js``.
"""

import importlib

from .cloudfront_functions import (
    CFF_DECISIONS,
    CFF_RULE_SETS,
    FunctionResult,
    KeyValueStoreData,
    LoadedCffEvent,
    aws_test_result,
    build_cff_event,
    get_cff_rules,
    load_cff_event,
    load_kvs,
    to_cff_event,
    to_lambda_event,
)
from .cloudfront_functions import RUNTIMES as CFF_RUNTIMES
from .edge.cache import Cache, CachePolicy
from .edge.config import load_distribution
from .edge.distribution import (
    CacheBehavior,
    CloudFrontFunctionConfig,
    Distribution,
    OriginRequestPolicy,
    TriggerConfig,
)
from .edge.origins import CallableOrigin, FolderOrigin, HttpOrigin, MappingOrigin
from .edge.targets import EchoOrigin, OriginTarget
from .edge.tiers import CacheTiers
from .edge.trace import OriginCall, Stage, Trace, load_traces, traces_to_frame
from .edge.viewer import ViewerRequest
from .errors import (
    ConfigError,
    DefinitionError,
    EdgelabError,
    EventError,
    HandlerLoadError,
    InputError,
    OriginError,
    RuntimeUnavailable,
    TriggerNameError,
)
from .event.build import LoadedEvent, build_event, custom_origin, load_event, s3_origin, save_event
from .event.headers import Headers, MutableHeaders, canonical_key, header_map
from .event.mutate import (
    append_header,
    remove_header,
    rewrite_uri,
    set_body,
    set_cookie,
    set_header,
    set_query_param,
    set_response_cookie,
    set_status,
    switch_origin,
)
from .invoke import close_handlers, invoke, invoke_many
from .rules.catalogue import CATALOGUE, Check
from .rules.outcome import ErrorInfo, InvocationResult, error_response
from .rules.tables import DECISIONS, DEFAULT_RULES, OVERRIDE_RANGES, RULE_SETS, RuleSet, get_rules
from .rules.validate import Violation, validate_result
from .runtimes import Handler, load_handler
from .runtimes.cloudfront_js import CloudFrontFunctionHandler, load_cloudfront_function
from .runtimes.context import LambdaContext
from .triggers import TRIGGERS, Trigger

# Traffic, replay and reports pull in pandas and numpy: loaded on first use (PEP 562),
# so ``import edgelab`` and ``edgelab invoke`` stay quick (see ``edgelab._lazy``).
_LAZY = {
    "TRAFFIC_PROFILES": "frames.traffic",
    "LatencyModel": "frames.latency",
    "TrafficProfile": "frames.traffic",
    "estimate_latency": "frames.latency",
    "DistributionSpec": "definitions",
    "load_definition": "definitions",
    "generate_traffic": "frames.traffic",
    "nearest_edge": "frames.latency",
    "read_access_logs": "frames.logs",
    "read_traffic": "frames.traffic",
    "replay": "frames.replay",
    "save_traffic": "frames.traffic",
    "write_access_log": "frames.logs",
    "iter_access_logs": "frames.logs",
    "inspect_logs": "frames.logs",
    "write_log": "frames.logs",
    "LogReader": "frames.logs",
    "calibrate_latency": "frames.logs",
    "compare_costs": "frames.cost_comparison",
    "write_report": "report",
}
# Names that were exported before and still resolve, though they are internals or a
# second name for something public (``load_traffic``: use ``read_traffic``); they are
# not in ``__all__`` and new code should not use them.
_KEPT = {
    "cf_record": "event.build",
    "normalize_event": "event.build",
    "get_handler": "invoke",
    "RawResult": "runtimes.base",
    "ContextInfo": "runtimes.context",
    "load_traffic": "frames.traffic",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"edgelab.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    if name in _KEPT:
        return getattr(importlib.import_module(f"edgelab.{_KEPT[name]}"), name)
    raise AttributeError(f"module 'edgelab' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "CATALOGUE",
    "CFF_DECISIONS",
    "CFF_RULE_SETS",
    "CFF_RUNTIMES",
    "DECISIONS",
    "DEFAULT_RULES",
    "OVERRIDE_RANGES",
    "RULE_SETS",
    "TRAFFIC_PROFILES",
    "TRIGGERS",
    "Cache",
    "CacheBehavior",
    "CachePolicy",
    "CacheTiers",
    "CallableOrigin",
    "Check",
    "CloudFrontFunctionConfig",
    "CloudFrontFunctionHandler",
    "ConfigError",
    "DefinitionError",
    "Distribution",
    "DistributionSpec",
    "EchoOrigin",
    "EdgelabError",
    "ErrorInfo",
    "EventError",
    "FolderOrigin",
    "FunctionResult",
    "Handler",
    "HandlerLoadError",
    "Headers",
    "HttpOrigin",
    "InputError",
    "InvocationResult",
    "KeyValueStoreData",
    "LambdaContext",
    "LatencyModel",
    "LoadedCffEvent",
    "LoadedEvent",
    "LogReader",
    "MappingOrigin",
    "MutableHeaders",
    "OriginCall",
    "OriginError",
    "OriginRequestPolicy",
    "OriginTarget",
    "RuleSet",
    "RuntimeUnavailable",
    "Stage",
    "Trace",
    "TrafficProfile",
    "Trigger",
    "TriggerConfig",
    "TriggerNameError",
    "ViewerRequest",
    "Violation",
    "append_header",
    "aws_test_result",
    "build_cff_event",
    "build_event",
    "calibrate_latency",
    "canonical_key",
    "close_handlers",
    "compare_costs",
    "custom_origin",
    "error_response",
    "estimate_latency",
    "generate_traffic",
    "get_cff_rules",
    "get_rules",
    "header_map",
    "inspect_logs",
    "invoke",
    "invoke_many",
    "iter_access_logs",
    "load_cff_event",
    "load_cloudfront_function",
    "load_definition",
    "load_distribution",
    "load_event",
    "load_handler",
    "load_kvs",
    "load_traces",
    "nearest_edge",
    "read_access_logs",
    "read_traffic",
    "remove_header",
    "replay",
    "rewrite_uri",
    "s3_origin",
    "save_event",
    "save_traffic",
    "set_body",
    "set_cookie",
    "set_header",
    "set_query_param",
    "set_response_cookie",
    "set_status",
    "switch_origin",
    "to_cff_event",
    "to_lambda_event",
    "traces_to_frame",
    "validate_result",
    "write_access_log",
    "write_log",
    "write_report",
]
