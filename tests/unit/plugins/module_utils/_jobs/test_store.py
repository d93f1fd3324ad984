# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the target-side job model (``module_utils/_jobs/store.py``)."""

from __future__ import annotations

import json
import os
import pwd
import stat

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import (
    JobError,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import (
    META_KEY,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import (
    JOB_DIR_DEFAULT,
    ensure_job_dir,
    expand_job_dir,
    job_path,
    open_job_dir,
    open_new_private,
    open_own_output,
    output_paths,
    read_tail,
    reclaim_output,
    remove_job_files,
    write_atomic,
    write_record,
)

JID = 'j123.456'


# ---------------------------------------------------------------------------
# The job directory


def test_expand_job_dir_uses_the_password_database_not_home(monkeypatch):
    home = pwd.getpwuid(os.geteuid()).pw_dir
    monkeypatch.setenv('HOME', '/somewhere/else')
    assert expand_job_dir('~') == os.path.normpath(home)
    assert expand_job_dir('~/') == os.path.normpath(home)
    assert expand_job_dir('~/.ansible_async') == os.path.join(os.path.normpath(home), '.ansible_async')
    assert expand_job_dir(JOB_DIR_DEFAULT) == os.path.join(os.path.normpath(home), '.ansible_async')


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
# Removing a job


@pytest.fixture
def job_output(job_dir):
    """A job's stdout as the supervisor holds it: the write end the job gets, the read end it keeps."""
    path = output_paths(job_dir, JID)[0]
    write_fd = open_new_private(path)
    read_fd = open_own_output(path, write_fd)
    yield path, write_fd, read_fd
    os.close(write_fd)
    os.close(read_fd)


def test_reclaim_output_leaves_an_untouched_output_file_alone(job_output):
    path, write_fd, read_fd = job_output
    os.write(write_fd, b'own output\n')
    inode = os.lstat(path).st_ino
    assert reclaim_output(path, read_fd) is False
    assert os.lstat(path).st_ino == inode


@pytest.mark.parametrize('replacement', ['symlink', 'file', 'nothing'])
def test_reclaim_output_puts_the_jobs_own_output_back_and_never_follows_or_writes_a_link(
        job_output, tmp_path, replacement):
    path, write_fd, read_fd = job_output
    decoy = tmp_path / 'decoy'
    decoy.write_text('decoy')
    os.unlink(path)
    if replacement == 'symlink':
        os.symlink(str(decoy), path)
    elif replacement == 'file':
        with open(path, 'w') as handle:
            handle.write('planted')
    # Written after the swap: through the job's descriptor, into the job's own (now nameless) file.
    os.write(write_fd, b'own output\n')
    assert reclaim_output(path, read_fd) is True
    assert not os.path.islink(path)
    with open(path) as handle:
        assert handle.read() == 'own output\n'
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
    assert decoy.read_text() == 'decoy'


def test_reclaim_output_refuses_a_directory_in_its_place(job_output):
    path, _write_fd, read_fd = job_output
    os.unlink(path)
    os.mkdir(path)
    with pytest.raises(JobError, match='replaced by a directory'):
        reclaim_output(path, read_fd)


def test_open_own_output_refuses_a_name_that_no_longer_holds_the_file(job_dir):
    path = output_paths(job_dir, JID)[0]
    write_fd = open_new_private(path)
    try:
        os.unlink(path)
        with open(path, 'w'):
            pass
        with pytest.raises(JobError, match='was replaced as it was created'):
            open_own_output(path, write_fd)
    finally:
        os.close(write_fd)


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


def test_a_shared_sticky_job_dir_is_left_as_it_is_and_jobs_go_in_a_private_subdirectory(tmp_path):
    shared = tmp_path / 'shared'
    shared.mkdir()
    os.chmod(str(shared), 0o1777)
    used = ensure_job_dir(str(shared))
    assert used == os.path.join(str(shared), pwd.getpwuid(os.geteuid()).pw_name)
    assert stat.S_IMODE(os.lstat(str(shared)).st_mode) == 0o1777
    assert stat.S_IMODE(os.lstat(used).st_mode) == 0o700
    # A reader looks where the writer wrote.
    assert open_job_dir(str(shared)) == (used, True)
