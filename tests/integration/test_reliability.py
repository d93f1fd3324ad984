# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Faults survived and nothing lost: what an unlucky operator or a hostile job would try, over SSH.

Where it tells, the same case runs with core's wrapper (no activation) too, and
the test asserts the difference.
"""

from __future__ import annotations

import os
import random
import signal
import time


def _run_id() -> str:
    return str(random.randint(100000, 999999))


def _marked(marker: str) -> list:
    """Pids of the processes whose command line holds ``marker``."""
    found = []
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                with open('/proc/%s/cmdline' % name, 'rb') as handle:
                    if marker.encode() in handle.read():
                        found.append(int(name))
            except OSError:
                continue
    return found


def _stop_hoppers(marker: str) -> None:
    """Stop what core's wrapper left of a hopper: freeze every hop found until 100 scans in a row (at least
    half a second, many hops) find nothing new, since one scan of /proc can miss a pid that hops; then kill."""
    frozen, empty, deadline = set(), 0, time.monotonic() + 60
    while empty < 100 and time.monotonic() < deadline:
        found = [pid for pid in _marked(marker) if pid not in frozen]
        if not found:
            empty += 1
            time.sleep(0.005)
            continue
        empty = 0
        for pid in found:
            try:
                os.kill(pid, signal.SIGSTOP)
            except OSError:
                pass
        frozen.update(found)
    for pid in frozen:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def test_a_job_whose_pid_hops_is_stopped_at_its_limit_where_cores_wrapper_lets_it_run(run_playbook):
    ours = run_playbook('hopper.yml', '-e', 'run_id=%s' % _run_id())
    ended = ours.result('ended')
    assert ended['job_state'] == 'timed_out'
    assert ours.result('survivors') == [], 'a hop outlived the limit and the grace period'

    run_id = _run_id()
    try:
        core = run_playbook('hopper.yml', '-e', 'run_id=%s' % run_id, activate=False)
        survivors = core.result('survivors')
    finally:
        _stop_hoppers('hop%s' % run_id)
    # Core's wrapper kills one process group; the hops left it.
    assert survivors, "core's wrapper stopped the hopper too: this test no longer shows a difference"


def test_lost_jobs_are_stopped_whole_and_not_cleaned_up_while_they_run(run_playbook):
    outcome = run_playbook('lost_session.yml', '-e', 'run_id=%s' % _run_id())
    refused = outcome.result('refused_cleanup')
    assert refused['failed'] is True and 'still running' in refused['msg']
    assert refused['job_state'] == 'lost'
    forced = outcome.result('forced_cleanup')
    assert forced['job_state'] == 'killed' and forced['erased'].endswith(forced['ansible_job_id'])
    killed = outcome.result('killed')
    assert killed['job_state'] == 'killed' and killed['failed'] is False
    # The detached sleep started after the supervisor died (in the job's session) went too.
    assert outcome.result('survivors') == []
    typo = outcome.result('typo')
    assert typo['failed'] is True and typo['job_state'] == 'not_found'
    assert 'could not find job' in typo['msg']
