# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Job ids are validated, job files are private, and become finds its own jobs."""

from __future__ import annotations

import uuid

from tests.integration.support import OTHER_USER, TEST_USER


def test_bad_jids_are_refused_by_name_and_touch_nothing(run_playbook):
    victim = '/tmp/pj-victim-%s' % uuid.uuid4().hex
    outcome = run_playbook('bad_jids.yml', '-e', 'victim=%s' % victim)
    for mode in ('cleanups', 'statuses'):
        results = outcome.result(mode)
        assert len(results) == 7
        for result in results[:6]:
            assert result['failed'] is True, result
            assert not result.get('erased')
        traversal = results[0]
        assert 'invalid job id' in traversal['msg'] and repr(traversal['item']) in traversal['msg']
        assert 'invalid job id' in results[1]['msg'] and 'empty' in results[3]['msg']
        assert 'longer than 128' in results[5]['msg']
    # A symlink planted in the job directory is never followed: reading it is refused...
    planted_status = outcome.result('statuses')[6]
    assert planted_status['failed'] is True and planted_status['job_state'] == 'corrupt'
    assert 'symlink' in planted_status['msg']
    # ...and cleaning it up removes the link itself, not what it points to.
    planted_cleanup = outcome.result('cleanups')[6]
    assert planted_cleanup['erased'] == '/root/.ansible_async/j999.999'
    assert planted_cleanup['erased_files'] == ['/root/.ansible_async/j999.999']
    assert outcome.result('planted_left') is False
    assert outcome.result('victim') == 'precious'


def test_become_jobs_live_in_the_become_users_private_dir(run_playbook):
    outcome = run_playbook('become.yml', '-e', 'user=%s' % TEST_USER, '-e', 'other_user=%s' % OTHER_USER)
    started = outcome.result('started')
    assert started['results_file'].startswith('/home/%s/.ansible_async/' % TEST_USER)
    same = outcome.result('same_become')
    assert same['job_state'] == 'finished' and same['stdout_lines'][0] == TEST_USER

    without = outcome.result('without_become')
    assert without['failed'] is True and without['job_state'] == 'not_found'
    # Core's words in msg (playbooks test for them), ours in job_reason.
    assert without['msg'] == 'could not find job' and 'become' in without['job_reason']

    job_dir, job_file = outcome.result('job_paths')
    assert (job_dir['pw_name'], job_dir['mode']) == (TEST_USER, '0700')
    assert (job_file['pw_name'], job_file['mode']) == (TEST_USER, '0600')
    other = outcome.result('other_read')
    assert other['failed'] is True and 'Permission denied' in other['stderr']
