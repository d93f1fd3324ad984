# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""The job model: job ids, the job directory, job files and job liveness.

This is the only code that knows where a job lives on the target and what its
file means. The wrapper, the status module and the action plugins all go
through it. Target side: standard library only, Python 3.8+.
"""

from __future__ import annotations

import errno
import json
import os
import pwd
import re
import stat
import tempfile
import time

JOB_DIR_DEFAULT = '~/.ansible_async'
JID_MAX_LENGTH = 128

# Key under which our metadata sits in a job file. Core's async_status passes
# unknown top-level keys through untouched, so this does not trip it up.
META_KEY = 'parallel_jobs'
RECORD_FORMAT = 1

# Job ids as ansible-core makes them: "j<random>.<wrapper pid>", and
# "<random>.<pid>" from older releases. The part before the dot alone is what
# the controller hands to the wrapper.
_JID_RE = re.compile(r'\Aj?[0-9]+\.[0-9]+\Z')
_JID_BASE_RE = re.compile(r'\Aj?[0-9]+\Z')

# Files beside a job file: the running job's output, streamed as produced.
STDOUT_SUFFIX = '.stdout'
STDERR_SUFFIX = '.stderr'


class JobError(Exception):
    """A job id, job directory or job file that cannot be used as asked."""


class JobState:
    RUNNING = 'running'
    FINISHED = 'finished'
    FAILED = 'failed'
    TIMED_OUT = 'timed_out'
    KILLED = 'killed'
    LOST = 'lost'
    CORRUPT = 'corrupt'
    NOT_FOUND = 'not_found'

    ALL = (RUNNING, FINISHED, FAILED, TIMED_OUT, KILLED, LOST, CORRUPT, NOT_FOUND)
    # States a job never leaves: waiting on them longer is pointless.
    ENDED = (FINISHED, FAILED, TIMED_OUT, KILLED, LOST, CORRUPT, NOT_FOUND)
    # Ended states whose result is the module's own (or our verdict on it).
    COMPLETED = (FINISHED, FAILED, TIMED_OUT, KILLED)


# ---------------------------------------------------------------------------
# Job ids


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + '...'


def validate_jid(jid) -> str:
    """Return ``jid`` if it is a job id ansible-core could have made, else raise JobError."""
    if not isinstance(jid, str):
        raise JobError('invalid job id %s: a job id is a string, not %s' % (_describe(jid), type(jid).__name__))
    if not jid:
        raise JobError('invalid job id %s: it is empty' % _describe(jid))
    if len(jid) > JID_MAX_LENGTH:
        raise JobError('invalid job id %s: longer than %d characters' % (_describe(jid), JID_MAX_LENGTH))
    if not _JID_RE.match(jid):
        raise JobError("invalid job id %s: expected 'j<digits>.<digits>' or '<digits>.<digits>'" % _describe(jid))
    return jid


def validate_jid_base(base) -> str:
    """Validate the id the controller passes to the wrapper (without the ``.<pid>`` part)."""
    if not isinstance(base, str) or not _JID_BASE_RE.match(base) or len(base) > JID_MAX_LENGTH - 12:
        raise JobError("invalid job id %s from the controller: expected 'j<digits>'" % _describe(base))
    return base


def is_jid(name: str) -> bool:
    return len(name) <= JID_MAX_LENGTH and bool(_JID_RE.match(name))


def make_jid(base: str, pid: int) -> str:
    return validate_jid('%s.%d' % (validate_jid_base(base), pid))


# ---------------------------------------------------------------------------
# The job directory


def home_dir(user: str = '') -> str:
    """The home directory of ``user`` (the running user if empty), from the password database."""
    try:
        return (pwd.getpwnam(user) if user else pwd.getpwuid(os.geteuid())).pw_dir
    except KeyError:
        raise JobError('no user %s' % _describe(user))


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
        raise JobError('invalid job directory %s' % _describe(raw))
    try:
        path = expand_home(raw)
    except JobError as exc:
        raise JobError('cannot expand job directory %s: %s' % (_describe(raw), exc))
    if not os.path.isabs(path):
        raise JobError('job directory %s is not an absolute path' % _describe(raw))
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


def ensure_job_dir(path: str) -> str:
    """Create the job directory 0700 if missing, and tighten an existing one of ours to 0700."""
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


def job_path(job_dir: str, jid: str) -> str:
    path = os.path.join(job_dir, validate_jid(jid))
    # validate_jid already rules out separators; this guards against a future
    # change to the format ever letting a path escape.
    if os.path.dirname(path) != os.path.normpath(job_dir):
        raise JobError('job id %s resolves outside the job directory' % _describe(jid))
    return path


def output_paths(job_dir: str, jid: str) -> tuple:
    path = job_path(job_dir, jid)
    return path + STDOUT_SUFFIX, path + STDERR_SUFFIX


# ---------------------------------------------------------------------------
# Writing


def write_atomic(path: str, chunks) -> None:
    """Write ``chunks`` (bytes) to ``path`` atomically and durably, mode 0600.

    A reader sees the old file or the new one, never a partial one, even
    after a crash: temp file in the same directory, fsync, rename, fsync dir.
    """
    directory = os.path.dirname(path)
    fd, tmp_path = tempfile.mkstemp(dir=directory, prefix='.' + os.path.basename(path) + '.', suffix='.tmp')
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
    write_atomic(path, [json.dumps(record).encode('utf-8')])


def open_new_private(path: str) -> int:
    """Create ``path`` for writing, 0600; refuses an existing file or symlink."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


# ---------------------------------------------------------------------------
# Liveness


_BOOT_ID = []


def read_boot_id() -> str | None:
    """This boot's id. Read once per process: a process never outlives the boot it started in."""
    if not _BOOT_ID:
        try:
            with open('/proc/sys/kernel/random/boot_id') as handle:
                _BOOT_ID.append(handle.read().strip() or None)
        except OSError:
            _BOOT_ID.append(None)
    return _BOOT_ID[0]


def read_proc_stat(pid: int) -> dict | None:
    """ppid, session and start time (clock ticks since boot) of ``pid``, or None if it is gone."""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as handle:
            data = handle.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = data[data.rfind(b')') + 2:].split()
    try:
        return {
            'state': fields[0].decode(),
            'ppid': int(fields[1]),
            'session': int(fields[3]),
            'start_time': int(fields[19]),
        }
    except (IndexError, ValueError):
        return None


def process_identity(pid: int) -> dict | None:
    """What tells this process from a later one that reuses its pid."""
    info = read_proc_stat(pid)
    if info is None:
        return None
    return {'pid': pid, 'start_time': info['start_time']}


def identity_alive(identity) -> bool:
    """True if the process recorded in ``identity`` still runs (and is not a zombie)."""
    if not isinstance(identity, dict):
        return False
    pid, start_time = identity.get('pid'), identity.get('start_time')
    if not isinstance(pid, int) or pid <= 0:
        return False
    info = read_proc_stat(pid)
    return info is not None and info['start_time'] == start_time and info['state'] != 'Z'


# ---------------------------------------------------------------------------
# Reading


class JobStatus:
    """What a read of one job found: its state, a one-line reason, and its record."""

    __slots__ = ('jid', 'state', 'reason', 'path', 'record')

    def __init__(self, jid: str, state: str, reason: str, path: str, record: dict | None = None):
        self.jid = jid
        self.state = state
        self.reason = reason
        self.path = path
        self.record = record

    @property
    def meta(self) -> dict:
        meta = (self.record or {}).get(META_KEY)
        return meta if isinstance(meta, dict) else {}

    @property
    def ended(self) -> bool:
        return self.state in JobState.ENDED

    def elapsed(self, now: float | None = None) -> float | None:
        started = self.meta.get('started_at')
        if not isinstance(started, (int, float)):
            return None
        ended = self.meta.get('ended_at')
        if not isinstance(ended, (int, float)):
            ended = time.time() if now is None else now
        return round(max(0.0, ended - started), 3)

    def __repr__(self) -> str:
        return 'JobStatus(%r, %r, %r)' % (self.jid, self.state, self.reason)


def parse_record(data: bytes):
    """Return ``(record, None)`` or ``(None, reason)`` for the bytes of a job file."""
    if not data.strip():
        return None, 'the job file is empty'
    try:
        record = json.loads(data.decode('utf-8', errors='surrogateescape'))
    except ValueError as exc:
        return None, 'the job file is not valid JSON (%s)' % exc
    if not isinstance(record, dict):
        return None, 'the job file holds a JSON %s, not an object' % type(record).__name__
    return record, None


def _first_line(text, limit: int = 200) -> str:
    line = str(text).strip().splitlines()[0] if str(text).strip() else ''
    return line if len(line) <= limit else line[:limit - 3] + '...'


def classify_record(record: dict, boot_id: str | None, alive=identity_alive) -> tuple:
    """Pure: the (state, reason) of a parsed job file.

    ``boot_id`` is the host's current boot id; ``alive`` tells whether a
    recorded process identity still runs.
    """
    meta = record.get(META_KEY)
    meta = meta if isinstance(meta, dict) else {}
    running = bool(record.get('started')) and not record.get('finished')

    if running:
        supervisor = meta.get('supervisor')
        if not meta:
            return JobState.RUNNING, "running (started by ansible-core's wrapper, whose liveness cannot be checked)"
        if boot_id and meta.get('boot_id') and meta['boot_id'] != boot_id:
            return JobState.LOST, 'the host rebooted after the job started'
        if not alive(supervisor):
            pid = supervisor.get('pid') if isinstance(supervisor, dict) else None
            return JobState.LOST, 'its supervisor (pid %s) is gone' % pid
        return JobState.RUNNING, 'running (supervisor pid %s)' % supervisor.get('pid')

    outcome = meta.get('outcome')
    if outcome == JobState.TIMED_OUT:
        return JobState.TIMED_OUT, _first_line(record.get('msg') or 'timed out')
    if outcome == JobState.KILLED:
        return JobState.KILLED, _first_line(record.get('msg') or 'killed')
    if not meta and record.get('msg') == 'Timeout exceeded' and 'child_pid' in record:
        # What core's wrapper writes when its time limit ends a job.
        return JobState.TIMED_OUT, "timed out (killed by ansible-core's wrapper)"
    if record.get('failed'):
        if isinstance(record.get('rc'), int) and record['rc'] != 0:
            reason = 'rc=%d' % record['rc']
            if record.get('msg') and record.get('msg') != 'non-zero return code':
                reason += ': ' + _first_line(record['msg'])
        else:
            reason = _first_line(record.get('msg') or 'the module reported failure')
        return JobState.FAILED, reason
    if isinstance(record.get('rc'), int):
        return JobState.FINISHED, 'finished, rc=%d' % record['rc']
    return JobState.FINISHED, 'finished'


def _open_regular(path: str):
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
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise JobError('%s is not a regular file' % path)
    return os.fdopen(fd, 'rb')


def read_file_nofollow(path: str) -> bytes | None:
    """The bytes of a regular file, never through a symlink; None if it does not exist."""
    handle = _open_regular(path)
    if handle is None:
        return None
    with handle:
        return handle.read()


def read_job(job_dir: str, jid: str) -> JobStatus:
    """Read one job and tell its state. Raises JobError for a bad jid or unusable file."""
    path = job_path(job_dir, jid)
    boot_id = read_boot_id()
    status = _read_once(path, jid, boot_id)
    if status.state == JobState.LOST:
        # The supervisor may have written the result and exited between our
        # read and the liveness check: one more read tells "lost" from "just ended".
        status = _read_once(path, jid, boot_id)
    return status


def _read_once(path: str, jid: str, boot_id: str | None) -> JobStatus:
    data = read_file_nofollow(path)
    if data is None:
        return JobStatus(jid, JobState.NOT_FOUND, 'no job file %s (a job started with become must be read with '
                                                  'the same become user)' % path, path)
    record, problem = parse_record(data)
    if record is None:
        return JobStatus(jid, JobState.CORRUPT, problem, path)
    state, reason = classify_record(record, boot_id)
    return JobStatus(jid, state, reason, path, record)


def read_tail(path: str, max_bytes: int) -> tuple:
    """The last ``max_bytes`` of a file as text, cut at a line start, and whether it was cut."""
    try:
        handle = _open_regular(path)
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


def job_entry(status: JobStatus, output_tail: int = 0) -> dict:
    """What a status read returns for one job.

    Core's keys (``started``, ``finished``, ``ansible_job_id``) and the
    module's result at top level, as ``ansible.builtin.async_status`` returns
    them, plus ``job_state``, ``job_reason`` and ``job_elapsed`` (named so
    they cannot clash with a module's own ``state`` or ``elapsed``). A running
    job shows the last ``output_tail`` bytes of its output so far.
    """
    entry = dict(status.record or {})
    entry.pop(META_KEY, None)
    entry.update({
        'ansible_job_id': status.jid,
        'started': True,
        'finished': status.ended,
        'results_file': status.path,
        'job_state': status.state,
        'job_reason': status.reason,
        'job_elapsed': status.elapsed(),
    })
    for key in ('started_at', 'ended_at'):
        if isinstance(status.meta.get(key), (int, float)):
            entry['job_' + key] = status.meta[key]
    # The name async_start was given. A module's own ``name`` result is kept; job_name always holds ours.
    if isinstance(status.meta.get('name'), str):
        entry['job_name'] = status.meta['name']
        entry.setdefault('name', status.meta['name'])
    if status.state in (JobState.LOST, JobState.CORRUPT, JobState.NOT_FOUND):
        entry['failed'] = True
        entry['msg'] = status.reason
    elif status.state in (JobState.TIMED_OUT, JobState.KILLED):
        entry['failed'] = True
    if status.state == JobState.RUNNING and output_tail > 0:
        truncated = False
        # Output paths come from the jid, never from the file's content.
        for key, suffix in (('stdout', STDOUT_SUFFIX), ('stderr', STDERR_SUFFIX)):
            text, cut = read_tail(status.path + suffix, output_tail)
            entry[key] = text
            truncated = truncated or cut
        entry['output_truncated'] = truncated
    return entry


def remove_job_files(job_dir: str, jid: str) -> list:
    """Remove a job's file and its output files; return the paths removed. Never follows symlinks."""
    removed = []
    path = job_path(job_dir, jid)
    for candidate in (path, path + STDOUT_SUFFIX, path + STDERR_SUFFIX):
        try:
            os.unlink(candidate)
        except FileNotFoundError:
            continue
        removed.append(candidate)
    return removed


__all__ = (
    'JOB_DIR_DEFAULT', 'JID_MAX_LENGTH', 'META_KEY', 'RECORD_FORMAT', 'STDOUT_SUFFIX', 'STDERR_SUFFIX',
    'JobError', 'JobState', 'JobStatus',
    'validate_jid', 'validate_jid_base', 'is_jid', 'make_jid',
    'home_dir', 'expand_home', 'expand_job_dir', 'check_job_dir', 'ensure_job_dir', 'job_path', 'output_paths',
    'write_atomic', 'write_record', 'open_new_private',
    'read_boot_id', 'read_proc_stat', 'process_identity', 'identity_alive',
    'parse_record', 'classify_record', 'read_file_nofollow', 'read_job', 'read_tail', 'job_entry', 'remove_job_files',
)
