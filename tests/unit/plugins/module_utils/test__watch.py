# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for reading and waiting for many jobs on the target (``module_utils/_watch.py``)."""

from __future__ import annotations

import os
import re
import subprocess
import time

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils import _watch
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.liveness import process_identity, read_boot_id
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import (
    META_KEY,
    JobState,
    JobStatus,
    count_states,
    read_status,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import job_path, write_record
from ansible_collections.parallel.jobs.plugins.module_utils._watch import LIVENESS_INTERVAL, list_jobs, watch_jobs

# Ticks that are exact in binary floating point, so the fake clock never drifts.
POLL = 0.125


class FakeTime:
    """A clock that only moves when ``sleep`` is called, and a sleep that records its calls.

    ``on_sleep`` maps a call number (1-based) to a function run at that call,
    after the clock has moved.
    """

    def __init__(self, start: float = 1000.0, on_sleep=None):
        self.now = [start]
        self.sleeps = []
        self.on_sleep = dict(on_sleep or {})

    def clock(self) -> float:
        return self.now[0]

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now[0] += seconds
        action = self.on_sleep.get(len(self.sleeps))
        if action is not None:
            action()


def _meta(supervisor, **extra) -> dict:
    meta = {'format': 1, 'started_at': time.time(), 'boot_id': read_boot_id(), 'supervisor': supervisor}
    meta.update(extra)
    return meta


def _running(jid: str, supervisor, **meta) -> dict:
    return {'started': True, 'finished': False, 'ansible_job_id': jid, META_KEY: _meta(supervisor, **meta)}


def _finished(jid: str, rc: int = 0, **meta) -> dict:
    record = {'started': True, 'finished': True, 'ansible_job_id': jid, 'rc': rc, 'changed': True,
              'stdout': 'output of %s' % jid, 'failed': rc != 0,
              META_KEY: _meta({'pid': 1, 'start_time': 1}, ended_at=time.time(), **meta)}
    if rc:
        record['msg'] = 'non-zero return code'
    return record


def _plant(job_dir: str, jid: str, record: dict) -> str:
    path = job_path(job_dir, jid)
    write_record(path, record)
    return path


def _me() -> dict:
    """This test process as a job's supervisor: alive as long as the test runs."""
    identity = process_identity(os.getpid())
    assert identity is not None
    return identity


# ---------------------------------------------------------------------------
# watch_jobs


def test_watch_returns_after_one_check_when_all_jobs_have_ended(job_dir):
    _plant(job_dir, 'j1.1', _finished('j1.1'))
    _plant(job_dir, 'j1.2', _finished('j1.2', rc=2))
    _plant(job_dir, 'j1.3', _finished('j1.3'))
    fake = FakeTime()
    statuses, checks, _noticed = watch_jobs(job_dir, ['j1.3', 'j1.1', 'j1.2'], 30.0, POLL, clock=fake.clock, sleep=fake.sleep)
    assert checks == 1
    assert fake.sleeps == []
    assert [status.jid for status in statuses] == ['j1.3', 'j1.1', 'j1.2']
    assert [status.state for status in statuses] == [JobState.FINISHED, JobState.FINISHED, JobState.FAILED]
    assert statuses[2].reason == 'rc=2'


def test_watch_missing_and_corrupt_jobs_end_at_once(job_dir):
    with open(job_path(job_dir, 'j1.2'), 'w') as handle:
        handle.write('{not json')
    fake = FakeTime()
    statuses, checks, _noticed = watch_jobs(job_dir, ['j1.1', 'j1.2'], 30.0, POLL, clock=fake.clock, sleep=fake.sleep)
    assert (checks, fake.sleeps) == (1, [])
    assert [status.state for status in statuses] == [JobState.NOT_FOUND, JobState.CORRUPT]


def test_watch_keeps_going_while_a_supervised_job_runs_until_the_window_passes(job_dir):
    _plant(job_dir, 'j1.1', _finished('j1.1'))
    _plant(job_dir, 'j1.2', _running('j1.2', _me()))
    _plant(job_dir, 'j1.3', _finished('j1.3', rc=1))
    fake = FakeTime()
    window = 1.0
    statuses, checks, _noticed = watch_jobs(job_dir, ['j1.2', 'j1.3', 'j1.1'], window, POLL, clock=fake.clock, sleep=fake.sleep)
    # A check at the start, then one after each sleep until the window is used up.
    assert checks == int(window / POLL) + 1
    assert fake.sleeps == [POLL] * int(window / POLL)
    assert fake.clock() == 1000.0 + window
    assert [status.jid for status in statuses] == ['j1.2', 'j1.3', 'j1.1']
    assert [status.state for status in statuses] == [JobState.RUNNING, JobState.FAILED, JobState.FINISHED]
    assert statuses[0].reason == 'running (supervisor pid %d)' % os.getpid()


def test_watch_last_sleep_is_cut_to_the_window(job_dir):
    _plant(job_dir, 'j1.1', _running('j1.1', _me()))
    fake = FakeTime()
    statuses, checks, _noticed = watch_jobs(job_dir, ['j1.1'], 0.75, 0.5, clock=fake.clock, sleep=fake.sleep)
    assert fake.sleeps == [0.5, 0.25]
    assert checks == 3
    assert statuses[0].state == JobState.RUNNING


def test_watch_with_no_window_checks_once(job_dir):
    _plant(job_dir, 'j1.1', _running('j1.1', _me()))
    fake = FakeTime()
    statuses, checks, _noticed = watch_jobs(job_dir, ['j1.1'], 0.0, POLL, clock=fake.clock, sleep=fake.sleep)
    assert (checks, fake.sleeps) == (1, [])
    assert statuses[0].state == JobState.RUNNING


def test_watch_rereads_an_unchanged_running_job_only_for_liveness(job_dir, monkeypatch):
    _plant(job_dir, 'j1.1', _running('j1.1', _me()))
    reads = []

    def counting_read_status(directory, jid):
        reads.append(fake.clock())
        return read_status(directory, jid)

    monkeypatch.setattr(_watch, 'read_status', counting_read_status)
    fake = FakeTime(start=0.0)
    statuses, checks, _noticed = watch_jobs(job_dir, ['j1.1'], 1.0, POLL, clock=fake.clock, sleep=fake.sleep)
    assert checks == 9
    # The file never changes: it is read at the first check and then once per liveness interval.
    assert LIVENESS_INTERVAL == 0.5
    assert reads == [0.0, 0.5, 1.0]
    assert statuses[0].state == JobState.RUNNING


def test_watch_sees_a_job_end_at_the_next_check(job_dir):
    _plant(job_dir, 'j1.1', _finished('j1.1'))
    _plant(job_dir, 'j1.2', _running('j1.2', _me()))
    fake = FakeTime(start=0.0, on_sleep={3: lambda: _plant(job_dir, 'j1.2', _finished('j1.2', rc=0))})
    before = time.time()
    statuses, checks, noticed = watch_jobs(job_dir, ['j1.2', 'j1.1'], 30.0, POLL, clock=fake.clock, sleep=fake.sleep)
    # Both ended jobs carry when the watch saw them end (wall clock, for detection lag).
    assert set(noticed) == {'j1.1', 'j1.2'} and all(before <= t <= time.time() for t in noticed.values())
    # Checks at 0, 1, 2 and 3 ticks; the file was rewritten during the third sleep. The fourth
    # check comes before a liveness re-read is due, so the change of the file itself was seen.
    assert 3 * POLL < LIVENESS_INTERVAL
    assert checks == 4
    assert fake.sleeps == [POLL] * 3
    assert [status.jid for status in statuses] == ['j1.2', 'j1.1']
    assert [status.state for status in statuses] == [JobState.FINISHED, JobState.FINISHED]
    assert statuses[0].reason == 'finished, rc=0'


def test_watch_sees_a_job_fail_at_the_next_check(job_dir):
    _plant(job_dir, 'j1.1', _running('j1.1', _me()))
    fake = FakeTime(start=0.0, on_sleep={2: lambda: _plant(job_dir, 'j1.1', _finished('j1.1', rc=3))})
    statuses, checks, _noticed = watch_jobs(job_dir, ['j1.1'], 30.0, POLL, clock=fake.clock, sleep=fake.sleep)
    assert checks == 3
    assert statuses[0].state == JobState.FAILED
    assert statuses[0].reason == 'rc=3'


def test_watch_a_job_with_a_dead_supervisor_ends_at_once_as_lost(job_dir, dead_pid):
    pid = dead_pid
    _plant(job_dir, 'j1.1', _running('j1.1', {'pid': pid, 'start_time': 1}))
    fake = FakeTime()
    statuses, checks, _noticed = watch_jobs(job_dir, ['j1.1'], 30.0, POLL, clock=fake.clock, sleep=fake.sleep)
    assert (checks, fake.sleeps) == (1, [])
    assert statuses[0].state == JobState.LOST
    assert statuses[0].reason == 'its supervisor (pid %d) is gone' % pid
    assert statuses[0].ended


def test_watch_notices_a_supervisor_dying_at_the_next_liveness_check(job_dir):
    child = subprocess.Popen(['sleep', '60'])
    try:
        identity = process_identity(child.pid)
        assert identity is not None
        _plant(job_dir, 'j1.1', _running('j1.1', identity))

        def kill_supervisor():
            child.kill()
            child.wait()

        fake = FakeTime(start=0.0, on_sleep={1: kill_supervisor})
        statuses, checks, _noticed = watch_jobs(job_dir, ['j1.1'], 30.0, POLL, clock=fake.clock, sleep=fake.sleep)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    # The file does not change when its supervisor dies: the liveness re-read at 0.5 s finds it.
    assert checks == int(LIVENESS_INTERVAL / POLL) + 1
    assert statuses[0].state == JobState.LOST


def test_watch_a_planted_symlink_is_corrupt_not_an_error(job_dir, tmp_path):
    target = tmp_path / 'elsewhere'
    write_record(str(target), _finished('j1.1'))
    os.symlink(str(target), job_path(job_dir, 'j1.1'))
    fake = FakeTime()
    statuses, checks, _noticed = watch_jobs(job_dir, ['j1.1'], 30.0, POLL, clock=fake.clock, sleep=fake.sleep)
    assert (checks, fake.sleeps) == (1, [])
    assert statuses[0].state == JobState.CORRUPT


# ---------------------------------------------------------------------------
# read_status


def test_read_status_turns_a_planted_symlink_into_a_corrupt_status(job_dir, tmp_path):
    target = tmp_path / 'elsewhere'
    write_record(str(target), _finished('j1.1'))
    link = job_path(job_dir, 'j1.1')
    os.symlink(str(target), link)
    status = read_status(job_dir, 'j1.1')
    assert isinstance(status, JobStatus)
    assert status.state == JobState.CORRUPT
    assert status.jid == 'j1.1'
    assert status.path == link
    assert link in status.reason
    assert 'symlink' in status.reason
    assert status.record is None
    assert status.ended


def test_read_status_a_dangling_symlink_is_corrupt(job_dir, tmp_path):
    link = job_path(job_dir, 'j1.1')
    os.symlink(str(tmp_path / 'nowhere'), link)
    status = read_status(job_dir, 'j1.1')
    assert status.state == JobState.CORRUPT
    assert link in status.reason


def test_read_status_a_directory_is_corrupt(job_dir):
    path = job_path(job_dir, 'j1.1')
    os.mkdir(path)
    status = read_status(job_dir, 'j1.1')
    assert status.state == JobState.CORRUPT
    assert status.reason == '%s is not a regular file' % path


def test_read_status_a_fifo_is_corrupt_without_blocking(job_dir):
    path = job_path(job_dir, 'j1.1')
    os.mkfifo(path)
    status = read_status(job_dir, 'j1.1')
    assert status.state == JobState.CORRUPT
    assert path in status.reason


@pytest.mark.parametrize('content, state', [
    (None, JobState.NOT_FOUND),
    ('', JobState.CORRUPT),
    ('[1, 2]', JobState.CORRUPT),
    ('{"started": 1, "finished": 1, "rc": 0}', JobState.FINISHED),
])
def test_read_status_reads_like_read_job(job_dir, content, state):
    if content is not None:
        with open(job_path(job_dir, 'j1.1'), 'w') as handle:
            handle.write(content)
    assert read_status(job_dir, 'j1.1').state == state


# ---------------------------------------------------------------------------
# count_states


def test_count_states_over_entries():
    entries = [{'job_state': JobState.RUNNING}, {'job_state': JobState.FINISHED}, {'job_state': JobState.RUNNING},
               {'job_state': JobState.LOST}, {'job_state': 'no such state'}, {}]
    counts = count_states(entries)
    assert set(counts) == set(JobState.ALL)
    assert counts == {JobState.QUEUED: 0, JobState.RUNNING: 2, JobState.FINISHED: 1, JobState.FAILED: 0, JobState.TIMED_OUT: 0,
                      JobState.KILLED: 0, JobState.LOST: 1, JobState.CORRUPT: 0, JobState.NOT_FOUND: 0}


def test_count_states_over_statuses():
    statuses = [JobStatus('j1.%d' % n, state, '', '/jobs/j1.%d' % n)
                for n, state in enumerate([JobState.FAILED, JobState.FAILED, JobState.NOT_FOUND, JobState.TIMED_OUT])]
    counts = count_states(statuses)
    assert counts[JobState.FAILED] == 2
    assert counts[JobState.NOT_FOUND] == 1
    assert counts[JobState.TIMED_OUT] == 1
    assert sum(counts.values()) == 4


def test_count_states_of_nothing():
    assert count_states([]) == dict.fromkeys(JobState.ALL, 0)


def test_count_states_from_a_watch(job_dir):
    _plant(job_dir, 'j1.1', _finished('j1.1'))
    _plant(job_dir, 'j1.2', _finished('j1.2', rc=1))
    statuses, _checks, _noticed = watch_jobs(job_dir, ['j1.1', 'j1.2', 'j1.3'], 0.0, POLL)
    counts = count_states(statuses)
    assert (counts[JobState.FINISHED], counts[JobState.FAILED], counts[JobState.NOT_FOUND]) == (1, 1, 1)


# ---------------------------------------------------------------------------
# list_jobs

NOW = 1_700_000_000.0


def test_list_jobs_lists_jobs_oldest_first(job_dir):
    _plant(job_dir, 'j1.1', _finished('j1.1', started_at=NOW - 100, module='AnsiballZ_command.py', name='backup'))
    _plant(job_dir, 'j1.2', _running('j1.2', _me(), started_at=NOW - 300, module='AnsiballZ_shell.py'))
    # A job file from core's wrapper has no metadata: its age comes from the file's time.
    core_path = _plant(job_dir, '123.456', {'started': 1, 'finished': 1, 'rc': 0, 'ansible_job_id': '123.456'})
    os.utime(core_path, (NOW - 200, NOW - 200))
    # Not jobs: left out.
    for name in ('notes.txt', '.j1.4.abc123.tmp', 'j1.1.stdout', 'j1.1.stderr', 'j1', 'J1.5', 'j1.2.3'):
        with open(os.path.join(job_dir, name), 'w') as handle:
            handle.write('{"started": 1, "finished": 1}')
    os.mkdir(os.path.join(job_dir, 'sub'))

    entries = list_jobs(job_dir, now=NOW)

    assert [entry['ansible_job_id'] for entry in entries] == ['j1.2', '123.456', 'j1.1']
    running, core, finished = entries
    assert running['age'] == 300.0
    assert core['age'] == pytest.approx(200.0, abs=0.01)
    assert finished['age'] == 100.0
    assert [entry['job_state'] for entry in entries] == [JobState.RUNNING, JobState.FINISHED, JobState.FINISHED]
    assert finished['module'] == 'command'
    assert finished['name'] == 'backup'
    assert running['module'] == 'shell'
    assert 'name' not in running
    assert 'module' not in core and 'name' not in core
    assert finished['rc'] == 0
    assert finished['finished'] is True and running['finished'] is False
    assert finished['results_file'] == job_path(job_dir, 'j1.1')
    # Short entries: the module's own results stay out.
    assert 'stdout' not in finished and 'changed' not in finished
    assert set(finished) <= {'ansible_job_id', 'started', 'finished', 'results_file', 'job_state', 'job_reason',
                             'job_elapsed', 'rc', 'age', 'module', 'name'}


def test_list_jobs_includes_unreadable_job_files_as_corrupt(job_dir, tmp_path):
    with open(job_path(job_dir, 'j1.1'), 'w') as handle:
        handle.write('{not json')
    os.utime(job_path(job_dir, 'j1.1'), (NOW - 50, NOW - 50))
    os.symlink(str(tmp_path / 'nowhere'), job_path(job_dir, 'j1.2'))
    entries = {entry['ansible_job_id']: entry for entry in list_jobs(job_dir, now=NOW)}
    assert set(entries) == {'j1.1', 'j1.2'}
    assert entries['j1.1']['job_state'] == JobState.CORRUPT
    assert entries['j1.1']['age'] == pytest.approx(50.0, abs=0.01)
    assert entries['j1.2']['job_state'] == JobState.CORRUPT


@pytest.mark.parametrize('module, shown', [
    ('AnsiballZ_command.py', 'command'),
    ('AnsiballZ_setup.py', 'setup'),
    ('AnsiballZ_pip.py', 'pip'),
    ('command', 'command'),
])
def test_list_jobs_module_name(job_dir, module, shown):
    _plant(job_dir, 'j1.1', _finished('j1.1', started_at=NOW - 1, module=module))
    assert list_jobs(job_dir, now=NOW)[0]['module'] == shown


def test_list_jobs_age_is_never_negative(job_dir):
    _plant(job_dir, 'j1.1', _finished('j1.1', started_at=NOW + 60))
    assert list_jobs(job_dir, now=NOW)[0]['age'] == 0.0


def test_list_jobs_of_an_empty_directory(job_dir):
    assert list_jobs(job_dir) == []


def test_list_jobs_of_a_missing_directory_raises(tmp_path):
    missing = str(tmp_path / 'missing')
    with pytest.raises(JobError, match=re.escape('cannot list job directory %s' % missing)):
        list_jobs(missing)


def test_list_jobs_of_a_file_raises(tmp_path):
    path = tmp_path / 'file'
    path.write_text('x')
    with pytest.raises(JobError, match='cannot list job directory'):
        list_jobs(str(path))
