# SPDX-License-Identifier: GPL-2.0-only
"""``python3 -m chimney_offload``: see cli.py."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
