# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""parallel.jobs.async_wait over real SSH: many jobs and hosts, one wait, every outcome named."""

from __future__ import annotations

HOSTS = ('host1', 'host2', 'host3')


def test_mixed_outcomes_are_each_reported_in_one_wait(run_playbook):
    outcome = run_playbook('wait_mixed.yml')
    for host in HOSTS:
        waited = outcome.result('waited', host)
        assert waited['failed'] is True
        states = [job['job_state'] for job in waited['jobs']]
        assert states == ['finished', 'failed', 'timed_out', 'lost', 'corrupt']
        ok, rc, slow, orphan, corrupt = waited['jobs']
        assert ok['stdout'] == 'all good' and ok['rc'] == 0
        assert rc['rc'] == 2 and rc['stderr'] == 'broken'
        assert slow['signal'] == 'SIGTERM'
        assert 'supervisor' in orphan['job_reason']
        assert 'not valid JSON' in corrupt['job_reason']
        assert waited['counts']['finished'] == 1 and waited['counts']['lost'] == 1
        # The message names each bad job and why.
        msg = waited['msg']
        assert msg.startswith('4 of 5 jobs failed: ')
        assert '%s rc=2' % rc['ansible_job_id'] in msg
        assert '%s lost (' % orphan['ansible_job_id'] in msg
        assert 'j4242.4242 corrupt (the job file is not valid JSON' in msg
        assert '%s timed out (Timed out after' % slow['ansible_job_id'] in msg
        # The target waited: a lost or corrupt job did not hold the wait, the slow one ended at its 2 s limit.
        assert waited['rounds'] == 1
        assert waited['elapsed'] < 10

        killed = outcome.result('killed_orphan', host)
        assert killed['job_state'] == 'killed'
        assert outcome.result('orphan_left', host) == []
        # Collected jobs' files were removed; the lost job's record was kept.
        assert outcome.result('files_after', host) == [False, False, False, True]
    assert 'host1: 5/5 jobs ended, 1 failed, 1 timed out, 1 lost, 1 corrupt' in outcome.output
