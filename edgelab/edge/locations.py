"""Edge locations (POPs) and the regional edge cache each one uses (facts §8).

A POP code is an airport code, a number and a suffix (``GRU50-C1``, ``IAD89-C1``);
``edgelab/data/edge_locations.csv`` maps each airport (metro) to its regional edge cache
(the AWS Region of the nearest of the 13, see the file's header). The chain reads the
table with the standard library, so loading a distribution never loads pandas.

* :func:`pop_code` turns a POP code or a three-letter airport code into a POP code (an
  airport code names its first POP, ``GRU`` -> ``GRU50-C1``, as the traffic generator
  names them);
* :func:`regional_cache` says which regional edge cache a POP sends its misses to
  (``None`` for a POP whose airport the table does not list);
* :func:`s3_region` reads the AWS Region out of an S3 origin's domain name, for the
  regional-cache bypass of S3 origins in the cache's own Region.
"""

from __future__ import annotations

import csv
import re
from functools import cache

from ..errors import ConfigError
from ..resources import data_file

#: the number and suffix edgelab gives an airport's first POP (``GRU`` -> ``GRU50-C1``)
FIRST_POP = "50-C1"
_POP = re.compile(r"^([A-Za-z]{3})[0-9]{1,3}-[A-Za-z0-9]{1,4}$")
_S3_REGION = re.compile(r"\.s3[.-](?:website[.-])?([a-z]{2}(?:-gov)?-[a-z]+-[0-9])\.")


@cache
def edge_table() -> dict[str, tuple[str, str, str]]:
    """airport code -> (city, country, regional edge cache Region)."""
    with data_file("edge_locations.csv").open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {
            r["code"].upper(): (r["city"], r["country"], r["regional_edge_cache"]) for r in rows
        }


def airport(edge_location: str) -> str:
    """The airport code of a POP code (its first three letters, upper case)."""
    return edge_location[:3].upper()


def pop_code(value: str) -> str:
    """A POP code (``GRU50-C1``) as given, or an airport code's first POP (``GRU``).

    An airport the table does not list, or text that is neither, is a ConfigError that
    names some valid codes.
    """
    text = str(value).strip()
    table = edge_table()
    if _POP.match(text) and airport(text) in table:
        return text.upper()
    if len(text) == 3 and text.upper() in table:
        return text.upper() + FIRST_POP
    some = ", ".join(sorted(table)[:12])
    raise ConfigError(
        f"--edge must be a POP code such as GRU50-C1 or a three-letter airport code "
        f"such as GRU (its first POP), for an airport edgelab's edge-location table lists "
        f"({len(table)} metros: {some}, ...); got {value!r}",
        key="edge",
    )


def regional_cache(edge_location: str) -> str | None:
    """The Region of the regional edge cache a POP's misses go to (facts §8), or None
    when its airport is not in the table."""
    row = edge_table().get(airport(edge_location))
    return row[2] if row else None


def s3_region(domain_name: str) -> str | None:
    """The Region of an S3 bucket endpoint (``b.s3.eu-west-1.amazonaws.com``);
    ``b.s3.amazonaws.com`` (the global endpoint) is us-east-1; None for other names."""
    name = domain_name.lower()
    found = _S3_REGION.search(name)
    if found:
        return found.group(1)
    if name.endswith((".s3.amazonaws.com", ".s3-external-1.amazonaws.com")):
        return "us-east-1"
    return None
