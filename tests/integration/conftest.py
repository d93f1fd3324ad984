# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures for integration tests: real ansible-playbook against real sshd hosts on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.integration.adhoc import Adhoc, write_inventory  # noqa: E402
from tests.integration.support import OTHER_USER, PLAYBOOKS, TEST_USER, ensure_user  # noqa: E402
from tests.sshlab import SshLab  # noqa: E402


@pytest.fixture(scope='session')
def lab():
    """Three sshd hosts on 127.0.0.11-13, the collection installed from this checkout, two local users."""
    for name in (TEST_USER, OTHER_USER):
        ensure_user(name)
    with SshLab(3) as running:
        yield running


class Outcome:
    """A finished ansible-playbook run: its output and the results the play saved with ``save_result``."""

    def __init__(self, proc: subprocess.CompletedProcess, results_dir: Path):
        self.rc = proc.returncode
        self.output = proc.stdout
        self.results_dir = results_dir

    def result(self, name: str, host: str = 'host1'):
        path = self.results_dir / ('%s-%s.json' % (host, name))
        assert path.exists(), 'the play saved no result %r for %s:\n%s' % (name, host, self.output[-6000:])
        return json.loads(path.read_text())


@pytest.fixture
def run_playbook(lab, tmp_path):
    """Run a playbook from tests/integration/playbooks; plays save results with the save_result.yml include."""

    def run(name: str, *args: str, expect_rc: int | None = 0, activate: bool = True, env: dict | None = None):
        results_dir = tmp_path / 'results'
        results_dir.mkdir(exist_ok=True)
        proc = lab.playbook(PLAYBOOKS / name, '-e', 'results_dir=%s' % results_dir, '-e',
                            'playbooks_dir=%s' % PLAYBOOKS, *args, activate=activate, env=env)
        outcome = Outcome(proc, results_dir)
        if expect_rc is not None:
            assert proc.returncode == expect_rc, 'ansible-playbook %s: rc=%d, expected %d\n%s' % (
                name, proc.returncode, expect_rc, proc.stdout[-8000:])
        return outcome

    return run


@pytest.fixture
def adhoc(lab, ansible_adhoc):
    """Ad-hoc module runs on the lab's hosts (tests/integration/adhoc.py, over pytest-ansible's ansible_adhoc)."""
    return Adhoc(ansible_adhoc, write_inventory(lab, lab.dir / 'adhoc_inventory.ini'))
