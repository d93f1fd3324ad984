# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The main job: a local lab of loopback sshd hosts, and the collection's demo playbook run against it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sshlab import SshLab, tool  # noqa: E402

PLAYBOOK = 'parallel.jobs.demo_jobs'


def main() -> int:
    print('demo: starting two sshd test hosts on loopback and installing parallel.jobs from this checkout')
    with SshLab(names=['web1', 'db1']) as lab:
        lab.write_inventory(groups={'web_server': ['web1'], 'db_server': ['db1']})
        for host in lab.hosts:
            print('demo: %s is sshd pid %d on %s:%d' % (host.name, host.process.pid, host.address, host.port))
        env = lab.env(activate=True)
        print('demo: activated with ANSIBLE_LIBRARY=%s and ANSIBLE_ACTION_PLUGINS=%s'
              % (env['ANSIBLE_LIBRARY'], env['ANSIBLE_ACTION_PLUGINS']))
        print('demo: ansible-playbook %s' % PLAYBOOK, flush=True)
        return subprocess.run([tool('ansible-playbook'), PLAYBOOK], env=env, cwd=str(lab.dir),
                              stdin=subprocess.DEVNULL).returncode


if __name__ == '__main__':
    sys.exit(main())
