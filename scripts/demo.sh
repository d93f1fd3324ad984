#!/usr/bin/env bash
# The main job: starts a lab of sshd hosts on loopback and runs the collection's demo
# against it through the activated wrapper. Installs what it needs on first run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec .venv/bin/python scripts/demo.py "$@"
