#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian machine (run as root):
# openssh-server and sudo from apt, and a venv per controller with pinned packages.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run again (it only installs what is missing).
set -euo pipefail

PROJECT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PIP_DISABLE_PIP_VERSION_CHECK=1

install_packages() {  # install_packages PKG...: install from apt those that are missing
    local missing=() pkg
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "setup: installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

install_system_packages() {  # what the demo and the tests need
    install_packages openssh-server openssh-client sudo procps python3-venv
    # The lab starts its own sshd processes; the distribution's service is not needed.
    mkdir -p /run/sshd
}

find_python() {  # find_python 3.13 -> path of an interpreter of that version, or nothing
    local version=$1 candidate
    for candidate in "python$version" "$(pyenv root 2>/dev/null)/versions/$version"*/bin/"python$version" \
                     "$HOME/.pyenv/versions/$version"*/bin/"python$version" "/usr/bin/python$version"; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import sys" >/dev/null 2>&1; then
            command -v "$candidate"; return 0
        fi
    done
    return 1
}

make_venv() {  # make_venv DIR PYTHON REQUIREMENTS: create or refresh a venv when its requirements change
    local dir=$1 python=$2 requirements=$3 stamp
    stamp=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.requirements-stamp" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    echo "setup: creating $(basename "$dir") with $("$python" --version 2>&1) from $(basename "$requirements")"
    rm -rf "$dir"
    # Each step checks its status: callers may run this where set -e is off (in an || list).
    "$python" -m venv "$dir" || return 1
    "$dir/bin/pip" install -q --upgrade pip >/dev/null || return 1
    "$dir/bin/pip" install -q -r "$requirements" || return 1
    echo "$stamp" > "$dir/.requirements-stamp"
}

# SETUP_FUNCTIONS_ONLY=1 (scripts/bench.sh): define the functions above and stop, leaving .venv alone.
if [ "${SETUP_FUNCTIONS_ONLY:-0}" != 1 ]; then
    PYTHON_311=$(find_python 3.11) || { echo "setup: Python 3.11 is required" >&2; exit 1; }
    install_system_packages
    make_venv "$PROJECT_ROOT/.venv" "$PYTHON_311" "$PROJECT_ROOT/tests/requirements-2.19.txt"
fi
