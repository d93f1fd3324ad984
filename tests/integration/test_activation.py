# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The seed playbooks' async patterns run unchanged through our wrapper once activated, and only then."""

from __future__ import annotations

from conftest import old_interpreter

HOSTS = ('host1', 'host2', 'host3')


def test_seed_patterns_run_through_our_wrapper_when_activated(run_playbook):
    outcome = run_playbook('seed_patterns.yml')
    for host in HOSTS:
        running = outcome.result('running_record', host)
        # The job file is ours (supervisor metadata) and core's keys are there for core's reader.
        assert running['started'] is True and running['ansible_job_id']
        assert running['parallel_jobs']['supervisor']['pid'] > 0
        assert running['parallel_jobs']['boot_id']

        # Built-in polling ran our async_status, which says what state the job ended in.
        polled = outcome.result('polled', host)
        assert polled['finished'] is True and polled['rc'] == 0
        assert polled['job_state'] == 'finished'

        job_result = outcome.result('job_result', host)
        assert job_result['finished'] is True
        assert job_result['stdout'] == 'webapp healthy'
        assert job_result['job_state'] == 'finished'

        # Fully qualified, the task still reads the job (through our module: ANSIBLE_LIBRARY reroutes it).
        database = outcome.result('database_status', host)
        assert database['finished'] is True and database['rc'] == 0
        assert database['stdout'] == 'database healthy'

        loop_results = outcome.result('loop_results', host)
        assert [r['cmd'] for r in loop_results] == [['sleep', '1'], ['sleep', '2'], ['sleep', '3']]
        assert all(r['finished'] and r['rc'] == 0 for r in loop_results)

        job_dir, job_file, polled_file = outcome.result('job_paths', host)
        assert job_dir['mode'] == '0700'
        assert job_file['exists'] and job_file['mode'] == '0600'
        # Built-in polling cleans up after a finished job, through our async_status.
        assert polled_file['exists'] is False


def test_without_activation_nothing_changes(run_playbook):
    outcome = run_playbook('seed_patterns.yml', activate=False)
    for host in HOSTS:
        running = outcome.result('running_record', host)
        assert 'parallel_jobs' not in running
        assert 'job_state' not in outcome.result('polled', host)
        assert outcome.result('job_result', host)['stdout'] == 'webapp healthy'


def test_seed_patterns_on_the_oldest_supported_target_python(run_playbook):
    interpreter = old_interpreter()
    outcome = run_playbook('seed_patterns.yml', '--limit', 'host1', '-e', 'ansible_python_interpreter=%s' % interpreter)
    assert outcome.result('job_result')['stdout'] == 'webapp healthy'
    assert outcome.result('running_record')['parallel_jobs']['supervisor']['pid'] > 0
    assert all(r['job_state'] == 'finished' for r in outcome.result('loop_results'))


def test_core_async_status_reads_jobs_our_wrapper_started(run_playbook):
    started = run_playbook('start_job.yml', '-e', 'job_cmd="echo from our wrapper; exit 3"').result('started')
    # A second run without the activation setting: core's action and core's module, untouched.
    status = run_playbook('job_status.yml', '-e', 'jid=%s' % started['ansible_job_id'], '-e',
                          'status_module=ansible.builtin.async_status', activate=False).result('status')
    assert status['finished'] is True
    assert status['rc'] == 3 and status['stdout'] == 'from our wrapper'
    assert status['failed'] is True
    assert 'job_state' not in status
