"""``edgelab lab``: open JupyterLab on the workshop notebooks.

In the edgelab repository (or any folder with a ``notebooks/`` folder) it opens that
folder. Anywhere else it first copies the notebooks that ship with edgelab, with their
handlers, into a folder the user names (``--dir``, default ``./edgelab-notebooks``): files
that are missing are added, files a student edited are kept (``--refresh`` replaces them
and keeps the student's copy beside them). Options JupyterLab knows (``--ServerApp.*``,
``--LabApp.*`` ...) are passed to it unchanged.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from ..resources import bundled

DEFAULT_COPY = "edgelab-notebooks"
SKIP = {".ipynb_checkpoints", "__pycache__", ".virtual_documents"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lab",
        help="open JupyterLab on the workshop notebooks",
        description="Start JupyterLab on the edgelab workshop notebooks (the numbered "
        "notebooks, and the labs of the workshop track in workshop/). In a folder with a "
        "notebooks/ folder (the edgelab repository) it opens that; elsewhere it "
        "copies the notebooks that ship with edgelab (and their handlers) into "
        "--dir first, adding what is missing and keeping what a student edited. "
        "Ctrl-C stops it.",
        epilog="Any other option is passed to JupyterLab unchanged, for example "
        "--ServerApp.token=secret or --LabApp.default_url=/lab/tree/workshop/"
        "lab1-security-headers.ipynb.",
    )
    p.add_argument(
        "--dir",
        default=None,
        metavar="DIR",
        help="folder to open; outside the edgelab repository the notebooks are "
        f"copied there (default: ./notebooks if it exists, else ./{DEFAULT_COPY})",
    )
    p.add_argument(
        "--refresh",
        action="store_true",
        help="replace copies that differ from edgelab's notebooks (a student's "
        "edited copy is kept beside it as NAME.mine.ipynb)",
    )
    p.add_argument(
        "--with-solutions",
        action="store_true",
        help="also copy the exercises' solutions (for the teacher; not for a class's folder)",
    )
    p.add_argument(
        "--port",
        type=int,
        default=None,
        metavar="N",
        help="port to listen on (default: JupyterLab's, 8888 or the next free one)",
    )
    p.add_argument(
        "--ip",
        default=None,
        metavar="ADDRESS",
        help="address to listen on (default: JupyterLab's, localhost)",
    )
    p.add_argument(
        "--no-browser",
        action="store_true",
        help="do not open a web browser; print the URL to open instead",
    )
    p.set_defaults(func=run, pass_through=True)


@dataclass
class KitCopy:
    """What :func:`install_kit` did: files ``added``, ``kept`` (a student's edited copy,
    left alone), ``refreshed`` (replaced; the old one saved as ``saved``)."""

    folder: Path
    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} file(s) copied to {self.folder}"
            if self.added
            else f"{self.folder} has every notebook already"
        ]
        if self.kept:
            parts.append(
                f"kept your edited {', '.join(self.kept)} (edgelab lab --refresh "
                "replaces them with edgelab's and keeps yours as NAME.mine.ipynb)"
            )
        if self.refreshed:
            parts.append(
                f"refreshed {', '.join(self.refreshed)}; yours are kept as {', '.join(self.saved)}"
            )
        return "; ".join(parts)


def kit_files(*, solutions: bool = False) -> list[Path]:
    """The bundled kit's files, relative to its folder: notebooks, handlers (and the
    solutions when asked)."""
    root = bundled("notebooks")
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or SKIP & set(rel.parts):
            continue
        if rel.parts[0] == "solutions" and not solutions:
            continue
        out.append(rel)
    return out


def _mine(target: Path) -> Path:
    candidate = target.with_name(f"{target.stem}.mine{target.suffix}")
    n = 2
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}.mine-{n}{target.suffix}")
        n += 1
    return candidate


def install_kit(folder: str | Path, *, refresh: bool = False, solutions: bool = False) -> KitCopy:
    """Copy the bundled notebooks and handlers into ``folder`` (made if missing). A file
    that is there already and differs from edgelab's is a student's work: kept, unless
    ``refresh``, which saves it as ``NAME.mine.ipynb`` and puts edgelab's in its place."""
    root = bundled("notebooks")
    dest = Path(folder)
    if dest.exists() and not dest.is_dir():
        raise ConfigError(f"--dir must be a folder; {str(folder)!r} is a file", key="dir")
    done = KitCopy(dest.resolve())
    if dest.resolve() == root.resolve():
        return done
    for rel in kit_files(solutions=solutions):
        source, target = root / rel, dest / rel
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            done.added.append(str(rel))
        elif not filecmp.cmp(source, target, shallow=False):
            if refresh:
                saved = _mine(target)
                target.rename(saved)
                shutil.copy2(source, target)
                done.refreshed.append(str(rel))
                done.saved.append(str(saved.relative_to(dest)))
            else:
                done.kept.append(str(rel))
    return done


def notebooks_dir(given: str | None = None) -> tuple[Path, bool]:
    """The folder JupyterLab opens and whether the kit is copied into it: ``given``
    (copied into), else ``./notebooks`` as it is, else ``./edgelab-notebooks`` (copied
    into)."""
    if given is not None:
        path = Path(given)
        if path.exists() and not path.is_dir():
            raise ConfigError(f"--dir must be a folder; {given!r} is a file", key="dir")
        return path.resolve(), True
    default = Path("notebooks")
    if default.is_dir():
        return default.resolve(), False
    return Path(DEFAULT_COPY).resolve(), True


def lab_argv(
    root: Path,
    *,
    port: int | None = None,
    no_browser: bool = False,
    as_root: bool | None = None,
    ip: str | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """The command that starts JupyterLab; ``--allow-root`` is added when running as root
    and ``extra`` (JupyterLab's own options) comes last, unchanged."""
    argv = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={root}"]
    if port is not None:
        if not 0 < port < 65536:
            raise ConfigError(f"--port must be between 1 and 65535; got {port}", key="port")
        argv.append(f"--port={port}")
    if ip is not None:
        if not ip.strip():
            raise ConfigError("--ip must be an address such as 127.0.0.1; got ''", key="ip")
        argv.append(f"--ip={ip}")
    if no_browser:
        argv.append("--no-browser")
    if as_root is None:
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root and "--allow-root" not in extra:
        argv.append("--allow-root")
    argv.extend(extra)
    return argv


def run(args: argparse.Namespace) -> int:
    root, copy = notebooks_dir(args.dir)
    if args.refresh and not copy:
        raise ConfigError(
            "--refresh works on a copy of the notebooks (--dir DIR); "
            f"{root} is the notebooks folder itself",
            key="refresh",
        )
    if copy:
        done = install_kit(root, refresh=args.refresh, solutions=args.with_solutions)
        print(f"edgelab lab: {done.summary()}", file=sys.stderr)
    argv = lab_argv(
        root,
        port=args.port,
        no_browser=args.no_browser,
        ip=args.ip,
        extra=getattr(args, "extra", []),
    )
    print("edgelab lab: " + " ".join(argv), file=sys.stderr)
    return launch(argv)


def launch(argv: list[str]) -> int:
    """Run JupyterLab. On POSIX this process becomes JupyterLab (exec), so Ctrl-C and a
    terminate reach the server itself and no server outlives the command; elsewhere it
    runs as a child and its exit status is returned."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execv(argv[0], argv)
    try:
        return subprocess.call(argv)
    except KeyboardInterrupt:
        return 130
