"""edgelab: learn, prototype and document AWS Lambda@Edge handlers without AWS.

    import edgelab as el
    event = el.build_event("viewer-request", uri="/index.html")
    result = el.invoke("handlers/redirect.py", event)

Modules, in the order one request meets them: ``triggers`` (the four trigger points),
``events`` / ``headers`` / ``mutate`` (the event a function gets), ``rules`` (what it may
do), ``context`` and ``runtimes`` (running it), ``validate`` and ``outcome`` (what
CloudFront makes of the result), ``invoke`` (all of that in one call).
"""

from .edge.cache import Cache, CachePolicy
from .edge.config import load_distribution
from .edge.distribution import Distribution, OriginRequestPolicy, TriggerConfig
from .edge.origins import CallableOrigin, FolderOrigin, HttpOrigin, MappingOrigin, OriginError
from .edge.trace import OriginCall, Stage, Trace, load_traces, traces_to_frame
from .edge.viewer import ViewerRequest
from .errors import ConfigError, EdgelabError, EventError, HandlerLoadError, RuntimeUnavailable
from .event.build import (
    LoadedEvent,
    build_event,
    cf_record,
    custom_origin,
    load_event,
    normalize_event,
    s3_origin,
    save_event,
)
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
from .invoke import close_handlers, get_handler, invoke, invoke_many
from .rules.outcome import ErrorInfo, InvocationResult, error_response
from .rules.tables import DECISIONS, DEFAULT_RULES, OVERRIDE_RANGES, RULE_SETS, RuleSet, get_rules
from .rules.validate import Violation, validate_result
from .runtimes import Handler, RawResult, load_handler
from .runtimes.context import ContextInfo, LambdaContext
from .triggers import TRIGGERS, Trigger

# Traffic, replay, analysis and reports pull in pandas and numpy: loaded on first use
# (PEP 562), so ``import edgelab`` and ``edgelab invoke`` stay quick.
_LAZY = {
    "TRAFFIC_PROFILES": ("frames.traffic", "PROFILES"),
    "LatencyModel": ("frames.latency", "LatencyModel"),
    "TrafficProfile": ("frames.traffic", "Profile"),
    "estimate_latency": ("frames.latency", "estimate_latency"),
    "generate_traffic": ("frames.traffic", "generate"),
    "load_traffic": ("frames.traffic", "load_traffic"),
    "nearest_edge": ("frames.latency", "nearest_edge"),
    "read_access_logs": ("frames.logs", "read_access_logs"),
    "read_traffic": ("frames.traffic", "read_traffic"), "replay": ("frames.replay", "replay"),
    "save_traffic": ("frames.traffic", "save_traffic"),
    "write_access_log": ("frames.logs", "write_access_log"),
    "write_report": ("report", "write_report"),
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
    "DECISIONS",
    "DEFAULT_RULES",
    "OVERRIDE_RANGES",
    "RULE_SETS",
    "TRAFFIC_PROFILES",
    "TRIGGERS",
    "Cache",
    "CachePolicy",
    "CallableOrigin",
    "ConfigError",
    "ContextInfo",
    "Distribution",
    "EdgelabError",
    "ErrorInfo",
    "EventError",
    "FolderOrigin",
    "Handler",
    "HandlerLoadError",
    "Headers",
    "HttpOrigin",
    "InvocationResult",
    "LambdaContext",
    "LatencyModel",
    "LoadedEvent",
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
    "build_event",
    "canonical_key",
    "cf_record",
    "close_handlers",
    "custom_origin",
    "error_response",
    "estimate_latency",
    "generate_traffic",
    "get_handler",
    "get_rules",
    "header_map",
    "invoke",
    "invoke_many",
    "load_distribution",
    "load_event",
    "load_handler",
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
    "traces_to_frame",
    "validate_result",
    "write_access_log",
    "write_report",
]
