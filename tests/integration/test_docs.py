# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Users read the plugins' documentation with ansible-doc: every plugin must render from the installed copy."""

from __future__ import annotations

import json
import subprocess

import pytest
from tests.sshlab import PROJECT_ROOT, tool

PLUGINS = sorted(path.stem for path in (PROJECT_ROOT / 'plugins' / 'modules').glob('*.py') if not path.stem.startswith('_'))


@pytest.mark.parametrize('name', PLUGINS)
def test_ansible_doc_renders(lab, name):
    env = lab.env(activate=False)
    proc = subprocess.run([tool('ansible-doc'), '--json', 'parallel.jobs.%s' % name], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)['parallel.jobs.%s' % name]
    assert doc['doc']['short_description']
    assert doc['examples'].strip()
    assert doc['return']
    assert 'check_mode' in doc['doc']['attributes']
    text = subprocess.run([tool('ansible-doc'), 'parallel.jobs.%s' % name], env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert text.returncode == 0 and 'EXAMPLES' in text.stdout, text.stderr


def test_changelog_fragments_are_valid():
    proc = subprocess.run([tool('antsibull-changelog'), 'lint'], cwd=str(PROJECT_ROOT), capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


ROLES = sorted(path.name for path in (PROJECT_ROOT / 'roles').iterdir() if (path / 'meta' / 'argument_specs.yml').exists())


@pytest.mark.parametrize('name', ROLES)
def test_role_argument_specs_render(lab, name):
    proc = subprocess.run([tool('ansible-doc'), '-t', 'role', '--json', 'parallel.jobs.%s' % name],
                          env=lab.env(activate=False), capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    entry_points = json.loads(proc.stdout)['parallel.jobs.%s' % name]['entry_points']
    assert entry_points['main']['short_description']
    assert 'README.md' in {path.name for path in (PROJECT_ROOT / 'roles' / name).iterdir()}
