# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for what async_status does on the target (``module_utils/_control.py``): collecting in a read."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from ansible_collections.parallel.jobs.plugins.module_utils._control import (
    make_request,
    remove_expired,
    run_mode,
    sweep_expired,
)
from ansible_collections.parallel.jobs.plugins.module_utils._settings import RETENTION_DEFAULT, parse_retention
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.liveness import process_identity, read_boot_id
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import (
    JobKind,
    JobMeta,
    Outcome,
    final_record,
    running_record,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import (
    job_path,
    list_job_ids,
    remove_old_collected,
    write_record,
)

DONE, RUNNING = 'j1.1', 'j2.2'


def _jobs(job_dir: str) -> None:
    meta = JobMeta(kind=JobKind.MODULE, started_at=1.0, ended_at=2.0, outcome=Outcome.COMPLETED, rc=0)
    write_record(job_path(job_dir, DONE), final_record({'changed': True, 'rc': 0, 'answer': 42}, DONE, meta))
    alive = JobMeta(kind=JobKind.MODULE, started_at=1.0, boot_id=read_boot_id(), supervisor=process_identity(os.getpid()))
    write_record(job_path(job_dir, RUNNING), running_record(RUNNING, job_path(job_dir, RUNNING), alive))


def _read(job_dir: str, **params) -> dict:
    full = {'jid': None, 'jids': None, 'mode': 'status', 'force': False, '_async_dir': job_dir}
    full.update(params)
    return run_mode(make_request(full))[0]


def test_a_collecting_read_sets_aside_the_ended_jobs_it_returns(job_dir):
    _jobs(job_dir)
    first = _read(job_dir, jids=[DONE, RUNNING], _collect=True)
    done, running = first['jobs']
    assert done['answer'] == 42 and done['job_collected'] is True
    assert running['job_state'] == 'running' and 'job_collected' not in running
    # Set aside: no longer a job of the directory, still read by its id, with the same result.
    assert list_job_ids(job_dir) == [RUNNING]
    again = _read(job_dir, jids=[DONE])
    assert again['jobs'][0]['answer'] == 42 and again['jobs'][0]['job_state'] == 'finished'
    assert again['jobs'][0]['job_collected'] is True


def test_a_read_without_collect_leaves_the_files(job_dir):
    _jobs(job_dir)
    _read(job_dir, jids=[DONE, RUNNING])
    assert list_job_ids(job_dir) == [DONE, RUNNING]


def test_cleanup_removes_a_collected_job_and_old_collected_files_go_on_a_later_read(job_dir):
    _jobs(job_dir)
    _read(job_dir, jids=[DONE], _collect=True)
    cleaned = _read(job_dir, jid=DONE, mode='cleanup')
    assert cleaned['erased'] == job_path(job_dir, DONE)
    assert cleaned['erased_files'] == [job_path(job_dir, DONE) + '.collected']
    _jobs(job_dir)
    _read(job_dir, jids=[DONE], _collect=True)
    # Kept for 10 minutes; with no time to keep, the next sweep removes it.
    assert remove_old_collected(job_dir, now=0.0) == []
    assert remove_old_collected(job_dir, now=10 ** 10) == [DONE]
    assert _read(job_dir, jid=DONE)['job_state'] == 'not_found'


def test_killing_a_job_id_that_names_no_job_fails_saying_so(job_dir):
    single = _read(job_dir, jid='j9.9', mode='kill')
    assert single['failed'] is True and single['job_state'] == 'not_found'
    assert single['msg'].startswith('j9.9: could not find job')
    _jobs(job_dir)
    batch = _read(job_dir, jids=[DONE, 'j9.9'], mode='kill')
    assert batch['failed'] is True and 'j9.9: could not find job' in batch['msg']
    assert [job['job_state'] for job in batch['jobs']] == ['finished', 'not_found']


def test_a_directory_planted_under_a_job_id_is_named_and_the_other_jobs_are_cleaned(job_dir):
    _jobs(job_dir)
    planted = job_path(job_dir, 'j7.7')
    os.mkdir(planted)
    result = _read(job_dir, jids=[DONE, 'j7.7'], mode='cleanup')
    assert result['failed'] is True and 'j7.7: cannot remove %s' % planted in result['msg']
    assert result['erased'] == [job_path(job_dir, DONE)]
    assert os.path.isdir(planted)


def test_a_job_file_nested_too_deep_or_not_utf8_is_corrupt_alone(job_dir):
    _jobs(job_dir)
    with open(job_path(job_dir, 'j5.5'), 'wb') as handle:
        handle.write(b'[' * 100000 + b']' * 100000)
    with open(job_path(job_dir, 'j6.6'), 'wb') as handle:
        handle.write(b'{"started": true, "finished": true, "stdout": "\xff\xfe binary", "rc": 0}')
    result = _read(job_dir, jids=[DONE, 'j5.5', 'j6.6'])
    states = [job['job_state'] for job in result['jobs']]
    assert states == ['finished', 'corrupt', 'finished']
    assert 'too deep' in result['jobs'][1]['job_reason']


def test_a_job_file_another_user_planted_is_not_trusted_to_name_processes(job_dir):
    victim = subprocess.Popen(['sleep', '60'])
    try:
        identity = process_identity(victim.pid)
        lost = JobMeta(kind=JobKind.MODULE, started_at=1.0, boot_id=read_boot_id(),
                       supervisor={'pid': 999999, 'start_time': 1}, processes=[[victim.pid, identity['start_time']]])
        path = job_path(job_dir, 'j3.3')
        write_record(path, running_record('j3.3', path, lost))
        os.chown(path, 65534, 65534)
        result = _read(job_dir, jid='j3.3', mode='kill')
        assert result['job_state'] == 'corrupt' and 'refusing to trust it' in result['job_reason']
        assert victim.poll() is None, 'a planted job file got a process signalled'
    finally:
        victim.kill()
        victim.wait()


# ---------------------------------------------------------------------------
# Retention


def _age(job_dir: str, jid: str, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(job_path(job_dir, jid), (then, then))


def test_retention_removes_what_ended_long_ago_and_never_a_job_that_runs(job_dir):
    _jobs(job_dir)  # DONE finished, RUNNING running (this process is its supervisor)
    write_record(job_path(job_dir, 'j4.4'), final_record({'failed': True}, 'j4.4', JobMeta(kind=JobKind.MODULE)))
    with open(job_path(job_dir, 'j5.5'), 'w') as handle:
        handle.write('not json')
    for jid in (DONE, RUNNING, 'j4.4', 'j5.5'):
        _age(job_dir, jid, 8 * 24 * 3600)
    write_record(job_path(job_dir, 'j6.6'), final_record({'rc': 0}, 'j6.6', JobMeta(kind=JobKind.MODULE)))
    assert remove_expired(job_dir, RETENTION_DEFAULT) == [DONE, 'j4.4', 'j5.5']
    # The young job and the old one that still runs stay.
    assert list_job_ids(job_dir) == [RUNNING, 'j6.6']


def test_retention_keeps_a_lost_job_whose_processes_still_run(job_dir):
    orphan = subprocess.Popen(['sleep', '60'])
    try:
        start = process_identity(orphan.pid)['start_time']
        meta = JobMeta(kind=JobKind.MODULE, started_at=1.0, boot_id=read_boot_id(),
                       supervisor={'pid': 999999, 'start_time': 1}, processes=[[orphan.pid, start]])
        path = job_path(job_dir, 'j3.3')
        write_record(path, running_record('j3.3', path, meta))
        _age(job_dir, 'j3.3', 30 * 24 * 3600)
        assert _read(job_dir, jid='j3.3')['job_state'] == 'lost'
        assert remove_expired(job_dir, 60) == []
        assert sweep_expired(job_dir, 0) == []
    finally:
        orphan.kill()
        orphan.wait()
    assert sweep_expired(job_dir, 60) == ['j3.3']


def test_cleanup_older_than_needs_no_job_ids_and_keeps_young_jobs(job_dir):
    _jobs(job_dir)
    _age(job_dir, DONE, 7200)
    result = _read(job_dir, mode='cleanup', older_than=86400.0)
    assert result == {'changed': False, 'erased': [], 'msg': 'removed 0 jobs that ended at least 86400.0 s ago'}
    result = _read(job_dir, mode='cleanup', older_than=3600.0)
    assert result['erased'] == [job_path(job_dir, DONE)] and result['changed'] is True
    assert list_job_ids(job_dir) == [RUNNING]


@pytest.mark.parametrize('value, expected', [(None, RETENTION_DEFAULT), ('', RETENTION_DEFAULT), ('0', 0),
                                             ('3600', 3600), (' 60 ', 60)])
def test_parse_retention(value, expected):
    assert parse_retention(value) == expected


@pytest.mark.parametrize('value', ['-1', 'a week', '1.5', str(10 ** 10)])
def test_parse_retention_refuses_naming_the_variable(value):
    with pytest.raises(JobError, match='PARALLEL_JOBS_RETENTION'):
        parse_retention(value)


@pytest.mark.parametrize('params, message', [
    ({'mode': 'status', 'older_than': 5.0, 'jids': [DONE]}, 'older_than is for mode=cleanup, not mode=status'),
    ({'mode': 'cleanup', 'older_than': -1.0}, 'older_than=-1.0 must be between 0 and'),
    ({'mode': 'cleanup'}, 'one of jid or jids is required with mode=cleanup'),
])
def test_older_than_is_checked(job_dir, params, message):
    with pytest.raises(JobError, match=message):
        _read(job_dir, **params)


def test_a_directory_is_swept_at_most_once_an_hour(job_dir):
    _jobs(job_dir)
    _age(job_dir, DONE, 8 * 24 * 3600)
    now = time.time()
    assert sweep_expired(job_dir, RETENTION_DEFAULT, now=now) == [DONE]
    _jobs(job_dir)
    _age(job_dir, DONE, 8 * 24 * 3600)
    # Swept a minute ago: not again yet; an hour later, yes.
    assert sweep_expired(job_dir, RETENTION_DEFAULT, now=now + 60) == []
    assert sweep_expired(job_dir, RETENTION_DEFAULT, now=now + 3601) == [DONE]
