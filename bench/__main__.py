"""``python -m bench [--quick] [--live]``: see bench/README.md."""

import sys

from bench.run import main

sys.exit(main())
