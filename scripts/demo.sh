#!/usr/bin/env bash
# The main job: starts loopback sshd hosts and runs the seeds' scenario (parallel.jobs.site)
# against them: MariaDB, the Flask app, both monitors. Installs what it needs on first run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec .venv/bin/python scripts/demo.py "$@"
