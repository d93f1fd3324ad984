#!/usr/bin/env bash
# The collection's gates as a citizen of the Ansible ecosystem, run by scripts/test.sh after its suites:
#   sanity-2.19 sanity-2.20 sanity-2.21  ansible-test sanity per controller (scripts/sanity.sh)
#   units-2.19 units-2.20 units-2.21     ansible-test units per controller
#   lint                                 ansible-lint, production profile (.ansible-lint, .ansible-lint-ignore)
#   galaxy                               ansible-galaxy collection build, the tarball's contents, galaxy-importer
# bash scripts/gates.sh runs them all; bash scripts/gates.sh lint galaxy runs those. Each prints
# "=== gate: NAME", then its result and time; the script exits 1 if any gate failed.
# ansible-lint and galaxy-importer run on .venv-lint (ansible-core 2.21, Python 3.13, pinned in
# tests/requirements-lint.txt). Nothing prompts: every tool runs with no standard input.
set -euo pipefail
cd "$(dirname "$0")/.."
SETUP_FUNCTIONS_ONLY=1 source scripts/setup.sh

ALL_GATES=(sanity-2.19 sanity-2.20 sanity-2.21 units-2.19 units-2.20 units-2.21 lint galaxy)
# What the built tarball may hold (top-level entries); anything else is a build_ignore gap.
TARBALL_ENTRIES='CHANGELOG.rst FILES.json LICENSE MANIFEST.json README.md changelogs meta playbooks plugins roles tests'
TARBALL_TESTS='tests/ tests/sanity/ tests/sanity/ignore-2.19.txt tests/sanity/ignore-2.20.txt tests/sanity/ignore-2.21.txt'

lint_venv() {
    local python
    python=$(find_python 3.13) || { echo "gates: ansible-lint and galaxy-importer need Python 3.13 (pyenv install 3.13)" >&2; return 1; }
    make_venv "$PROJECT_ROOT/.venv-lint" "$python" "$PROJECT_ROOT/tests/requirements-lint.txt"
}

# The gates run in an || list, where set -e is off: each step checks its status.
gate_lint() {
    lint_venv || return 1
    # The schemas bundled with the pinned version, not a download; ansible-lint installs this collection
    # into its cache (.ansible/, ignored by git and by the build) to resolve parallel.jobs.* names.
    ANSIBLE_LINT_SKIP_SCHEMA_UPDATE=1 PATH="$PROJECT_ROOT/.venv-lint/bin:$PATH" NO_COLOR=1 \
        .venv-lint/bin/ansible-lint --nocolor
}

gate_galaxy() {
    lint_venv || return 1
    local out rc=0 entry unexpected
    out=$(mktemp -d)
    .venv-lint/bin/ansible-galaxy collection build --output-path "$out" . >/dev/null || { rm -rf "$out"; return 1; }
    local tarball=("$out"/parallel-jobs-*.tar.gz)
    echo "built $(basename "${tarball[0]}"): $(tar tzf "${tarball[0]}" | wc -l) entries"
    unexpected=$(tar tzf "${tarball[0]}" | while read -r entry; do
        case " $TARBALL_ENTRIES " in *" ${entry%%/*} "*) ;; *) echo "$entry" ;; esac
        case $entry in tests/*) case " $TARBALL_TESTS " in *" $entry "*) ;; *) echo "$entry" ;; esac ;; esac
    done)
    if [ -n "$unexpected" ]; then
        echo "the tarball holds what build_ignore should keep out:"; echo "$unexpected"; rc=1
    fi
    # galaxy-importer runs the checks of a Galaxy or Automation Hub upload (tests/galaxy-importer.cfg:
    # required tags, changelog, ansible-doc, ansible-lint, flake8; its ansible-test needs a container and
    # is left to scripts/sanity.sh). It writes importer_result.json in its working directory.
    (cd "$out" && GALAXY_IMPORTER_CONFIG="$PROJECT_ROOT/tests/galaxy-importer.cfg" PATH="$PROJECT_ROOT/.venv-lint/bin:$PATH" \
        "$PROJECT_ROOT/.venv-lint/bin/python" -m galaxy_importer.main "${tarball[0]}" >importer.log 2>&1) || rc=1
    cat "$out/importer.log"
    grep -q '^Importer processing completed successfully' "$out/importer.log" || rc=1
    # Its only expected warnings name our sanity ignore files (each entry has its reason); any other
    # warning or error (lint, docs, metadata) fails the gate.
    if grep -E '^(WARNING|ERROR|CRITICAL)' "$out/importer.log" | grep -vq '^WARNING: Ignore files skip ansible-test sanity tests'; then
        echo "galaxy-importer reported the warnings or errors above"; rc=1
    fi
    rm -rf "$out"
    return $rc
}

run_gate() {
    local gate=$1 started=$SECONDS rc=0
    echo "=== gate: $gate"
    case $gate in
        sanity-*) bash scripts/sanity.sh sanity "${gate#sanity-}" </dev/null || rc=1 ;;
        units-*) bash scripts/sanity.sh units "${gate#units-}" </dev/null || rc=1 ;;
        lint) gate_lint </dev/null || rc=1 ;;
        galaxy) gate_galaxy </dev/null || rc=1 ;;
        *) echo "gates: unknown gate $gate (${ALL_GATES[*]})" >&2; rc=1 ;;
    esac
    if [ $rc -eq 0 ]; then
        echo "=== gate: $gate passed ($((SECONDS - started)) s)"
    else
        echo "=== gate: $gate FAILED ($((SECONDS - started)) s)"
    fi
    return $rc
}

[ $# -gt 0 ] || set -- "${ALL_GATES[@]}"
status=0
for gate in "$@"; do
    run_gate "$gate" || status=1
done
exit $status
