# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The molecule scenarios as pytest tests, through pytest-ansible's molecule support (``pytest --molecule``).

pytest-ansible turns each ``molecule.yml`` into one test that runs ``molecule test -s NAME`` from the
directory two levels above the scenario, which is right for a role (``roles/x/molecule/default``) but is
``extensions/`` for a collection. From there molecule neither sees ``galaxy.yml`` (no collection install,
no ``extensions/molecule/config.yml`` as base config) nor has the checkout as its project directory, so
this file gives molecule what running it from the collection root gives: the base config, the project
directory, and the environment scripts/test.sh ran it with before (a private ANSIBLE_HOME, CI, NO_COLOR,
this venv first on PATH).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BASE_CONFIG = Path(__file__).resolve().parent / 'config.yml'


def pytest_configure(config: pytest.Config) -> None:
    if getattr(config.option, 'molecule', False) and not config.option.molecule_base_config:
        config.option.molecule_base_config = str(BASE_CONFIG)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    if 'molecule' not in item.keywords:
        return (yield)
    saved = dict(os.environ)
    home = tempfile.mkdtemp(prefix='pj-molecule-')
    os.environ.update({
        # Molecule installs the collection and keeps its state there, not in ~/.ansible.
        'ANSIBLE_HOME': home,
        'MOLECULE_PROJECT_DIRECTORY': str(PROJECT_ROOT),
        'PATH': '%s%s%s' % (Path(sys.executable).parent, os.pathsep, os.environ.get('PATH', '')),
        'CI': 'true',
        'NO_COLOR': '1',
    })
    # pytest-ansible points this at a symlinked copy of the checkout; molecule installs its own.
    os.environ.pop('ANSIBLE_COLLECTIONS_PATH', None)
    try:
        return (yield)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(home, ignore_errors=True)
