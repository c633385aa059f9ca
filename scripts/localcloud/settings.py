"""Where the local cloud lives, read once from the environment scripts/emulator.sh sets.

LOCALCLOUD_HOME      the emulator's home directory (.emulator/<name>): credentials, outbox, logs
LOCALCLOUD_ENDPOINT  the URL clients reach it on (http://127.0.0.1:<port>)
LOCALCLOUD_RUNTIME   "on" (default): deployed functions run; "off": moto's own Invoke (Docker)
LOCALCLOUD_IAM       "enforce" (default): requests are authenticated and authorized; "off": not
"""

import os
from pathlib import Path

HOME = Path(os.environ.get("LOCALCLOUD_HOME") or Path.cwd() / ".emulator" / "default")
ENDPOINT = os.environ.get("LOCALCLOUD_ENDPOINT", "http://127.0.0.1:5000").rstrip("/")
RUNTIME_ON = os.environ.get("LOCALCLOUD_RUNTIME", "on") != "off"
IAM_ENFORCED = os.environ.get("LOCALCLOUD_IAM", "enforce") != "off"
ROOT = Path(__file__).resolve().parents[2]
