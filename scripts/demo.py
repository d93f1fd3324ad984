# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The main job: the seeds' scenario end to end on this machine.

Starts two loopback sshd hosts (db_server and web_server), then runs
``ansible-playbook parallel.jobs.site``: MariaDB and the Flask application
deployed through the collection's roles, then both monitors started in one
round trip per host and collected with async_wait. The stability window is
30 s here (MONITOR_WINDOW=300 gives the seed's five minutes).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sshlab import SshLab, tool  # noqa: E402

PLAYBOOK = 'parallel.jobs.site'


def main() -> int:
    window = os.environ.get('MONITOR_WINDOW', '30')
    print('demo: starting two sshd test hosts on loopback and installing parallel.jobs from this checkout')
    with SshLab(names=['db1', 'web1']) as lab:
        lab.write_inventory(groups={'db_server': ['db1'], 'web_server': ['web1']})
        for host in lab.hosts:
            print('demo: %s is sshd pid %d on %s:%d' % (host.name, host.process.pid, host.address, host.port))
        env = lab.env(activate=True)
        print('demo: async tasks go through our wrapper (ANSIBLE_LIBRARY and ANSIBLE_ACTION_PLUGINS point at the '
              'collection)')
        print('demo: ansible-playbook %s -e monitor_window=%s (deploy MariaDB and the Flask app, then monitor both)'
              % (PLAYBOOK, window), flush=True)
        started = time.monotonic()
        rc = subprocess.run([tool('ansible-playbook'), PLAYBOOK, '-e', 'monitor_window=%s' % window,
                             '-e', 'db_password=%s' % secrets.token_urlsafe(16)],
                            env=env, cwd=str(lab.dir), stdin=subprocess.DEVNULL, check=False).returncode
        print('demo: site.yml %s in %.0f s' % ('passed' if rc == 0 else 'FAILED (rc=%d)' % rc,
                                               time.monotonic() - started))
        return rc


if __name__ == '__main__':
    sys.exit(main())
