# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Module-level checks on the lab's hosts, ad hoc (the ``adhoc`` seam over pytest-ansible), no playbook."""

from __future__ import annotations

import json
import subprocess

from tests.sshlab import tool


def start_with_the_ansible_command(lab, host: str, command: str) -> dict:
    """``ansible HOST -B 60 -P 0 -m command``, activated: a job started by core's ad-hoc async, through our wrapper."""
    proc = subprocess.run([tool('ansible'), host, '-B', '60', '-P', '0', '-m', 'ansible.builtin.command', '-a', command],
                          env=lab.env(), cwd=str(lab.dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          stdin=subprocess.DEVNULL, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout
    return json.loads(proc.stdout.split(' => ', 1)[1])


def test_a_job_started_by_the_ansible_command_is_listed_read_and_waited_for(lab, adhoc):
    started = start_with_the_ansible_command(lab, 'host1', "sh -c 'echo adhoc; sleep 10'")
    jid = started['ansible_job_id']
    assert started['started'] and not started['finished']

    listed = adhoc('host1', 'parallel.jobs.async_status', mode='list')['host1']
    entry = {job['ansible_job_id']: job for job in listed['jobs']}[jid]
    assert entry['job_state'] == 'running' and entry['module'] == 'command'

    read = adhoc('host1', 'parallel.jobs.async_status', jid=jid)['host1']
    assert read['finished'] is False and read['job_state'] == 'running'

    waited = adhoc('host1', 'parallel.jobs.async_wait', jobs=jid, window=2)['host1']
    assert waited['failed'] is False
    assert waited['jobs'][0]['stdout'] == 'adhoc' and waited['jobs'][0]['rc'] == 0
    assert waited['progress'][-1]['msg'] == 'host1: 1/1 jobs ended'

    # async_wait collected the job: no longer a job of the host, still read by its id (a retried wait's answer).
    assert waited['jobs'][0]['job_collected'] is True
    listed = adhoc('host1', 'parallel.jobs.async_status', mode='list')['host1']
    assert jid not in {job['ansible_job_id'] for job in listed['jobs']}
    again = adhoc('host1', 'parallel.jobs.async_status', jid=jid)['host1']
    assert again['job_state'] == 'finished' and again['job_collected'] is True and again['stdout'] == 'adhoc'
    # Cleanup removes it at once.
    cleaned = adhoc('host1', 'parallel.jobs.async_status', jid=jid, mode='cleanup')['host1']
    assert cleaned['erased_files'] == [cleaned['erased'] + '.collected']


def test_each_host_waits_for_the_jobs_its_own_async_start_returned(adhoc):
    started = adhoc('lab', 'parallel.jobs.async_start', jobs=[
        {'name': 'greet', 'cmd': 'echo hello'},
        {'name': 'pause', 'argv': ['sleep', '1']},
    ])
    assert sorted(started) == ['host1', 'host2', 'host3']
    # One call started two jobs on each host, each host its own.
    jids = [jid for result in started.values() for jid in result['jids'].values()]
    assert len(set(jids)) == 6
    for host, result in started.items():
        waited = adhoc(host, 'parallel.jobs.async_wait', jobs=result)[host]
        assert waited['failed'] is False and waited['counts']['finished'] == 2
        greet, pause = waited['jobs']
        assert greet['ansible_job_id'] == result['jids']['greet'] and greet['stdout'] == 'hello'
        assert pause['job_name'] == 'pause' and pause['rc'] == 0
