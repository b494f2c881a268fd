"""Exercises of notebook 9, CloudFront Functions or Lambda@Edge.

Every check runs the functions: the notebook's handlers as CloudFront Functions (in their
sandbox) and as Lambda@Edge functions, and prices them with :func:`edgelab.compare_costs`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from ..cloudfront_functions.event import build_cff_event
from ..cloudfront_functions.limits import get_cff_rules
from ..cloudfront_functions.result import FunctionResult
from ..errors import EdgelabError
from ..event.build import build_event
from ..frames.cost_comparison import compare_costs
from ..invoke import invoke
from ..resources import notebook_handler
from ..rules.outcome import InvocationResult
from ..runtimes.cloudfront_js import CloudFrontFunctionHandler
from ._check import NotYet, need, node_available, task

CFF, LAMBDA = "CloudFront Functions", "Lambda@Edge"
RT1, RT2 = "cloudfront-js-1.0", "cloudfront-js-2.0"
#: job -> (Lambda@Edge file, CloudFront Function file, a uri the job acts on)
JOBS = {
    "redirect": ("redirect.js", "redirect_cff.js", "/old/welcome"),
    "heavy hashing": ("heavy.js", "heavy_cff.js", "/index.html"),
}
REQUESTS = 10_000_000  # a month of the job, for the prices
#: the uris the site of task 3 has
URIS = ("/", "/index.html", "/shop/cart")
NEED_NODE = "this check needs Node.js 18 or later (node on PATH, or pip install 'edgelab[node]')"


def _runtime_name(value: Any) -> str | None:
    text = str(value).strip().lower().replace(" ", "").replace("@", "")
    if text.startswith("cloudfront"):
        return CFF
    if text.startswith("lambda"):
        return LAMBDA
    return None


def _cheaper(job: str) -> tuple[str, str]:
    """The runtime that can do ``job`` and costs less, and why."""
    lambda_file, cff_file, uri = JOBS[job]
    cff = invoke(
        str(notebook_handler(cff_file)), build_cff_event("viewer-request", uri=uri), runtime=RT2
    )
    if cff.outcome == "error":
        why = cff.error.message.split(":")[0] if cff.error else "an invalid result"
        return LAMBDA, f"as a CloudFront Function it gets a {cff.status}: {why}"
    lam = invoke(str(notebook_handler(lambda_file)), build_event("viewer-request", uri=uri))
    costs = compare_costs(REQUESTS, lambda_duration_ms=lam.duration_ms).set_index("function")
    cff_cost, lambda_cost = costs.loc[CFF, "total"], costs.loc[LAMBDA, "total"]
    best = CFF if cff_cost <= lambda_cost else LAMBDA
    return best, (
        f"both can do it; for {REQUESTS:,} requests a CloudFront Function costs "
        f"${cff_cost:,.2f} and Lambda@Edge ${lambda_cost:,.2f}"
    )


@task(
    "09.1",
    "For each job, name the runtime that can do it and costs less: "
    "'CloudFront Functions' or 'Lambda@Edge'.",
)
def task1(answer: Any) -> str:
    need(
        isinstance(answer, dict) and set(answer) == set(JOBS),
        f"give a dict with the keys {', '.join(repr(j) for j in JOBS)}; got {answer!r}",
    )
    for job, value in answer.items():
        need(
            value is not ...,
            f"replace the ... of {job!r} with 'CloudFront Functions' or 'Lambda@Edge'",
        )
        need(
            _runtime_name(value) is not None,
            f"{job!r}: name 'CloudFront Functions' or 'Lambda@Edge'; got {value!r}",
        )
    need(node_available(), NEED_NODE)
    found = []
    for job, value in answer.items():
        best, why = _cheaper(job)
        need(_runtime_name(value) == best, f"{job}: not {value!r}; {why}, so {best}")
        found.append(f"{job}: {best}, {why}")
    return "; ".join(found)


def _load(folder: str, source: str, runtime: str) -> CloudFrontFunctionHandler:
    """The student's source as a loaded function, or "not yet" with why CloudFront
    refuses it."""
    path = Path(folder) / "function.js"
    path.write_text(source, encoding="utf-8")
    try:
        return CloudFrontFunctionHandler(path, runtime)
    except EdgelabError as exc:
        why = str(exc).replace(repr(str(path)), "your function")
        raise NotYet(f"CloudFront refuses it: {why}") from None


@task(
    "09.2",
    "handlers/lowercase_cff.js is written for cloudfront-js-2.0. Make it load in "
    "cloudfront-js-1.0 and do exactly the same.",
)
def task2(answer: Any) -> str:
    need(
        isinstance(answer, str) and "handler" in answer,
        f"give the JavaScript source as a string that declares function handler; got {answer!r}",
    )
    need(node_available(), NEED_NODE)
    reference = CloudFrontFunctionHandler(notebook_handler("lowercase_cff.js"), RT2)
    with tempfile.TemporaryDirectory() as folder:
        yours = _load(folder, answer, RT1)
        try:
            for uri in ("/Shop/Cart", "/index.html"):
                for language in (None, "fr-FR,fr;q=0.9", "DE-at", "pt-BR, en"):
                    headers = [f"Accept-Language: {language}"] if language else None
                    event = build_cff_event("viewer-request", uri=uri, headers=headers)
                    want, got = reference.invoke(event), yours.invoke(event)
                    same = (want.outcome, want.status, want.request) == (
                        got.outcome,
                        got.status,
                        got.request,
                    )
                    if not same:
                        raise NotYet(
                            f"for {uri} with Accept-Language {language!r} the 2.0 function "
                            f"gives {_seen(want)}; yours gives {_seen(got)}"
                        )
        finally:
            yours.close()
            reference.close()
    return "it loads in cloudfront-js-1.0 and does what the 2.0 function does"


def _seen(res: FunctionResult) -> str:
    if res.outcome == "error":
        return f"a {res.status}: {res.error.message if res.error else 'invalid result'}"
    if res.outcome == "response":
        return f"a {res.status} response"
    request = res.request or {}
    lang = (request.get("headers") or {}).get("x-lang", {}).get("value")
    return f"uri {request.get('uri')!r} with x-lang {lang!r}"


def _digest(res: InvocationResult) -> Any:
    return ((res.request or {}).get("headers") or {}).get("x-digest", {}).get("value")


@task(
    "09.3",
    "Write a CloudFront Function that gives each of the site's uris the x-digest that "
    "handlers/heavy_cff.js gives it, within the compute budget.",
)
def task3(answer: Any) -> str:
    need(
        isinstance(answer, str) and "handler" in answer,
        f"give the JavaScript source as a string that declares function handler; got {answer!r}",
    )
    need(node_available(), NEED_NODE)
    # heavy_cff.js itself, given all the time and memory it needs, says what each digest is
    unbounded = get_cff_rules(
        overrides={"compute-budget": 1e6, "stop-after": 600_000, "memory": 1024}
    )
    heavy = str(notebook_handler("heavy_cff.js"))
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        yours = _load(folder, answer, RT2)
        try:
            for uri in URIS:
                event = build_cff_event("viewer-request", uri=uri)
                want = invoke(heavy, event, runtime=RT2, rules=unbounded)
                got = yours.invoke(event)
                if got.outcome == "error":
                    why = got.error.message if got.error else "invalid result"
                    raise NotYet(f"for {uri} CloudFront answers {got.status}: {why}")
                need(
                    _digest(got) == _digest(want),
                    f"for {uri} the x-digest is {_digest(got)!r}; heavy_cff.js gives "
                    f"{_digest(want)!r}",
                )
                worst = max(worst, got.compute_utilization)
        finally:
            yours.close()
    return (
        f"the same digests at {worst:.0f} % compute utilization at most: the work was "
        "done before the function ran"
    )
