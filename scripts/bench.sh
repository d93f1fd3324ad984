#!/usr/bin/env bash
# The benchmark: parallel.jobs against core's async and Mitogen on private loopback sshd hosts (see
# benchmarks/run.py). Runs on its own venv, .venv-bench (ansible-core 2.21 on Python 3.13, with Mitogen, pinned in
# benchmarks/requirements.txt), made on first run. Arguments go to benchmarks/run.py, e.g. --quick, --only one50,
# --repeat 5; without them it runs everything (about 25-35 minutes on a 2-core machine) and writes docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_FUNCTIONS_ONLY=1 source scripts/setup.sh
install_system_packages
PYTHON_313=$(find_python 3.13) || { echo "bench: Python 3.13 is required (pyenv install 3.13)" >&2; exit 1; }
make_venv .venv-bench "$PYTHON_313" benchmarks/requirements.txt
exec .venv-bench/bin/python benchmarks/run.py "$@"
