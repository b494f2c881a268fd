"""``edgelab lab``: open JupyterLab on the workshop notebooks (``notebooks/``)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from ..errors import ConfigError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lab",
        help="open JupyterLab on the workshop notebooks",
        description="Start JupyterLab with the edgelab notebooks (notebooks/ under the current "
        "folder, or DIR) as its root. Ctrl-C stops it.",
    )
    p.add_argument(
        "--port",
        type=int,
        default=None,
        metavar="N",
        help="port to listen on (default: JupyterLab's, 8888 or the next free one)",
    )
    p.add_argument(
        "--no-browser",
        action="store_true",
        help="do not open a web browser; print the URL to open instead",
    )
    p.add_argument(
        "--dir",
        default=None,
        metavar="DIR",
        help="folder to open (default: ./notebooks if it exists, else .)",
    )
    p.set_defaults(func=run)


def notebooks_dir(given: str | None = None) -> Path:
    """The folder JupyterLab opens: ``given``, else ``./notebooks``, else the current one."""
    if given is not None:
        path = Path(given)
        if not path.is_dir():
            raise ConfigError(f"--dir must be an existing folder; got {given!r}", key="dir")
        return path.resolve()
    default = Path("notebooks")
    return default.resolve() if default.is_dir() else Path.cwd()


def lab_argv(
    root: Path, *, port: int | None = None, no_browser: bool = False, as_root: bool | None = None
) -> list[str]:
    """The command that starts JupyterLab; ``--allow-root`` is added when running as root."""
    argv = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}"]
    if port is not None:
        if not 0 < port < 65536:
            raise ConfigError(f"--port must be between 1 and 65535; got {port}", key="port")
        argv.append(f"--port={port}")
    if no_browser:
        argv.append("--no-browser")
    if as_root is None:
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root:
        argv.append("--allow-root")
    return argv


def run(args: argparse.Namespace) -> int:
    argv = lab_argv(notebooks_dir(args.dir), port=args.port, no_browser=args.no_browser)
    print("edgelab lab: " + " ".join(argv), file=sys.stderr)
    try:
        return subprocess.call(argv)
    except KeyboardInterrupt:
        return 130
