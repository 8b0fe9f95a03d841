"""``python -m orthofit.cli`` runs the command line (as the ``orthofit`` script does)."""

import sys

from orthofit.cli.main import main

sys.exit(main())
