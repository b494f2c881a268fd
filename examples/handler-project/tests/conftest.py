"""The Node.js handlers import the AWS SDK from this project's node_modules: without
`npm install` their tests are skipped, with the reason."""

from pathlib import Path

import pytest

from edgelab.testing import missing_node_modules

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _node_modules(edge_runtime):
    missing = missing_node_modules(PROJECT, "@aws-sdk/client-dynamodb")
    if edge_runtime == "node" and missing:
        pytest.skip(f"run `npm install` in {PROJECT} first (missing {', '.join(missing)})")
