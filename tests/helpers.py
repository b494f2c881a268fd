"""Small helpers shared by the runtime tests."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import edgelab as el


def write(path: Path, text: str) -> str:
    """Write a handler file with a fresh mtime, so a change is seen even within a second."""
    old = path.stat().st_mtime_ns if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if old is not None:
        os.utime(path, ns=(old + 2_000_000_000, old + 2_000_000_000))
    return str(path)


def event(uri: str = "/", trigger: str = "viewer-request") -> dict[str, Any]:
    return el.build_event(trigger, uri=uri)


def free_port() -> int:
    """A loopback port nothing listens on (bound, read, closed again)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def stop(proc: subprocess.Popen[bytes]) -> None:
    """End a server started by a test: terminate, then kill if it has not gone in 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
