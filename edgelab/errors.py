"""The one small exception tree of edgelab.

    EdgelabError                 anything edgelab refuses to work with (CLI: exit 2)
    ├── EventError               an event that is not a usable Lambda@Edge event
    ├── HandlerLoadError         a handler that cannot be found or imported
    ├── RuntimeUnavailable       no runtime for the handler (for example no Node.js)
    └── ConfigError              bad rule set, rule override or distribution config

Handler failures are *not* exceptions: they are results (see ``edgelab.rules.outcome``).
Each exception carries the context that explains it, and its message is one
paragraph that names what was wrong and what is allowed.
"""

from __future__ import annotations


class EdgelabError(Exception):
    """Base class: input edgelab cannot use at all."""


class EventError(EdgelabError, ValueError):
    """An event that is malformed; ``path`` points at the offending key."""

    def __init__(self, message: str, *, path: str = "", source: str = "") -> None:
        self.path = path
        self.source = source
        where = f" (at {path})" if path else ""
        origin = f"{source}: " if source else ""
        super().__init__(f"{origin}{message}{where}")


class HandlerLoadError(EdgelabError):
    """A handler spec that names a missing file or function, or that does not import."""

    def __init__(self, message: str, *, spec: str = "") -> None:
        self.spec = spec
        super().__init__(message)


class RuntimeUnavailable(EdgelabError):
    """No runtime can run this handler here (for example, Node.js is missing)."""


class ConfigError(EdgelabError, ValueError):
    """A rule-set name, rule override or distribution config that cannot be used."""

    def __init__(self, message: str, *, key: str = "") -> None:
        self.key = key
        super().__init__(message)
