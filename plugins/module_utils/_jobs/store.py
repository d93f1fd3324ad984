# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""The job directory and the files in it: paths, atomic writes, no-follow reads, listing, removal.

Every file of a job is named here from its validated id, never from a file's
content, and read without following symlinks.
"""

from __future__ import annotations

import errno
import json
import os
import pwd
import stat

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError, is_jid, validate_jid
from ansible_collections.parallel.jobs.plugins.module_utils._messages import describe_value

JOB_DIR_DEFAULT = '~/.ansible_async'

# Files beside a job file: the running job's output, streamed as produced, and
# (for an instant) the data fed to its stdin.
STDOUT_SUFFIX = '.stdout'
STDERR_SUFFIX = '.stderr'
STDIN_SUFFIX = '.stdin'
# Touched by every read of a job started with a lease; its supervisor stops the job once it is too old.
LEASE_SUFFIX = '.lease'
# A job file whose result a wait has returned: set aside, still readable by its id, removed later.
COLLECTED_SUFFIX = '.collected'
# How long a collected job stays readable (for a wait retried after a lost reply) before a later
# collecting read removes it.
COLLECTED_KEEP = 600.0


# ---------------------------------------------------------------------------
# The job directory


def home_dir(user: str = '') -> str:
    """The home directory of ``user`` (the running user if empty), from the password database."""
    try:
        return (pwd.getpwnam(user) if user else pwd.getpwuid(os.geteuid())).pw_dir
    except KeyError:
        raise JobError('no user %s' % describe_value(user))


def expand_home(path: str, home: str | None = None) -> str:
    """Expand a leading ``~`` or ``~user`` from the password database, as the running user
    (``home``, if given, is the running user's home).

    ``$HOME`` is not trusted: under become it may still name the login user's
    home, which is how core's wrapper and core's async_status end up looking
    in different directories.
    """
    if not path.startswith('~'):
        return path
    head, sep, tail = path.partition('/')
    home = home if home is not None and head == '~' else home_dir(head[1:])
    return home + sep + tail if tail else home


def expand_job_dir(raw: str) -> str:
    """The job directory ``raw`` names, ``~`` expanded as the running user; it must be absolute."""
    if not isinstance(raw, str) or not raw or '\0' in raw:
        raise JobError('invalid job directory %s' % describe_value(raw))
    try:
        path = expand_home(raw)
    except JobError as exc:
        raise JobError('cannot expand job directory %s: %s' % (describe_value(raw), exc))
    if not os.path.isabs(path):
        raise JobError('job directory %s is not an absolute path' % describe_value(raw))
    return os.path.normpath(path)


def check_job_dir(path: str) -> None:
    """Refuse a job directory that is a symlink, not a directory or owned by another user."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise JobError('job directory %s does not exist' % path)
    if stat.S_ISLNK(st.st_mode):
        raise JobError('job directory %s is a symlink; refusing to use it' % path)
    if not stat.S_ISDIR(st.st_mode):
        raise JobError('job directory %s is not a directory' % path)
    if st.st_uid != os.geteuid():
        raise JobError('job directory %s is owned by uid %d, not by the running user (uid %d); refusing to use it'
                       % (path, st.st_uid, os.geteuid()))


def private_job_dir(path: str) -> str:
    """The directory a user's jobs live in when the job directory is ``path``.

    A shared directory (sticky and world-writable, as /tmp is) is never ours
    to change: each user's jobs go in a subdirectory of their own name, which
    the writer creates 0700 and every reader looks in.
    """
    try:
        st = os.lstat(path)
    except OSError:
        return path
    if stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX and st.st_mode & stat.S_IWOTH:
        return os.path.join(path, pwd.getpwuid(os.geteuid()).pw_name)
    return path


def ensure_job_dir(path: str) -> str:
    """The job directory to write in: created 0700 if missing, an existing one of ours tightened to 0700,
    a per-user subdirectory of a shared one (which is left as it is)."""
    path = private_job_dir(path)
    try:
        os.makedirs(path, mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise JobError('cannot create job directory %s: %s' % (path, exc.strerror))
    check_job_dir(path)
    if stat.S_IMODE(os.lstat(path).st_mode) != 0o700:
        # core's wrapper leaves it 0755: job output must not be readable by others.
        os.chmod(path, 0o700)
    return path


def open_job_dir(raw: str) -> tuple:
    """``(path, exists)`` for a reader: the expanded job directory, checked if it exists (a reader never creates it)."""
    path = private_job_dir(expand_job_dir(raw))
    exists = os.path.lexists(path)
    if exists:
        check_job_dir(path)
    return path, exists


def job_path(job_dir: str, jid: str) -> str:
    path = os.path.join(job_dir, validate_jid(jid))
    # validate_jid already rules out separators; this guards against a future
    # change to the format ever letting a path escape.
    if os.path.dirname(path) != os.path.normpath(job_dir):
        raise JobError('job id %s resolves outside the job directory' % describe_value(jid))
    return path


def job_exists(job_dir: str, jid: str) -> bool:
    """Whether anything (a file, a link, a planted directory) already holds ``jid``'s name."""
    return os.path.lexists(job_path(job_dir, jid))


def output_paths(job_dir: str, jid: str) -> tuple:
    """``(stdout, stderr)``: where a job's output streams while it runs."""
    path = job_path(job_dir, jid)
    return path + STDOUT_SUFFIX, path + STDERR_SUFFIX


def list_job_ids(job_dir: str) -> list:
    """The ids of the jobs in ``job_dir`` (names that are job ids; output and temporary files left out)."""
    try:
        names = os.listdir(job_dir)
    except OSError as exc:
        raise JobError('cannot list job directory %s: %s' % (job_dir, exc.strerror))
    return sorted(name for name in names if is_jid(name))


def file_mark(path: str):
    """What changes when a job file is rewritten (mtime, size, inode), or None if it is missing."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def file_mtime(path: str) -> float | None:
    try:
        return os.lstat(path).st_mtime
    except OSError:
        return None


# ---------------------------------------------------------------------------
# Writing


def write_atomic(path: str, chunks) -> None:
    """Write ``chunks`` (bytes) to ``path`` atomically and durably, mode 0600.

    A reader sees the old file or the new one, never a partial one, even
    after a crash: temp file in the same directory, fsync, rename, fsync dir.
    """
    directory = os.path.dirname(path)
    # A name of our own rather than tempfile's: importing tempfile costs every run on the target.
    tmp_path = os.path.join(directory, '.%s.%s.tmp' % (os.path.basename(path), os.urandom(6).hex()))
    fd = open_new_private(tmp_path)
    try:
        with os.fdopen(fd, 'wb') as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_path, path)
    except BaseException:
        try:
            os.unlink(tmp_path)
        except OSError:
            pass
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_record(path: str, record: dict) -> None:
    write_atomic(path, [json.dumps(record).encode('utf-8', errors='surrogateescape')])


def open_new_private(path: str) -> int:
    """Create ``path`` for writing, 0600; refuses an existing file or symlink."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


def open_own_output(path: str, write_fd: int) -> int:
    """A read descriptor on the file ``write_fd`` was created as, opened through ``path`` without following links.

    The supervisor keeps it while the job runs, so the job's output stays its own whatever is done to the name.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    ours, named = os.fstat(write_fd), os.fstat(fd)
    if (ours.st_dev, ours.st_ino) != (named.st_dev, named.st_ino):
        os.close(fd)
        raise JobError('%s was replaced as it was created' % path)
    return fd


def reclaim_output(path: str, read_fd: int) -> bool:
    """Put the job's own output (``read_fd``) back under ``path`` if the name no longer holds it.

    Whatever took its place (a symlink, another file) is removed, never followed, and a private copy of the
    job's output is written in its stead. Returns whether it had to.
    """
    ours = os.fstat(read_fd)
    try:
        named = os.lstat(path)
    except FileNotFoundError:
        named = None
    if named is not None and (named.st_dev, named.st_ino) == (ours.st_dev, ours.st_ino):
        return False
    if named is not None:
        if stat.S_ISDIR(named.st_mode):
            raise JobError('%s was replaced by a directory while the job ran' % path)
        os.unlink(path)
    out = open_new_private(path)
    try:
        offset = 0
        while offset < ours.st_size:
            sent = os.sendfile(out, read_fd, offset, ours.st_size - offset)
            if sent == 0:
                break
            offset += sent
        os.fsync(out)
    finally:
        os.close(out)
    return True


def stdin_descriptor(job_dir: str, jid: str, data: bytes | None) -> int:
    """A descriptor to read ``data`` from (``/dev/null`` if None), for a job's stdin.

    The data goes through a private file that is unlinked as soon as it is
    open, so nothing of it (a module payload holds the module's arguments)
    stays on disk.
    """
    if data is None:
        return os.open(os.devnull, os.O_RDONLY)
    path = job_path(job_dir, jid) + STDIN_SUFFIX
    fd = open_new_private(path)
    try:
        with os.fdopen(os.dup(fd), 'wb') as handle:
            handle.write(data)
        return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    finally:
        os.close(fd)
        os.unlink(path)


# ---------------------------------------------------------------------------
# Reading


def open_regular(path: str):
    """A binary handle on a regular file: never through a symlink, never blocking on a FIFO.

    Returns None if the file does not exist; raises JobError for anything
    that is not a regular file.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return None
        if exc.errno == errno.ELOOP:
            raise JobError('%s is a symlink; refusing to follow it' % path)
        raise JobError('cannot read %s: %s' % (path, exc.strerror))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise JobError('%s is not a regular file' % path)
    if st.st_uid != os.geteuid():
        # A file planted by another user must not make us act on what it says (signal its pids, say).
        os.close(fd)
        raise JobError('%s is owned by uid %d, not by the running user (uid %d); refusing to trust it'
                       % (path, st.st_uid, os.geteuid()))
    return os.fdopen(fd, 'rb')


def read_file_nofollow(path: str) -> bytes | None:
    """The bytes of a regular file, never through a symlink; None if it does not exist."""
    handle = open_regular(path)
    if handle is None:
        return None
    with handle:
        return handle.read()


def read_tail(path: str, max_bytes: int) -> tuple:
    """The last ``max_bytes`` of a file as text, cut at a line start, and whether it was cut.

    A missing or unreadable file reads as empty.
    """
    try:
        handle = open_regular(path)
    except JobError:
        handle = None
    if handle is None:
        return '', False
    with handle:
        size = os.fstat(handle.fileno()).st_size
        cut = size > max_bytes
        if cut:
            handle.seek(size - max_bytes)
        data = handle.read(max_bytes)
    if cut and b'\n' in data[:-1]:
        data = data[data.index(b'\n') + 1:]
    return data.decode('utf-8', errors='replace'), cut


def file_size(path: str) -> int:
    """The size of a regular file, 0 if it is missing or not a regular file."""
    try:
        st = os.lstat(path)
    except OSError:
        return 0
    return st.st_size if stat.S_ISREG(st.st_mode) else 0


# ---------------------------------------------------------------------------
# Removing


class JobRemovalError(JobError):
    """Some of a job's files could not be removed; ``removed`` lists those that were."""

    def __init__(self, msg: str, removed: list):
        super().__init__(msg)
        self.removed = removed


def remove_job_files(job_dir: str, jid: str) -> list:
    """Remove a job's file and its output files; return the paths removed.

    Never follows symlinks (unlink removes the link, not its target).
    """
    removed, problems = [], []
    path = job_path(job_dir, jid)
    for candidate in (path, path + COLLECTED_SUFFIX, path + STDOUT_SUFFIX, path + STDERR_SUFFIX, path + LEASE_SUFFIX):
        try:
            os.unlink(candidate)
        except FileNotFoundError:
            continue
        except OSError as exc:
            # A directory planted under a job's name, say: named, and the other files still go.
            problems.append('cannot remove %s: %s' % (candidate, exc.strerror))
            continue
        removed.append(candidate)
    if problems:
        raise JobRemovalError('; '.join(problems), removed)
    return removed


def set_aside(job_dir: str, jid: str) -> bool:
    """Rename a job's file to its collected name (atomic: a reader finds one or the other)."""
    path = job_path(job_dir, jid)
    try:
        os.rename(path, path + COLLECTED_SUFFIX)
    except FileNotFoundError:
        return False
    return True


def list_names(job_dir: str) -> list:
    """Every name in ``job_dir``, or none if it cannot be listed (for sweeps, which must never fail a task)."""
    try:
        return os.listdir(job_dir)
    except OSError:
        return []


def remove_job_if_possible(job_dir: str, jid: str) -> bool:
    """remove_job_files for a sweep: False, and nothing raised, where something of the job cannot be removed."""
    try:
        remove_job_files(job_dir, jid)
        return True
    except JobError:
        return False


def remove_old_collected(job_dir: str, now: float, keep: float = COLLECTED_KEEP) -> list:
    """Remove the files of jobs collected more than ``keep`` seconds ago; return their ids."""
    removed = []
    for name in list_names(job_dir):
        jid = name[:-len(COLLECTED_SUFFIX)] if name.endswith(COLLECTED_SUFFIX) else None
        if not jid or not is_jid(jid):
            continue
        try:
            # The rename that set the file aside is its last change.
            collected_at = os.lstat(os.path.join(job_dir, name)).st_ctime
        except OSError:
            continue
        if now - collected_at > keep and remove_job_if_possible(job_dir, jid):
            removed.append(jid)
    return removed


def renew_lease(job_dir: str, jid: str) -> None:
    """Tell a leased job's supervisor that someone still reads the job (nothing for a job without a lease)."""
    try:
        os.utime(job_path(job_dir, jid) + LEASE_SUFFIX, None, follow_symlinks=False)
    except OSError:
        pass


def remove_output_files(job_dir: str, jid: str, keep=()) -> None:
    """Remove a finished job's output files once its result is recorded, but those in ``keep``."""
    for candidate in output_paths(job_dir, jid):
        if candidate in keep:
            continue
        try:
            os.unlink(candidate)
        except OSError:
            pass


__all__ = (
    'JOB_DIR_DEFAULT', 'STDOUT_SUFFIX', 'STDERR_SUFFIX', 'STDIN_SUFFIX', 'COLLECTED_SUFFIX', 'COLLECTED_KEEP',
    'home_dir', 'expand_home', 'expand_job_dir', 'check_job_dir', 'private_job_dir', 'ensure_job_dir', 'open_job_dir', 'job_path', 'job_exists',
    'output_paths', 'list_job_ids', 'file_mark', 'file_mtime',
    'write_atomic', 'write_record', 'open_new_private', 'open_own_output', 'reclaim_output', 'stdin_descriptor',
    'open_regular', 'read_file_nofollow', 'read_tail', 'file_size',
    'JobRemovalError', 'remove_job_files', 'remove_output_files', 'set_aside', 'remove_old_collected',
    'LEASE_SUFFIX', 'renew_lease', 'list_names', 'remove_job_if_possible',
)
