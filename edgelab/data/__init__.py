"""Data files the library reads, shipped inside the package.

``edge_locations.csv`` and ``regional_edge_caches.csv`` (compiled from the public
CloudFront edge network page and airport coordinates; approximate; as of 2025) are
read through :mod:`importlib.resources`, so an installed wheel finds them wherever it
runs. Repository-only samples (access logs, small traffic sets) stay in the top-level
``data/`` folder.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def resource(name: str, package: str = __name__) -> Traversable:
    """The packaged file ``name`` of ``package`` (this one by default)."""
    return files(package).joinpath(name)


def package_dir(package: str) -> Path:
    """The folder of an installed package with its data files (the demo's site, its
    handlers): a real directory, as pip and uv install wheels unpacked."""
    return Path(str(files(package)))
