"""CloudFront Functions: the lightweight viewer functions, beside Lambda@Edge.

    import edgelab as el
    event = el.build_cff_event("viewer-request", uri="/old/page")
    result = el.invoke("redirect.js", event, runtime="cloudfront-js-2.0", kvs="kvs.json")
    result.outcome, result.status, result.compute_utilization

Modules, in the order one run meets them: ``features`` (what each runtime offers),
``event`` (the event, and conversion to and from Lambda@Edge's), ``limits`` (the rule
set), ``kvs`` (KeyValueStore data), ``validate`` and ``result`` (CloudFront's outcome),
``decisions`` (how edgelab reads the UNSURE facts).

The package is CloudFront Functions' counterpart of ``event/`` and ``rules/``: it imports
only those (and ``triggers``, ``errors``, ``runtimes.base``), and the layers above use
it: the sandbox that runs a function is ``edgelab.runtimes.cloudfront_js``, the front
door ``edgelab.invoke(..., runtime=...)``, the cost comparison
``edgelab.frames.cost_comparison``.
"""

from .decisions import CFF_DECISIONS
from .event import (
    LoadedCffEvent,
    build_cff_event,
    is_cff_event,
    load_cff_event,
    normalize_cff_event,
    to_cff_event,
    to_lambda_event,
)
from .features import RUNTIMES, is_cff_runtime
from .kvs import KeyValueStoreData, load_kvs
from .limits import CFF_RULE_SETS, DEFAULT_CFF_RULES, get_cff_rules
from .result import FunctionResult, aws_test_result, cff_error_response
from .validate import validate_cff_result

__all__ = [
    "CFF_DECISIONS",
    "CFF_RULE_SETS",
    "DEFAULT_CFF_RULES",
    "RUNTIMES",
    "FunctionResult",
    "KeyValueStoreData",
    "LoadedCffEvent",
    "aws_test_result",
    "build_cff_event",
    "cff_error_response",
    "get_cff_rules",
    "is_cff_event",
    "is_cff_runtime",
    "load_cff_event",
    "load_kvs",
    "normalize_cff_event",
    "to_cff_event",
    "to_lambda_event",
    "validate_cff_result",
]
