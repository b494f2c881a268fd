"""The event a function gets: CloudFront's wire dict and the views that read and edit it.

* ``headers``: :class:`Headers` / :class:`MutableHeaders`, the one owner of the
  ``{lower: [{"key", "value"}]}`` shape, of cookie parsing and of header byte sizes;
* ``build``: build events, load them from files and other tools, fill what CloudFront
  always sends;
* ``mutate``: pure edits (a new event each time), the edits handlers make.
"""
