"""The request-journey UI of ``edgelab serve`` (``/_edgelab/``).

:mod:`~edgelab.ui.journal` keeps the latest traces as the trace file stores them
(credential values redacted, bodies cut) and answers the list's filters;
:mod:`~edgelab.ui.journey` turns one stored trace into the steps its page shows;
:mod:`~edgelab.ui.pages` routes ``/_edgelab/...`` and renders each page from a Jinja2
template (``edgelab/templates/ui/``, everything autoescaped) or as its JSON twin
(the same path plus ``.json``). Access control (loopback clients only) and the replay
itself belong to :class:`edgelab.edge.server.EdgeApp`, which calls into these.
"""
