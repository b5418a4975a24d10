"""``python -m lutlearn.cli``: the same as the ``lutlearn`` command."""

import sys

from lutlearn.cli import main

sys.exit(main())
