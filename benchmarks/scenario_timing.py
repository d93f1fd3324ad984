# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""site.yml against the same play written the seeds' way (core's async_status loop), in one run.

Two loopback sshd hosts (db_server, web_server); the stack is deployed once first so both sides time
the same, already-converged deployment plus the monitoring phase. Sides alternate.

    .venv/bin/python benchmarks/scenario_timing.py [--window 30] [--repeat 2]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.sshlab import SshLab, tool  # noqa: E402

SIDES = {
    'parallel.jobs site.yml (async_start + async_wait)': ('parallel.jobs.site', True),
    "seed style (async + poll 0, core's async_status loop)": (str(HERE / 'playbooks' / 'site_core_style.yml'), False),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--window', type=int, default=30)
    parser.add_argument('--repeat', type=int, default=2)
    options = parser.parse_args()
    password = secrets.token_urlsafe(16)
    times = {side: [] for side in SIDES}
    with SshLab(names=['db1', 'web1']) as lab:
        lab.write_inventory(groups={'db_server': ['db1'], 'web_server': ['web1']})
        args = ['-e', 'db_password=%s' % password, '-e', 'monitor_window=%d' % options.window]
        subprocess.run([tool('ansible-playbook'), 'parallel.jobs.deploy'] + args, env=lab.env(), cwd=str(lab.dir),
                       check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        for repetition in range(options.repeat):
            order = list(SIDES) if repetition % 2 == 0 else list(reversed(SIDES))
            for side in order:
                playbook, activate = SIDES[side]
                started = time.monotonic()
                proc = subprocess.run([tool('ansible-playbook'), playbook] + args, env=lab.env(activate=activate),
                                      cwd=str(lab.dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                      stdin=subprocess.DEVNULL, check=False)
                if proc.returncode != 0:
                    print(proc.stdout[-3000:])
                    return 1
                times[side].append(time.monotonic() - started)
                print('%s: %.1f s' % (side, times[side][-1]), flush=True)
    print('\nwindow %d s, median of %d runs each:' % (options.window, options.repeat))
    for side, values in times.items():
        print('  %-55s %6.1f s (min %.1f, max %.1f)' % (side, statistics.median(values), min(values), max(values)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
