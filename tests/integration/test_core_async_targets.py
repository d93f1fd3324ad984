# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""ansible-core's own async integration targets pass with the collection activated.

The targets (``async``, ``async_fail``, ``async_extra_data``) come from the sdist of
the very ansible-core release under test, fetched by pip when the test runs:
nothing of core's is copied into this project. They run over SSH against a lab
host named ``testhost``, as ansible-test would run them, but outside
ansible-test, which forces ``ANSIBLE_LIBRARY=/dev/null`` and so could not
activate the collection.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from tests.sshlab import target_python, tool

TARGETS = ('async', 'async_fail', 'async_extra_data')
# The role the targets depend on (empty: ansible-test's hook for per-target setup).
DEPENDENCIES = ('prepare_tests',)
JOB_DIR = Path(os.path.expanduser('~root')) / '.ansible_async'
META_KEY = 'parallel_jobs'


@pytest.fixture(scope='module')
def core_targets(tmp_path_factory) -> Path:
    """The three targets, unpacked from the ansible-core sdist of the running release."""
    import ansible

    download = tmp_path_factory.mktemp('core-sdist')
    subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--no-binary', ':all:',
                    'ansible-core==%s' % ansible.__version__, '-d', str(download)],
                   check=True, stdin=subprocess.DEVNULL, timeout=600)
    [sdist] = download.glob('ansible_core-*.tar.gz')
    root = tmp_path_factory.mktemp('core-targets')
    with tarfile.open(sdist) as archive:
        wanted = []
        for member in archive.getmembers():
            parts = Path(member.name).parts
            # <top>/test/integration/targets/<target>/...: regular files and directories only, no links.
            if len(parts) > 4 and parts[1:4] == ('test', 'integration', 'targets') and parts[4] in TARGETS + DEPENDENCIES \
                    and (member.isfile() or member.isdir()) and '..' not in parts:
                member.name = str(Path(*parts[4:]))
                wanted.append(member)
        # The data filter, where tarfile has it, refuses anything outside root or any special file as well.
        archive.extractall(root, members=wanted, **({'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}))
    for target in TARGETS:
        assert (root / target).is_dir(), 'target %s missing from %s' % (target, sdist.name)
    return root


@pytest.fixture
def testhost(lab, tmp_path) -> Path:
    """An inventory naming the first lab host ``testhost`` in ``testgroup``, as ansible-test's does."""
    host = lab.hosts[0]
    inventory = tmp_path / 'inventory'
    inventory.write_text('[testgroup]\ntesthost ansible_host=%s ansible_port=%d ansible_user=root '
                         'ansible_ssh_private_key_file=%s ansible_python_interpreter=%s\n'
                         % (host.address, host.port, lab.key, target_python()))
    return inventory


def _run(lab, args, cwd: Path, **extra) -> subprocess.CompletedProcess:
    env = lab.env(activate=True, **extra)
    # The async target runs ansible-playbook again on localhost: the same controller, activated the same way.
    env['PATH'] = str(Path(tool('ansible-playbook')).parent) + os.pathsep + env.get('PATH', '')
    return subprocess.run([tool('ansible-playbook'), *args], env=env, cwd=str(cwd), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL, timeout=900, check=False)


def _our_jobs_since(before: set) -> list:
    """Job files written since ``before`` that our supervisor wrote (fire-and-forget jobs stay behind)."""
    ours = []
    for path in JOB_DIR.iterdir():
        if path.name in before or not re.match(r'\Aj[0-9]+\.[0-9]+\Z', path.name):
            continue
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if META_KEY in record:
            ours.append(path.name)
    return ours


def _failures(output: str) -> str:
    """The tasks that failed and were not ignored, and the recap: what to read when a target fails.

    The whole output runs to tens of kilobytes and a CI log keeps its end; the task that failed is
    often far from it.
    """
    blocks = re.split(r'\n(?=TASK \[|PLAY RECAP)', output)
    failed = [block[:3000] for block in blocks
              if re.search(r'^(fatal|failed): \[', block, re.M) and '...ignoring' not in block]
    recap = [block for block in blocks if block.startswith('PLAY RECAP')]
    return '\n'.join(failed + recap[-1:]) or output[-8000:]


@pytest.mark.parametrize('role', ['async', 'async_fail'])
def test_cores_role_target_passes_activated(lab, core_targets, testhost, tmp_path, role):
    play = tmp_path / 'play.yml'
    play.write_text('- hosts: testhost\n  gather_facts: true\n  vars:\n    output_dir: %s\n  roles: [%s]\n'
                    % (tmp_path, role))
    before = set(os.listdir(JOB_DIR)) if JOB_DIR.exists() else set()
    proc = _run(lab, ['-i', str(testhost), str(play)], tmp_path, ANSIBLE_ROLES_PATH=str(core_targets))
    assert proc.returncode == 0, _failures(proc.stdout)
    assert 'failed=0' in proc.stdout, _failures(proc.stdout)
    if role == 'async':
        # The target leaves its fire-and-forget jobs behind: they ran under our supervisor, not core's wrapper.
        assert _our_jobs_since(before), 'no job of this run was written by parallel.jobs: not activated?'


def test_cores_junk_after_json_target_passes_activated(lab, core_targets, testhost):
    target = core_targets / 'async_extra_data'
    proc = _run(lab, ['-i', str(testhost), 'test_async.yml', '-v'], target, ANSIBLE_DEBUG='0')
    assert proc.returncode == 0, _failures(proc.stdout)
    # What the target's runme.sh greps for.
    assert 'junk after the JSON data: junk_after_module_output' in proc.stdout, proc.stdout[-8000:]
