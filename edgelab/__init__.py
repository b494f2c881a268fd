"""edgelab: learn, prototype and document AWS Lambda@Edge handlers without AWS.

    import edgelab as el
    event = el.build_event("viewer-request", uri="/index.html")
    result = el.invoke("handlers/redirect.py", event)

Modules, in the order one request meets them: ``triggers`` (the four trigger points),
``events`` / ``headers`` / ``mutate`` (the event a function gets), ``rules`` (what it may
do), ``context`` and ``runtimes`` (running it), ``validate`` and ``outcome`` (what
CloudFront makes of the result), ``invoke`` (all of that in one call).
CloudFront Functions have their own package, ``cloudfront_functions`` (events, rules,
KeyValueStore, validation, outcome), and sandbox, ``runtimes.cloudfront_js``.
"""

from .cache import Cache, CachePolicy
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
from .context import ContextInfo, LambdaContext
from .distribution import Distribution, OriginRequestPolicy, TriggerConfig, load_distribution
from .errors import (
    ConfigError,
    DefinitionError,
    EdgelabError,
    EventError,
    HandlerLoadError,
    RuntimeUnavailable,
)
from .events import (
    LoadedEvent,
    build_event,
    cf_record,
    custom_origin,
    load_event,
    normalize_event,
    s3_origin,
    save_event,
)
from .headers import Headers, MutableHeaders, canonical_key, header_map
from .invoke import close_handlers, get_handler, invoke, invoke_many
from .mutate import (
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
from .origins import CallableOrigin, FolderOrigin, HttpOrigin, MappingOrigin, OriginError
from .outcome import ErrorInfo, InvocationResult, error_response
from .rules import DECISIONS, DEFAULT_RULES, OVERRIDE_RANGES, RULE_SETS, RuleSet, get_rules
from .runtimes import Handler, RawResult, load_cloudfront_function, load_handler
from .runtimes.cloudfront_js import CloudFrontFunctionHandler
from .trace import OriginCall, Stage, Trace, load_traces, traces_to_frame
from .triggers import TRIGGERS, Trigger
from .validate import Violation, validate_result
from .viewer import ViewerRequest

# Traffic, replay, analysis and reports pull in pandas and numpy: loaded on first use
# (PEP 562), so ``import edgelab`` and ``edgelab invoke`` stay quick.
_LAZY = {
    "TRAFFIC_PROFILES": ("traffic", "PROFILES"), "LatencyModel": ("latency", "LatencyModel"),
    "TrafficProfile": ("traffic", "Profile"), "estimate_latency": ("latency", "estimate_latency"),
    "compare_costs": ("cloudfront_functions.pricing", "compare_costs"),
    "DistributionSpec": ("definitions", "DistributionSpec"),
    "load_definition": ("definitions", "load_definition"),
    "generate_traffic": ("traffic", "generate"), "load_traffic": ("traffic", "load_traffic"),
    "nearest_edge": ("latency", "nearest_edge"), "read_access_logs": ("logs", "read_access_logs"),
    "iter_access_logs": ("logs", "iter_access_logs"), "inspect_logs": ("logs", "inspect_logs"),
    "write_log": ("logs", "write_log"), "LogReader": ("logs", "LogReader"),
    "calibrate_latency": ("logs", "calibrate_latency"),
    "read_traffic": ("traffic", "read_traffic"), "replay": ("replay", "replay"),
    "save_traffic": ("traffic", "save_traffic"),
    "write_access_log": ("logs", "write_access_log"), "write_report": ("report", "write_report"),
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(f"edgelab.{module}"), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'edgelab' has no attribute {name!r}")

__version__ = "0.1.0"

__all__ = [
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
    "CachePolicy",
    "CallableOrigin",
    "CloudFrontFunctionHandler",
    "ConfigError",
    "ContextInfo",
    "DefinitionError",
    "Distribution",
    "DistributionSpec",
    "EdgelabError",
    "ErrorInfo",
    "EventError",
    "FolderOrigin",
    "FunctionResult",
    "Handler",
    "HandlerLoadError",
    "Headers",
    "HttpOrigin",
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
    "RawResult",
    "RuleSet",
    "RuntimeUnavailable",
    "Stage",
    "Trace",
    "TrafficProfile",
    "Trigger",
    "TriggerConfig",
    "ViewerRequest",
    "Violation",
    "append_header",
    "aws_test_result",
    "build_cff_event",
    "build_event",
    "calibrate_latency",
    "canonical_key",
    "cf_record",
    "close_handlers",
    "compare_costs",
    "custom_origin",
    "error_response",
    "estimate_latency",
    "generate_traffic",
    "get_cff_rules",
    "get_handler",
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
    "load_traffic",
    "nearest_edge",
    "normalize_event",
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
