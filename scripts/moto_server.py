"""The local cloud's server: moto's, with the localcloud package installed (docs/emulator.md).

Run with moto's venv python (scripts/emulator.sh does):
    python scripts/moto_server.py -H 127.0.0.1 -p 5000
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import localcloud  # noqa: E402
from moto.server import main  # noqa: E402

localcloud.install()

if __name__ == "__main__":
    main()
