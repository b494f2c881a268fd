"""The bundled demo: a distribution (``distribution.toml``), its handlers and site folder,
and a traffic set (``traffic.parquet``) that ``edgelab demo`` replays into a report.

The handlers show the uses of facts §10: an A/B test (viewer request + viewer
response), a device-based rewrite (origin request), security headers on responses
(origin response, so they are cached) and a redirect (viewer request).
"""

from ..resources import package_dir

DEMO_DIR = package_dir(__name__)
CONFIG = DEMO_DIR / "distribution.toml"
TRAFFIC = DEMO_DIR / "traffic.parquet"
