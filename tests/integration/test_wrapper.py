# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The replacement wrapper over real SSH: time limits, process trees, output, lost jobs."""

from __future__ import annotations

import uuid


def test_time_limit_terms_the_tree_then_kills_after_the_grace(run_playbook):
    marker = '/tmp/pj-term-marker-%s' % uuid.uuid4().hex
    outcome = run_playbook('timeouts.yml', '-e', 'marker=%s' % marker)
    trapper = outcome.result('trapper')
    assert trapper['job_state'] == 'timed_out' and trapper['failed'] is True
    assert trapper['timed_out'] is True
    # The job was up and had its trap set; TERM reached it, it carried on, so after the 1 s grace it took SIGKILL.
    assert outcome.result('marker').split() == ['ready', 'TERM']
    assert trapper['signal'] == 'SIGKILL'
    # Limit 5 s + grace 1 s; core enforces limits in 5 s steps, we within a second.
    assert 6.0 <= trapper['elapsed'] < 7.5

    sleeper = outcome.result('sleeper')
    assert sleeper['job_state'] == 'timed_out'
    assert sleeper['signal'] == 'SIGTERM'
    assert 3.0 <= sleeper['elapsed'] < 4.0
    # Core's record in msg (playbooks test for it), ours in job_reason.
    assert sleeper['msg'] == 'Timeout exceeded' and isinstance(sleeper['child_pid'], int)
    assert 'Timed out after' in sleeper['job_reason'] and 'limit 3 s' in sleeper['job_reason']

    escaper = outcome.result('escaper')
    assert escaper['job_state'] == 'timed_out'
    assert outcome.result('escaper_marker').strip() == 'spawned'
    # setsid'd, double-forked and nohup'd descendants died with the job.
    assert outcome.result('survivors') == []


def test_20mb_output_completes_with_flat_supervisor_memory(run_playbook):
    outcome = run_playbook('big_output.yml')
    summary = outcome.result('summary')
    assert summary['job_state'] == 'finished' and int(summary['rc']) == 0
    assert int(summary['line_count']) == 200000
    assert int(summary['stdout_length']) == 200000 * 100 - 1
    meta = outcome.result('meta')
    # Core's wrapper holds the whole output in memory (1.2 GB RSS for 200 MB); ours streams it to a file.
    assert meta['supervisor_peak_rss'] < 30 * 1024 * 1024


def test_killed_supervisor_reads_as_lost_and_its_processes_are_recorded(run_playbook):
    outcome = run_playbook('lost.yml')
    lost = outcome.result('lost')
    assert lost['job_state'] == 'lost'
    assert lost['finished'] is True and lost['failed'] is True
    supervisor_pid = outcome.result('record')['parallel_jobs']['supervisor']['pid']
    assert 'supervisor (pid %d) is gone' % supervisor_pid in lost['job_reason']
    # The record names the job's processes, with start times, so they can still be stopped.
    recorded = {pid for pid, _start in outcome.result('record')['parallel_jobs']['processes']}
    assert set(outcome.result('leftover')) <= recorded
