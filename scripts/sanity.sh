#!/usr/bin/env bash
# ansible-test for each controller the collection supports, offline and without containers:
#   bash scripts/sanity.sh [sanity|units] [2.19] [2.20] [2.21]      (default: sanity, all three)
# 2.19 runs on .venv (Python 3.11), 2.20 on .venv-2.20 and 2.21 on .venv-2.21 (Python 3.13); each is
# made from tests/requirements-X.Y.txt on first use. Extra ansible-test options can be given in
# ANSIBLE_TEST_OPTIONS (e.g. ANSIBLE_TEST_OPTIONS="--test pylint").
#
# ansible-test needs the collection at .../ansible_collections/parallel/jobs, so each run copies the
# checkout's files (tracked and untracked, minus what .gitignore ignores) to a temporary tree and runs
# there: nothing is written into the checkout.
#
# `--venv` makes ansible-test build a virtual environment per sanity test (cached in
# ~/.ansible/test/venv) and bootstrap pip into each by running get-pip.py, which it downloads from its
# CI file server unless ~/.ansible/test/cache/get_pip_<version>.py exists. That server is offline here,
# so we put scripts/ansible_test_get_pip.py in that cache slot (the place ansible-test's own error
# message says to save the script): it bootstraps pip with ensurepip and installs the pip version
# ansible-test asks for from the package index. A real get-pip.py already in the cache is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_FUNCTIONS_ONLY=1 source scripts/setup.sh

GET_PIP_MARKER='A local stand-in for the get-pip.py that'

controller() {  # controller VERSION -> sets VENV and PYTHON_VERSION, making the venv if needed
    case $1 in
        2.19) VENV=.venv PYTHON_VERSION=3.11 ;;
        2.20) VENV=.venv-2.20 PYTHON_VERSION=3.13 ;;
        2.21) VENV=.venv-2.21 PYTHON_VERSION=3.13 ;;
        *) echo "sanity: unknown ansible-core version $1 (2.19, 2.20 or 2.21)" >&2; return 2 ;;
    esac
    local python
    python=$(find_python "$PYTHON_VERSION") || {
        echo "sanity: ansible-core $1 needs Python $PYTHON_VERSION (pyenv install $PYTHON_VERSION)" >&2; return 1; }
    make_venv "$PROJECT_ROOT/$VENV" "$python" "$PROJECT_ROOT/tests/requirements-$1.txt"
}

seed_get_pip() {  # seed_get_pip VENV: put the local get-pip stand-in where that venv's ansible-test looks
    local pip_version cache
    pip_version=$("$1/bin/python" - <<'EOF'
import pathlib, re
import ansible_test
source = pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
print(re.search(r"pip='([^']+)'", source.read_text()).group(1))
EOF
) || return 1
    cache="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
    if [ -f "$cache" ] && ! grep -qF "$GET_PIP_MARKER" "$cache"; then
        return 0  # a real get-pip.py, downloaded on a machine that could
    fi
    mkdir -p "$(dirname "$cache")" && cp scripts/ansible_test_get_pip.py "$cache"
}

stage_collection() {  # stage_collection DIR: copy the checkout to DIR/ansible_collections/parallel/jobs
    local dest="$1/ansible_collections/parallel/jobs"
    mkdir -p "$dest"
    git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' file; do if [ -e "$file" ]; then printf '%s\0' "$file"; fi; done \
        | tar --null -T - -cf - | tar -xf - -C "$dest"
}

run_ansible_test() {  # run_ansible_test COMMAND VERSION
    local command=$1 version=$2 stage rc=0
    # Called in an || list, where set -e is off: each step checks its status.
    controller "$version" || return 1
    seed_get_pip "$PROJECT_ROOT/$VENV" || return 1
    stage=$(mktemp -d)
    stage_collection "$stage" || { rm -rf "$stage"; return 1; }
    echo "--- ansible-test $command: $("$PROJECT_ROOT/$VENV/bin/ansible" --version | head -1), Python $PYTHON_VERSION"
    # shellcheck disable=SC2086  # ANSIBLE_TEST_OPTIONS is a list of options
    (cd "$stage/ansible_collections/parallel/jobs" \
        && "$PROJECT_ROOT/$VENV/bin/ansible-test" "$command" --venv --python "$PYTHON_VERSION" --color no \
            ${ANSIBLE_TEST_OPTIONS:-} </dev/null) || rc=1
    rm -rf "$stage"
    return $rc
}

command=sanity
case ${1:-} in sanity|units) command=$1; shift ;; esac
[ $# -gt 0 ] || set -- 2.19 2.20 2.21
# python3-venv: ensurepip, which the get-pip stand-in needs, for Debian's own Pythons; shellcheck:
# without it ansible-test skips the shellcheck sanity test. Only what is missing is installed.
packages=(python3-venv)
if [ "$command" = sanity ]; then packages+=(shellcheck); fi
install_packages "${packages[@]}"
status=0
for version in "$@"; do
    run_ansible_test "$command" "$version" || status=1
done
exit $status
