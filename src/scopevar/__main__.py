"""``python -m scopevar``: the ``scopevar`` command (see ``scopevar.cli``)."""
import sys

from .cli import main

sys.exit(main())
