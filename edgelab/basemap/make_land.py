"""Rebuild ``land_110m.json.gz`` from the world-atlas npm package's ``land-110m.json``
(Natural Earth 1:110m land, public domain, as TopoJSON).

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python edgelab/basemap/make_land.py package/land-110m.json

Each TopoJSON ring is decoded (delta-encoded, quantised arcs; a negative index is an
arc walked backwards) into longitude/latitude pairs rounded to 0.01 degree, and saved
as ``{"polygons": [[ring, hole, ...], ...]}`` with each ring a flat ``[lon, lat, ...]``
list, gzip-compressed (about 25 KB).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any


def rings(topology: dict) -> list[list[list[float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((round(x * sx + tx, 2), round(y * sy + ty, 2)))
        arcs.append(points)

    def ring(indices: list[int]) -> list[float]:
        out: list[tuple[float, float]] = []
        for i in indices:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(points if not out else points[1:])
        return [c for point in out for c in point]

    polygons: list[Any] = []
    for geometry in topology["objects"]["land"]["geometries"]:
        parts = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        polygons.extend([ring(r) for r in part] for part in parts)
    return polygons


def main(source: str) -> None:
    topology = json.loads(Path(source).read_text(encoding="utf-8"))
    data = {
        "source": "Natural Earth 1:110m land (public domain), via world-atlas 2.0.2",
        "polygons": rings(topology),
    }
    raw = json.dumps(data, separators=(",", ":")).encode()
    Path(__file__).with_name("land_110m.json.gz").write_bytes(gzip.compress(raw, 9, mtime=0))


if __name__ == "__main__":
    main(sys.argv[1])
