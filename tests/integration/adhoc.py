# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The seam between the tests and pytest-ansible: one module run on lab hosts, ad hoc, in this process.

Tests call ``adhoc('host1', 'parallel.jobs.async_status', mode='list')`` (the ``adhoc`` fixture in
conftest.py) and get ``{host: result}`` as plain dicts; only this file knows pytest-ansible's
``ansible_adhoc`` fixture and its host manager, so replacing it (if its maintainers end it) is a change
here. pytest-ansible runs the module through a TaskQueueManager in the pytest process: the lab's
environment (lab.env) is not applied there, so the ssh settings travel as inventory variables, and the
collection is the one pytest-ansible put on this process's collection path (this checkout, linked
under collections/ when pytest starts from the collection root), not the lab's installed copy.
"""

from __future__ import annotations

from pathlib import Path

# The connection settings SshLab.env gives ansible-playbook, as the ssh plugin's inventory variables.
SSH_VARS = {
    'ansible_host_key_checking': 'false',
    'ansible_ssh_args': "'-o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null'",
    'ansible_pipelining': 'true',
}


def write_inventory(lab, path: Path) -> Path:
    """The lab's inventory with the ssh settings as variables (the lab's [all:vars] section comes last)."""
    lines = [lab.inventory.read_text().rstrip('\n')]
    lines.extend('%s=%s' % item for item in SSH_VARS.items())
    lines.append('ansible_control_path_dir=%s' % (lab.dir / 'cp'))
    path.write_text('\n'.join(lines) + '\n')
    return path


class Adhoc:
    """``adhoc(pattern, module, **args)``: run ``module`` on the hosts matching ``pattern``, return each result."""

    def __init__(self, ansible_adhoc, inventory: Path):
        self._ansible_adhoc = ansible_adhoc
        self.inventory = inventory

    def __call__(self, pattern: str, module: str, **args) -> dict:
        hosts = self._ansible_adhoc(inventory=str(self.inventory))
        results = getattr(hosts[pattern], module)(**args)
        # As a registered variable shows it: the callback's copy drops ``failed`` when it is false.
        return {host: dict({'failed': False}, **results[host]) for host in results.keys()}


__all__ = ('Adhoc', 'write_inventory')
