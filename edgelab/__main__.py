"""``python -m edgelab`` works the same as ``edgelab``."""

import sys

from .cli import main

sys.exit(main())
