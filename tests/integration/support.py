# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the integration tests share besides fixtures: the playbooks' folder, the local test users, old Pythons."""

from __future__ import annotations

import glob
import os
import pwd
import subprocess
from pathlib import Path

PLAYBOOKS = Path(__file__).resolve().parent / 'playbooks'
TEST_USER = 'pjtest'
OTHER_USER = 'pjother'


def ensure_user(name: str) -> None:
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(['useradd', '--create-home', '--shell', '/bin/sh', name], check=True)


def old_interpreter() -> str:
    """The oldest target Python this controller supports, from pyenv (3.8 for core 2.19, 3.9 after)."""
    import ansible

    wanted = '3.8' if ansible.__version__.startswith('2.19') else '3.9'
    root = os.environ.get('PYENV_ROOT') or os.path.expanduser('~/.pyenv')
    found = sorted(glob.glob(os.path.join(root, 'versions', wanted + '.*', 'bin', 'python' + wanted)))
    if not found:
        raise RuntimeError('no Python %s found under %s/versions: the target-compatibility test needs one' % (wanted, root))
    return found[-1]
