# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the target-side job model (``module_utils/_jobs/records.py``)."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import (
    JobError,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.liveness import (
    process_identity,
    read_boot_id,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import (
    META_KEY,
    JobState,
    JobStatus,
    classify_record,
    job_entry,
    parse_record,
    read_job,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import (
    write_record,
)

JID = 'j123.456'


def _running_record(jid: str, supervisor: dict, boot_id=None) -> dict:
    meta = {'format': 1, 'started_at': time.time(), 'supervisor': supervisor}
    if boot_id is not None:
        meta['boot_id'] = boot_id
    return {'started': True, 'finished': False, 'ansible_job_id': jid, META_KEY: meta}


# ---------------------------------------------------------------------------
# Classifying a record

BOOT = 'boot-a'
SUPERVISOR = {'pid': 4242, 'start_time': 777}


def _meta(**extra) -> dict:
    meta = {'format': 1, 'boot_id': BOOT, 'supervisor': dict(SUPERVISOR), 'started_at': 100.0}
    meta.update(extra)
    return meta


CLASSIFY_CASES = [
    pytest.param(
        {'started': True, 'finished': False, META_KEY: _meta()}, True,
        JobState.RUNNING, 'running (supervisor pid 4242)', id='running-live-supervisor'),
    pytest.param(
        {'started': True, 'finished': False, META_KEY: _meta()}, False,
        JobState.LOST, 'pid 4242', id='lost-supervisor-dead'),
    pytest.param(
        {'started': True, 'finished': False, META_KEY: _meta(boot_id='boot-before')}, True,
        JobState.LOST, 'rebooted', id='lost-after-reboot'),
    pytest.param(
        {'started': 1, 'finished': 0, 'ansible_job_id': 'j1.2'}, False,
        JobState.RUNNING, "ansible-core's wrapper", id='core-running-no-metadata'),
    pytest.param(
        {'started': True, 'finished': True, 'changed': True, 'rc': 0, META_KEY: _meta(outcome='completed')}, False,
        JobState.FINISHED, 'finished, rc=0', id='finished-rc0'),
    pytest.param(
        {'changed': False}, False,
        JobState.FINISHED, 'finished', id='finished-core-no-rc'),
    pytest.param(
        {'started': True, 'finished': True, 'failed': True, 'rc': 2, 'msg': 'non-zero return code',
         META_KEY: _meta(outcome='completed')}, False,
        JobState.FAILED, 'rc=2', id='failed-rc2'),
    pytest.param(
        {'started': True, 'finished': True, 'failed': True, 'rc': 2, 'msg': 'disk full\nmore detail',
         META_KEY: _meta(outcome='completed')}, False,
        JobState.FAILED, 'rc=2: disk full', id='failed-rc2-with-msg'),
    pytest.param(
        {'started': True, 'finished': True, 'failed': True, 'msg': 'Could not find the package\nsecond line',
         META_KEY: _meta(outcome='completed')}, False,
        JobState.FAILED, 'Could not find the package', id='failed-msg-only'),
    pytest.param(
        {'started': True, 'finished': True, 'failed': True, 'timed_out': True, 'rc': -15, 'signal': 'SIGTERM',
         'msg': 'Timed out after 2.0 s (limit 2 s): the job was ended with SIGTERM',
         META_KEY: _meta(outcome='timed_out')}, False,
        JobState.TIMED_OUT, 'Timed out after 2.0 s (limit 2 s): the job was ended with SIGTERM', id='timed-out'),
    pytest.param(
        {'started': True, 'finished': True, 'failed': True, 'killed': True, 'rc': -9, 'signal': 'SIGKILL',
         'msg': 'Killed on request after 1.0 s: the job was ended with SIGKILL',
         META_KEY: _meta(outcome='killed')}, False,
        JobState.KILLED, 'Killed on request after 1.0 s: the job was ended with SIGKILL', id='killed'),
    pytest.param(
        {'msg': 'Timeout exceeded', 'failed': True, 'child_pid': 5}, False,
        JobState.TIMED_OUT, "killed by ansible-core's wrapper", id='core-timeout'),
]


@pytest.mark.parametrize('record, alive, state, reason', CLASSIFY_CASES)
def test_classify_record(record, alive, state, reason):
    got_state, got_reason = classify_record(record, BOOT, alive=lambda identity: alive)
    assert got_state == state
    if state == JobState.FAILED and reason.startswith('rc='):
        assert got_reason == reason
    else:
        assert reason in got_reason
    assert '\n' not in got_reason


def test_classify_record_checks_the_recorded_supervisor():
    seen = []
    record = {'started': True, 'finished': False, META_KEY: _meta()}

    def alive(identity):
        seen.append(identity)
        return False

    state, reason = classify_record(record, BOOT, alive=alive)
    assert state == JobState.LOST
    assert reason == 'its supervisor (pid 4242) is gone'
    assert seen == [SUPERVISOR]


def test_classify_record_without_a_boot_id_relies_on_the_supervisor():
    record = {'started': True, 'finished': False, META_KEY: _meta(boot_id='boot-before')}
    assert classify_record(record, None, alive=lambda identity: True)[0] == JobState.RUNNING


# ---------------------------------------------------------------------------
# Parsing a job file


@pytest.mark.parametrize('data, reason', [
    (b'', 'empty'),
    (b'  \n\t\n', 'empty'),
    (b'{"started": tru', 'not valid JSON'),
    (b'\xff\xfe garbage', 'not valid JSON'),
    (b'[1, 2]', 'JSON list, not an object'),
    (b'"text"', 'JSON str, not an object'),
])
def test_parse_record_refuses(data, reason):
    record, problem = parse_record(data)
    assert record is None
    assert reason in problem


def test_parse_record_accepts_an_object():
    assert parse_record(b' {"started": 1, "finished": 0}\n') == ({'started': 1, 'finished': 0}, None)


# ---------------------------------------------------------------------------
# Reading a job


def test_read_job_not_found(job_dir):
    status = read_job(job_dir, JID)
    assert status.state == JobState.NOT_FOUND
    assert status.path == os.path.join(job_dir, JID)
    assert status.record is None
    assert status.ended


@pytest.mark.parametrize('content, reason', [
    (b'', 'empty'),
    (b'\x00\x01garbage{', 'not valid JSON'),
    (b'[]', 'JSON list'),
])
def test_read_job_corrupt(job_dir, content, reason):
    with open(os.path.join(job_dir, JID), 'wb') as handle:
        handle.write(content)
    status = read_job(job_dir, JID)
    assert status.state == JobState.CORRUPT
    assert status.reason.startswith('the job file')
    assert reason in status.reason
    assert status.ended


def test_read_job_refuses_a_planted_symlink(job_dir, tmp_path):
    target = tmp_path / 'secret'
    target.write_text('{"started": 1, "finished": 0}')
    os.chmod(target, 0o640)
    os.symlink(str(target), os.path.join(job_dir, JID))
    with pytest.raises(JobError, match='symlink'):
        read_job(job_dir, JID)
    assert target.read_text() == '{"started": 1, "finished": 0}'
    assert stat.S_IMODE(os.lstat(target).st_mode) == 0o640


def test_read_job_refuses_a_directory_as_job_file(job_dir):
    os.mkdir(os.path.join(job_dir, JID))
    with pytest.raises(JobError, match='not a regular file'):
        read_job(job_dir, JID)


def test_read_job_refuses_a_fifo_as_job_file_without_blocking(job_dir):
    path = os.path.join(job_dir, JID)
    os.mkfifo(path, 0o600)
    outcome = {}

    def read():
        try:
            outcome['status'] = read_job(job_dir, JID)
        except Exception as exc:
            outcome['error'] = exc

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(2)
    blocked = thread.is_alive()
    deadline = time.monotonic() + 5
    while thread.is_alive() and time.monotonic() < deadline:
        # Let a blocked reader go: open the FIFO for writing, then close it.
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        thread.join(0.1)
    assert not blocked, 'read_job blocked opening a FIFO planted as the job file'
    assert isinstance(outcome.get('error'), JobError), outcome


@pytest.mark.parametrize('jid', ['../x', '/etc/passwd', 'j1'])
def test_read_job_refuses_a_bad_jid(job_dir, jid):
    with pytest.raises(JobError):
        read_job(job_dir, jid)


def test_read_job_running_with_a_live_supervisor(job_dir):
    record = _running_record(JID, process_identity(os.getpid()), read_boot_id())
    write_record(os.path.join(job_dir, JID), record)
    status = read_job(job_dir, JID)
    assert status.state == JobState.RUNNING, status.reason
    assert str(os.getpid()) in status.reason
    assert status.record == record
    assert not status.ended


def test_read_job_lost_when_the_supervisor_is_gone(job_dir, dead_pid):
    pid = dead_pid
    write_record(os.path.join(job_dir, JID), _running_record(JID, {'pid': pid, 'start_time': 1}, read_boot_id()))
    status = read_job(job_dir, JID)
    assert status.state == JobState.LOST
    assert 'pid %d' % pid in status.reason
    assert status.ended


def test_read_job_lost_after_a_reboot(job_dir):
    if read_boot_id() is None:
        pytest.skip('this host has no /proc/sys/kernel/random/boot_id')
    record = _running_record(JID, process_identity(os.getpid()), 'not-' + read_boot_id())
    write_record(os.path.join(job_dir, JID), record)
    status = read_job(job_dir, JID)
    assert status.state == JobState.LOST
    assert 'rebooted' in status.reason


# ---------------------------------------------------------------------------
# Status entries


def test_job_entry_running_with_output_tail(job_dir):
    path = os.path.join(job_dir, JID)
    record = _running_record(JID, process_identity(os.getpid()), read_boot_id())
    write_record(path, record)
    with open(path + '.stdout', 'w') as handle:
        handle.write('line1\nline2\n')
    with open(path + '.stderr', 'w') as handle:
        handle.write('warning: x\n')
    status = read_job(job_dir, JID)

    entry = job_entry(status, output_tail=1024)
    assert entry['job_state'] == JobState.RUNNING
    assert entry['started'] is True
    assert entry['finished'] is False
    assert entry['ansible_job_id'] == JID
    assert entry['results_file'] == path
    assert entry['stdout'] == 'line1\nline2\n'
    assert entry['stderr'] == 'warning: x\n'
    assert entry['output_truncated'] is False
    assert isinstance(entry['job_elapsed'], float) and entry['job_elapsed'] >= 0
    assert META_KEY not in entry
    assert not entry.get('failed')

    short = job_entry(status, output_tail=6)
    assert short['stdout'] == 'line2\n'
    assert short['output_truncated'] is True

    assert 'stdout' not in job_entry(status)
    assert 'output_truncated' not in job_entry(status)


def test_job_entry_finished_keeps_the_module_result(job_dir):
    path = os.path.join(job_dir, JID)
    record = {'changed': True, 'rc': 0, 'stdout': 'hello', 'stdout_lines': ['hello'], 'stderr': '',
              'started': True, 'finished': True, 'ansible_job_id': JID,
              META_KEY: _meta(outcome='completed', started_at=100.0, ended_at=102.5)}
    write_record(path, record)
    # A leftover output file must not replace the module's own stdout.
    with open(path + '.stdout', 'w') as handle:
        handle.write('raw output\n')
    entry = job_entry(read_job(job_dir, JID), output_tail=1024)
    assert entry['job_state'] == JobState.FINISHED
    assert entry['finished'] is True
    assert entry['stdout'] == 'hello'
    assert entry['stdout_lines'] == ['hello']
    assert entry['rc'] == 0
    assert entry['changed'] is True
    assert entry['job_elapsed'] == 2.5
    assert META_KEY not in entry
    assert 'failed' not in entry
    assert 'output_truncated' not in entry


@pytest.mark.parametrize('outcome, state', [('timed_out', JobState.TIMED_OUT), ('killed', JobState.KILLED)])
def test_job_entry_stopped_jobs_are_failed(job_dir, outcome, state):
    record = {'failed': True, 'msg': 'stopped', 'rc': -15, outcome: True, 'started': True, 'finished': True,
              META_KEY: _meta(outcome=outcome)}
    write_record(os.path.join(job_dir, JID), record)
    entry = job_entry(read_job(job_dir, JID))
    assert entry['job_state'] == state
    assert entry['failed'] is True
    assert entry['finished'] is True
    assert entry['msg'] == 'stopped'
    assert entry[outcome] is True


def _lost(job_dir, dead_pid):
    write_record(os.path.join(job_dir, JID), _running_record(JID, {'pid': dead_pid, 'start_time': 1}))


def _corrupt(job_dir, _dead_pid):
    with open(os.path.join(job_dir, JID), 'wb') as handle:
        handle.write(b'{garbage')


def _missing(_job_dir, _dead_pid):
    pass


@pytest.mark.parametrize('make, state', [
    (_lost, JobState.LOST),
    (_corrupt, JobState.CORRUPT),
    (_missing, JobState.NOT_FOUND),
])
def test_job_entry_unusable_jobs_are_failed(job_dir, dead_pid, make, state):
    make(job_dir, dead_pid)
    status = read_job(job_dir, JID)
    entry = job_entry(status, output_tail=1024)
    assert entry['job_state'] == state
    assert entry['failed'] is True
    assert entry['finished'] is True
    # Core's words for a missing job; ours for the rest, and in job_reason for all.
    assert entry['msg'] == ('could not find job' if state == JobState.NOT_FOUND else status.reason)
    assert entry['job_reason'] == status.reason
    assert entry['ansible_job_id'] == JID
    assert META_KEY not in entry
    assert 'stdout' not in entry


def test_job_entry_of_a_hand_made_status():
    status = JobStatus(JID, JobState.FAILED, 'rc=2', '/x/' + JID,
                       {'failed': True, 'rc': 2, 'msg': 'non-zero return code', META_KEY: {'outcome': 'completed'}})
    entry = job_entry(status)
    assert entry['failed'] is True
    assert entry['rc'] == 2
    assert entry['msg'] == 'non-zero return code'
    assert entry['job_reason'] == 'rc=2'
    assert entry['job_elapsed'] is None
    assert META_KEY not in entry
