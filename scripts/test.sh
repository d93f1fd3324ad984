#!/usr/bin/env bash
# The test command: unit tests, then integration tests over real SSH (private sshd hosts on
# 127.0.0.x that the tests start and stop), under ansible-core 2.19 on Python 3.11, and
# ansible-core 2.20 and 2.21 on Python 3.13; the 2.19 run also runs each molecule scenario of the
# roles and the scenario as a pytest test (pytest-ansible's --molecule; sshd hosts on 127.0.0.41+,
# MariaDB and the Flask app installed on this machine; extensions/molecule/conftest.py), then
# the ecosystem gates (scripts/gates.sh: ansible-test sanity and units for 2.19-2.21, ansible-lint,
# the built tarball and galaxy-importer).
# Extra arguments go to pytest (e.g. -k lost) and skip molecule and the gates.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

status=0
run_suite() {  # run_suite VENV LABEL ARGS...
    local venv=$1 label=$2; shift 2
    echo "=== $label: $("$venv/bin/ansible" --version | head -1)"
    # pytest-ansible is in use (the adhoc fixture, --molecule); it links the checkout under collections/.
    "$venv/bin/python" -m pytest -p no:cacheprovider "$@" </dev/null || status=1
}

molecule=()
[ $# -eq 0 ] && molecule=(--molecule extensions/molecule)
run_suite .venv "ansible-core 2.19, Python 3.11" tests/unit benchmarks/tests tests/integration "${molecule[@]}" "$@"

if PYTHON_313=$(find_python 3.13); then
    make_venv .venv-2.20 "$PYTHON_313" tests/requirements-2.20.txt
    # Target-side fault cases (marked target_side: disk full, a thousand jobs, planted records...) test code
    # that no controller version changes: they run once, above.
    run_suite .venv-2.20 "ansible-core 2.20, Python 3.13" tests/unit tests/integration -m "not target_side" "$@"
    make_venv .venv-2.21 "$PYTHON_313" tests/requirements-2.21.txt
    run_suite .venv-2.21 "ansible-core 2.21, Python 3.13" tests/unit tests/integration -m "not target_side" "$@"
else
    echo "=== ansible-core 2.20 and 2.21 NOT TESTED: no Python 3.13 on this machine (pyenv install 3.13 to add it)" >&2
    status=1
fi
if [ $# -eq 0 ]; then
    bash scripts/gates.sh </dev/null || status=1
fi
exit $status
