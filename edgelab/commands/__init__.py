"""One module per ``edgelab`` sub-command; shared option helpers live in ``_common``."""
