# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the target-side job model (``module_utils/_jobs.py``)."""

from __future__ import annotations

import json
import os
import pwd
import stat
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.parallel.jobs.plugins.module_utils import _jobs
from ansible_collections.parallel.jobs.plugins.module_utils._jobs import (
    JID_MAX_LENGTH,
    META_KEY,
    JobError,
    JobState,
    JobStatus,
    classify_record,
    ensure_job_dir,
    expand_job_dir,
    identity_alive,
    is_jid,
    job_entry,
    job_path,
    make_jid,
    output_paths,
    parse_record,
    process_identity,
    read_boot_id,
    read_job,
    read_proc_stat,
    read_tail,
    remove_job_files,
    validate_jid,
    validate_jid_base,
    write_atomic,
    write_record,
)

JID = 'j123.456'


@pytest.fixture
def umask_zero():
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def job_dir(tmp_path):
    path = tmp_path / 'jobs'
    path.mkdir(mode=0o700)
    return str(path)


def _dead_pid() -> int:
    """The pid of a child that has exited and been reaped."""
    proc = subprocess.Popen(['true'])
    proc.wait()
    return proc.pid


def _running_record(jid: str, supervisor: dict, boot_id=None) -> dict:
    meta = {'format': 1, 'started_at': time.time(), 'supervisor': supervisor}
    if boot_id is not None:
        meta['boot_id'] = boot_id
    return {'started': True, 'finished': False, 'ansible_job_id': jid, META_KEY: meta}


# ---------------------------------------------------------------------------
# Job ids

LONGEST_JID = 'j' + '1' * (JID_MAX_LENGTH - 8) + '.' + '2' * 6

ACCEPTED_JIDS = [
    'j123.456',
    '123.456',
    'j0.0',
    LONGEST_JID,
]

REFUSED_JIDS = [
    '..',
    '../x',
    '/etc/passwd',
    'j1/../../x',
    'j1.2/',
    '',
    'j1\x00.2',
    'j1.2\x00',
    'j' + '1' * JID_MAX_LENGTH + '.2',
    'j1',
    'j1.2.3',
    'J1.2',
    ' j1.2',
    'j1.2 ',
    'j1.2\n',
    'jj1.2',
    'j\u0661.2',  # ARABIC-INDIC DIGIT ONE: a Unicode digit, not an ASCII one
]


@pytest.mark.parametrize('jid', ACCEPTED_JIDS)
def test_validate_jid_accepts(jid):
    assert len(LONGEST_JID) == JID_MAX_LENGTH
    assert validate_jid(jid) == jid
    assert is_jid(jid)


@pytest.mark.parametrize('jid', REFUSED_JIDS)
def test_validate_jid_refuses(jid):
    with pytest.raises(JobError) as info:
        validate_jid(jid)
    message = str(info.value)
    # The message names the bad id; a long one is shortened to 80 characters.
    assert repr(jid)[:77] in message
    assert not is_jid(jid)


def test_validate_jid_refuses_an_overlong_id_saying_so():
    jid = 'j' + '1' * JID_MAX_LENGTH + '.2'
    with pytest.raises(JobError, match='longer than %d characters' % JID_MAX_LENGTH):
        validate_jid(jid)


@pytest.mark.parametrize('jid', [5, None, 1.5, b'j1.2', ['j1.2']])
def test_validate_jid_refuses_non_strings(jid):
    with pytest.raises(JobError) as info:
        validate_jid(jid)
    assert type(jid).__name__ in str(info.value)


@pytest.mark.parametrize('base', ['j123', '123', 'j' + '9' * (JID_MAX_LENGTH - 13)])
def test_validate_jid_base_accepts(base):
    assert validate_jid_base(base) == base


@pytest.mark.parametrize('base', [
    '', 'j', 'j1.2', '../x', 'j1/x', 'J1', ' j1', 'j1\x00', 'j' + '9' * (JID_MAX_LENGTH - 12), 5, None,
])
def test_validate_jid_base_refuses(base):
    with pytest.raises(JobError) as info:
        validate_jid_base(base)
    assert repr(base)[:77] in str(info.value)


def test_make_jid():
    assert make_jid('j123', 456) == 'j123.456'
    assert make_jid('123', 7) == '123.7'
    # The longest base the controller may send still makes a legal id with a 7-digit pid.
    longest_base = 'j' + '9' * (JID_MAX_LENGTH - 13)
    assert validate_jid(make_jid(longest_base, 4194304))


@pytest.mark.parametrize('base', ['j1.2', '../j1', 'j1/x', ''])
def test_make_jid_refuses_a_bad_base(base):
    with pytest.raises(JobError):
        make_jid(base, 1)


# ---------------------------------------------------------------------------
# The job directory


def test_expand_job_dir_uses_the_password_database_not_home(monkeypatch):
    home = pwd.getpwuid(os.geteuid()).pw_dir
    monkeypatch.setenv('HOME', '/somewhere/else')
    assert expand_job_dir('~') == os.path.normpath(home)
    assert expand_job_dir('~/') == os.path.normpath(home)
    assert expand_job_dir('~/.ansible_async') == os.path.join(os.path.normpath(home), '.ansible_async')
    assert expand_job_dir(_jobs.JOB_DIR_DEFAULT) == os.path.join(os.path.normpath(home), '.ansible_async')


def test_expand_job_dir_other_user():
    root_home = pwd.getpwnam('root').pw_dir
    assert expand_job_dir('~root/x') == os.path.join(root_home, 'x')
    assert expand_job_dir('~root') == root_home


@pytest.mark.parametrize('raw, expected', [
    ('/var/tmp/jobs', '/var/tmp/jobs'),
    ('/var/tmp/jobs/', '/var/tmp/jobs'),
    ('/var//tmp/./jobs', '/var/tmp/jobs'),
])
def test_expand_job_dir_absolute(raw, expected):
    assert expand_job_dir(raw) == expected


@pytest.mark.parametrize('raw', ['jobs', './jobs', '.ansible_async', '', None, 5, '/tmp/a\x00b'])
def test_expand_job_dir_refuses(raw):
    with pytest.raises(JobError):
        expand_job_dir(raw)


def test_expand_job_dir_refuses_unknown_user():
    with pytest.raises(JobError, match='no user'):
        expand_job_dir('~no-such-user-parallel-jobs/x')


def test_ensure_job_dir_creates_it_0700(tmp_path, umask_zero):
    path = str(tmp_path / 'a' / 'jobs')
    assert ensure_job_dir(path) == path
    st = os.lstat(path)
    assert stat.S_ISDIR(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o700
    # A second call on the directory it made is fine.
    assert ensure_job_dir(path) == path


def test_ensure_job_dir_tightens_an_existing_dir(tmp_path):
    path = tmp_path / 'jobs'
    path.mkdir()
    os.chmod(path, 0o755)
    (path / JID).write_text('{}')
    ensure_job_dir(str(path))
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o700
    assert (path / JID).read_text() == '{}'


def test_ensure_job_dir_refuses_a_symlink_to_a_dir(tmp_path):
    target = tmp_path / 'real'
    target.mkdir()
    os.chmod(target, 0o755)
    link = tmp_path / 'jobs'
    link.symlink_to(target)
    with pytest.raises(JobError, match='symlink'):
        ensure_job_dir(str(link))
    # Nothing was done through the link.
    assert stat.S_IMODE(os.lstat(target).st_mode) == 0o755


def test_ensure_job_dir_refuses_a_plain_file(tmp_path):
    path = tmp_path / 'jobs'
    path.write_text('not a dir')
    with pytest.raises(JobError, match='not a directory'):
        ensure_job_dir(str(path))
    assert path.read_text() == 'not a dir'


@pytest.mark.skipif(os.geteuid() != 0, reason='needs root to give a directory to another user')
def test_ensure_job_dir_refuses_a_dir_of_another_user(tmp_path):
    path = tmp_path / 'jobs'
    path.mkdir()
    os.chmod(path, 0o755)
    os.chown(path, 65534, 65534)
    with pytest.raises(JobError, match='owned by uid 65534'):
        ensure_job_dir(str(path))
    # Not ours: left as it was.
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o755


def test_job_path_stays_inside_the_dir(job_dir):
    path = job_path(job_dir, JID)
    assert path == os.path.join(job_dir, JID)
    assert os.path.dirname(path) == job_dir
    assert job_path(job_dir + '/', JID) == path


@pytest.mark.parametrize('jid', ['..', '../x', '/etc/passwd', 'j1/../../x', 'j1.2/', '', None])
def test_job_path_refuses_bad_jids(job_dir, jid):
    with pytest.raises(JobError):
        job_path(job_dir, jid)


def test_output_paths(job_dir):
    path = job_path(job_dir, JID)
    assert output_paths(job_dir, JID) == (path + '.stdout', path + '.stderr')


# ---------------------------------------------------------------------------
# Writing


def test_write_atomic_round_trip_mode_and_no_temp_files(job_dir, umask_zero):
    path = os.path.join(job_dir, JID)
    write_atomic(path, [b'{"a": ', b'1}'])
    with open(path, 'rb') as handle:
        assert handle.read() == b'{"a": 1}'
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
    assert os.listdir(job_dir) == [JID]


def test_write_atomic_replaces_a_looser_file_with_a_0600_one(job_dir, umask_zero):
    path = os.path.join(job_dir, JID)
    with open(path, 'w') as handle:
        handle.write('old')
    os.chmod(path, 0o644)
    write_atomic(path, iter([b'new']))
    with open(path, 'rb') as handle:
        assert handle.read() == b'new'
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
    assert os.listdir(job_dir) == [JID]


def test_write_atomic_keeps_the_old_file_when_the_chunks_fail(job_dir):
    path = os.path.join(job_dir, JID)
    write_record(path, {'started': True, 'finished': False})

    def chunks():
        yield b'{"half": '
        raise RuntimeError('output went away')

    with pytest.raises(RuntimeError, match='output went away'):
        write_atomic(path, chunks())
    with open(path, 'rb') as handle:
        assert json.loads(handle.read()) == {'started': True, 'finished': False}
    assert os.listdir(job_dir) == [JID]


def test_write_record_round_trip(job_dir, umask_zero):
    path = os.path.join(job_dir, JID)
    record = {'started': True, 'finished': True, 'rc': 0, 'stdout': 'h\u00e9llo', META_KEY: {'outcome': 'completed'}}
    write_record(path, record)
    with open(path, 'rb') as handle:
        assert json.loads(handle.read()) == record
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
    assert os.listdir(job_dir) == [JID]


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


def test_read_job_lost_when_the_supervisor_is_gone(job_dir):
    pid = _dead_pid()
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
# Liveness


def test_read_proc_stat_of_self():
    info = read_proc_stat(os.getpid())
    assert info['ppid'] == os.getppid()
    assert info['session'] == os.getsid(0)
    assert isinstance(info['start_time'], int) and info['start_time'] > 0
    assert info['state'] in ('R', 'S')


def test_read_proc_stat_with_parentheses_and_spaces_in_the_command_name():
    # PR_SET_NAME = 15: the child renames itself to a name that looks like more fields.
    code = ("import ctypes, sys, time\n"
            "ctypes.CDLL(None).prctl(15, b'a) 1 2 (b', 0, 0, 0)\n"
            "sys.stdout.write('ok\\n'); sys.stdout.flush(); time.sleep(30)\n")
    proc = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b'ok\n'
        with open('/proc/%d/comm' % proc.pid) as handle:
            assert handle.read().strip() == 'a) 1 2 (b'
        info = read_proc_stat(proc.pid)
        assert info['ppid'] == os.getpid()
        assert info['session'] == os.getsid(0)
        assert info['state'] in ('R', 'S')
        assert info['start_time'] >= read_proc_stat(os.getpid())['start_time']
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def test_read_proc_stat_of_a_reaped_child():
    assert read_proc_stat(_dead_pid()) is None


def test_process_identity():
    start_time = read_proc_stat(os.getpid())['start_time']
    assert process_identity(os.getpid()) == {'pid': os.getpid(), 'start_time': start_time}
    assert process_identity(_dead_pid()) is None


def test_identity_alive_for_self():
    assert identity_alive(process_identity(os.getpid()))


def test_identity_alive_false_for_a_reaped_child():
    proc = subprocess.Popen(['sleep', '30'])
    identity = process_identity(proc.pid)
    assert identity_alive(identity)
    proc.kill()
    proc.wait()
    assert not identity_alive(identity)


def test_identity_alive_false_for_a_zombie():
    proc = subprocess.Popen(['true'])
    try:
        identity = None
        deadline = time.monotonic() + 10
        while True:
            info = read_proc_stat(proc.pid)
            if identity is None and info is not None:
                identity = {'pid': proc.pid, 'start_time': info['start_time']}
            if info is not None and info['state'] == 'Z':
                break
            assert time.monotonic() < deadline, 'the child never became a zombie'
            time.sleep(0.01)
        assert not identity_alive(identity)
    finally:
        proc.wait()


def test_identity_alive_false_for_a_wrong_start_time():
    identity = process_identity(os.getpid())
    assert not identity_alive({'pid': identity['pid'], 'start_time': identity['start_time'] + 1})
    assert not identity_alive({'pid': identity['pid'], 'start_time': None})
    assert not identity_alive({'pid': identity['pid']})


@pytest.mark.parametrize('identity', [None, {}, {'pid': -1}, {'pid': 0}, {'pid': '1'}, {'pid': None}, 'pid', [1, 2], 5])
def test_identity_alive_false_for_garbage(identity):
    assert identity_alive(identity) is False


# ---------------------------------------------------------------------------
# Output tails


@pytest.mark.parametrize('content, max_bytes, expected', [
    (b'line1\nline2\nline3\n', 8, ('line3\n', True)),
    (b'line1\nline2\nline3\n', 14, ('line2\nline3\n', True)),
    (b'line1\nline2\nline3', 10, ('line3', True)),
    (b'short\n', 100, ('short\n', False)),
    (b'exact\n', 6, ('exact\n', False)),
    (b'', 10, ('', False)),
])
def test_read_tail(tmp_path, content, max_bytes, expected):
    path = tmp_path / 'out'
    path.write_bytes(content)
    text, cut = read_tail(str(path), max_bytes)
    assert (text, cut) == expected
    assert len(text.encode()) <= max_bytes
    if cut:
        # What is shown is the end of the file and starts where a line starts.
        assert content.endswith(text.encode())
        assert content[len(content) - len(text.encode()) - 1:][:1] == b'\n'


def test_read_tail_of_a_missing_file(tmp_path):
    assert read_tail(str(tmp_path / 'missing'), 100) == ('', False)


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


def _lost(job_dir):
    write_record(os.path.join(job_dir, JID), _running_record(JID, {'pid': _dead_pid(), 'start_time': 1}))


def _corrupt(job_dir):
    with open(os.path.join(job_dir, JID), 'wb') as handle:
        handle.write(b'{garbage')


def _missing(job_dir):
    pass


@pytest.mark.parametrize('make, state', [
    (_lost, JobState.LOST),
    (_corrupt, JobState.CORRUPT),
    (_missing, JobState.NOT_FOUND),
])
def test_job_entry_unusable_jobs_are_failed(job_dir, make, state):
    make(job_dir)
    status = read_job(job_dir, JID)
    entry = job_entry(status, output_tail=1024)
    assert entry['job_state'] == state
    assert entry['failed'] is True
    assert entry['finished'] is True
    assert entry['msg'] == status.reason
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


# ---------------------------------------------------------------------------
# Removing a job


def test_remove_job_files(job_dir):
    path = os.path.join(job_dir, JID)
    other = os.path.join(job_dir, 'j9.9')
    for name in (path, path + '.stdout', path + '.stderr', other):
        with open(name, 'w') as handle:
            handle.write('x')
    assert remove_job_files(job_dir, JID) == [path, path + '.stdout', path + '.stderr']
    assert os.listdir(job_dir) == ['j9.9']
    assert remove_job_files(job_dir, JID) == []


def test_remove_job_files_only_the_job_file(job_dir):
    path = os.path.join(job_dir, JID)
    write_record(path, {'changed': False})
    assert remove_job_files(job_dir, JID) == [path]
    assert os.listdir(job_dir) == []


def test_remove_job_files_does_not_follow_a_symlink(job_dir, tmp_path):
    target = tmp_path / 'precious'
    target.write_text('keep me')
    path = os.path.join(job_dir, JID)
    os.symlink(str(target), path)
    assert remove_job_files(job_dir, JID) == [path]
    assert not os.path.lexists(path)
    assert target.read_text() == 'keep me'


@pytest.mark.parametrize('jid', ['../x', '/etc/passwd', '..'])
def test_remove_job_files_refuses_a_bad_jid(job_dir, jid):
    with pytest.raises(JobError):
        remove_job_files(job_dir, jid)
