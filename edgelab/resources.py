"""Where edgelab's bundled files are: the workshop notebooks (with their handlers and
solutions) and the data tables, in a source checkout and in an installed wheel.

    >>> from edgelab.resources import bundled
    >>> bundled("notebooks")          # .../notebooks (checkout) or .../edgelab/notebooks (wheel)

In a checkout the files live at the repository's top level (``notebooks/``, ``data/``);
the wheel carries the same folders inside the package (``pyproject.toml`` maps them
with hatch's ``force-include``). This is the one place that knows both layouts, so
moving a folder into the package later is a change here and in ``pyproject.toml`` only.
The tables the library itself reads (edge locations, regional edge caches, prices) live
in ``edgelab/data/``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = PACKAGE_DIR.parent
KINDS = ("notebooks", "data", "examples")


def bundled(kind: str) -> Path:
    """The folder of bundled ``kind`` files (``notebooks``, ``data`` or ``examples``): inside the
    package when installed from a wheel, else the checkout's top-level folder."""
    if kind not in KINDS:
        raise ConfigError(f"bundled files are one of {', '.join(KINDS)}; got {kind!r}")
    for place in (PACKAGE_DIR / kind, CHECKOUT_DIR / kind):
        if place.is_dir():
            return place
    raise ConfigError(
        f"edgelab's bundled {kind} folder is missing (looked in "
        f"{PACKAGE_DIR / kind} and {CHECKOUT_DIR / kind}); reinstall edgelab"
    )


def package_dir(package: str) -> Path:
    """The folder of an installed package with data files of its own (the demo's site and
    handlers): a real directory, as pip and uv install wheels unpacked."""
    return Path(str(files(package)))


def in_checkout() -> bool:
    """True when edgelab runs from a source checkout (its ``pyproject.toml`` beside it)."""
    return (CHECKOUT_DIR / "pyproject.toml").is_file() and (CHECKOUT_DIR / "notebooks").is_dir()


def data_file(name: str) -> Path:
    """A file of the bundled data (``edge_locations.csv``, ``sample-access-log.txt`` ...):
    in the package's data folder, else in the checkout's (the package's own folder also
    holds files that never lived at the top, such as ``pricing.toml``)."""
    places = [PACKAGE_DIR / "data", CHECKOUT_DIR / "data"]
    for place in places:
        if (place / name).is_file():
            return place / name
    held = sorted({p.name for d in places if d.is_dir() for p in d.iterdir() if p.is_file()})
    raise ConfigError(
        f"edgelab has no bundled data file {name!r}; the data folders hold " + ", ".join(held)
    )


def notebook_handler(name: str) -> Path:
    """A handler file of the workshop notebooks (``notebooks/handlers/NAME``)."""
    path = bundled("notebooks") / "handlers" / name
    if not path.is_file():
        raise ConfigError(f"the workshop notebooks have no handler {name!r} (in {path.parent})")
    return path


def example(name: str) -> Path:
    """A file or folder of the examples the notebooks use (``cdk/cdk.out``,
    ``cloudfront-functions/kvs-weights.js``): the checkout's ``examples/``, or the copy
    the wheel carries, so a notebook ``edgelab lab`` copied elsewhere still finds them."""
    path = bundled("examples") / name
    if not path.exists():
        raise ConfigError(f"edgelab has no bundled example {name!r} (looked in {path.parent})")
    return path
