"""Notebook widgets: thin ipywidgets forms over the library (``pip``-installed with edgelab).

    from edgelab.widgets import ChainStepper, EventEditor, LimitsPlayground, TrafficExplorer

Each widget shows itself as a cell's value, and works from plain Python too: set its
controls' ``.value`` and call ``.run()``; the outputs are HTML strings, PNG bytes and the
library's own result objects. The widgets call the same functions as the CLI
(``build_event``, ``invoke``, ``replay``, ...) and hold no Lambda@Edge logic of their
own. Kept out of ``import edgelab`` so the core never imports ipywidgets.
"""

from .editor import EventEditor
from .explorer import TrafficExplorer
from .limits import LimitsPlayground
from .stepper import ChainStepper

__all__ = ["ChainStepper", "EventEditor", "LimitsPlayground", "TrafficExplorer"]
