# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""What a job file holds, and what reading one tells.

A job file is the module's result (or, while the job runs, core's
``started``/``finished`` keys) with our metadata under one key. Core's
async_status passes unknown top-level keys through, so it reads our files.
Every record is built here; every other file passes a JobMeta or a result.
"""

from __future__ import annotations

import json
import os
import time

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.liveness import identity_alive, read_boot_id
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import (
    COLLECTED_SUFFIX,
    STDERR_SUFFIX,
    STDOUT_SUFFIX,
    file_mtime,
    job_path,
    read_file_nofollow,
    read_tail,
)
from ansible_collections.parallel.jobs.plugins.module_utils._messages import first_line

META_KEY = 'parallel_jobs'
RECORD_FORMAT = 1
# Seconds between TERM and KILL when a job is stopped, unless it was started with another.
GRACE_DEFAULT = 5.0
# Why a job file may be missing although the job was started: said with every not_found.
NOT_FOUND_HINT = 'a job started with become must be read with the same become user'
# What core's async_status says of a job it cannot find (kept word for word: playbooks test for it).
NOT_FOUND_MSG = 'could not find job'


class JobState:
    QUEUED = 'queued'
    RUNNING = 'running'
    FINISHED = 'finished'
    FAILED = 'failed'
    TIMED_OUT = 'timed_out'
    KILLED = 'killed'
    LOST = 'lost'
    CORRUPT = 'corrupt'
    NOT_FOUND = 'not_found'

    ALL = (QUEUED, RUNNING, FINISHED, FAILED, TIMED_OUT, KILLED, LOST, CORRUPT, NOT_FOUND)
    # States a job never leaves: waiting on them longer is pointless.
    ENDED = (FINISHED, FAILED, TIMED_OUT, KILLED, LOST, CORRUPT, NOT_FOUND)
    # Every way a job can end badly: what fails a wait unless the user says otherwise.
    BAD = (FAILED, TIMED_OUT, KILLED, LOST, CORRUPT, NOT_FOUND)
    # Ended states whose result is the module's own (or our verdict on it): collected, then removed.
    COMPLETED = (FINISHED, FAILED, TIMED_OUT, KILLED)
    # States in which the job file holds no result of the job.
    UNREADABLE = (LOST, CORRUPT, NOT_FOUND)


class Outcome:
    """How the supervisor saw a job end (recorded; the state is derived from it)."""

    COMPLETED = 'completed'
    TIMED_OUT = JobState.TIMED_OUT
    KILLED = JobState.KILLED


class JobKind:
    MODULE = 'module'    # the result is the JSON the process prints
    COMMAND = 'command'  # the result is built from the output files, shaped like ansible.builtin.command's
    STEPS = 'steps'      # commands and modules run one after another; the result lists each step's


class JobMeta:
    """Our metadata in a job file. Fields left None are not written.

    A plain class, not a dataclass: every read on the target imports this
    module, and importing dataclasses costs more CPU than the read itself.
    """

    FIELDS = (
        'kind', 'name', 'cmd', 'module',
        'started_at', 'time_limit', 'grace', 'boot_id',
        'supervisor',      # process identity: pid and start time
        'job',             # the job's own process
        'session',         # the job's session id (its process's pid)
        'stdout_file', 'stderr_file',
        'processes',       # [pid, start_time] of every live process of the job
        'ended_at', 'outcome', 'rc', 'signal',
        'reason',          # our one-line account of how a stopped job ended
        'supervisor_peak_rss',
        'queue',           # the queue the job waited in (async_start's max_running)
        'queued_at',
        'lease',           # seconds the job lives unread before its supervisor stops it
        'reclaimed',       # output files found replaced when the job ended, put back from the supervisor's copy
        'steps',           # a job of steps: [{name, state, rc}] of the steps that ran, the current one last
    )
    __slots__ = FIELDS

    def __init__(self, kind: str, **fields):
        unknown = set(fields) - set(self.FIELDS)
        if unknown:
            raise TypeError('unknown JobMeta fields: %s' % ', '.join(sorted(unknown)))
        for name in self.FIELDS:
            setattr(self, name, fields.get(name))
        self.kind = kind
        if self.processes is None:
            self.processes = []

    def to_dict(self) -> dict:
        meta = {'format': RECORD_FORMAT}
        for name in self.FIELDS:
            value = getattr(self, name)
            if value is not None:
                meta[name] = list(value) if name == 'processes' else value
        return meta


# ---------------------------------------------------------------------------
# Records


def running_record(jid: str, path: str, meta: JobMeta) -> dict:
    """The job file while the job runs: core's keys say started, not finished."""
    return {'started': True, 'finished': False, 'ansible_job_id': jid, 'results_file': path, META_KEY: meta.to_dict()}


def final_trailer(jid: str, meta: JobMeta) -> dict:
    """The keys an ended job's file adds to its result (ours last, so they win over the module's)."""
    return {'started': True, 'finished': True, 'ansible_job_id': jid, META_KEY: meta.to_dict()}


def final_record(result: dict, jid: str, meta: JobMeta) -> dict:
    record = dict(result)
    record.update(final_trailer(jid, meta))
    return record


def killed_lost_record(status: JobStatus, sent: str | None, ended_at: float) -> dict:
    """The record of a lost job stopped from outside: killed, with what it took."""
    meta = dict(status.meta)
    meta.update({'outcome': Outcome.KILLED, 'ended_at': ended_at, 'processes': [], 'signal': sent})
    started_at = status.started_at if status.started_at is not None else ended_at
    msg = ('Killed on request after its supervisor was lost: ended with %s' % sent if sent
           else 'Marked killed on request: its supervisor was lost and none of its processes was left')
    return {'failed': True, 'killed': True, 'msg': msg, 'signal': sent, 'elapsed': round(ended_at - started_at, 3),
            'started': True, 'finished': True, 'ansible_job_id': status.jid, META_KEY: meta}


def killed_queued_record(status: JobStatus, ended_at: float) -> dict:
    """The record of a queued job taken out of its queue on request: killed, never started."""
    meta = dict(status.meta, outcome=Outcome.KILLED, ended_at=ended_at, reason='killed while queued: it never started')
    return {'failed': True, 'killed': True, 'msg': meta['reason'], 'started': True, 'finished': True,
            'ansible_job_id': status.jid, META_KEY: meta}


# ---------------------------------------------------------------------------
# Reading


class JobStatus:
    """What a read of one job found: its state, a one-line reason, and its record."""

    __slots__ = ('jid', 'state', 'reason', 'path', 'record', 'collected')

    def __init__(self, jid: str, state: str, reason: str, path: str, record: dict | None = None,
                 collected: bool = False):
        self.jid = jid
        self.state = state
        self.reason = reason
        self.path = path
        self.record = record
        # Read from the file a wait set aside after returning its result.
        self.collected = collected

    @property
    def meta(self) -> dict:
        meta = (self.record or {}).get(META_KEY)
        return meta if isinstance(meta, dict) else {}

    @property
    def ours(self) -> bool:
        """Whether our supervisor wrote the file (core's wrapper records no metadata)."""
        return bool(self.meta)

    @property
    def ended(self) -> bool:
        return self.state in JobState.ENDED

    def _number(self, key: str) -> float | None:
        value = self.meta.get(key)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def _text(self, key: str) -> str | None:
        value = self.meta.get(key)
        return value if isinstance(value, str) else None

    @property
    def started_at(self) -> float | None:
        return self._number('started_at')

    @property
    def ended_at(self) -> float | None:
        return self._number('ended_at')

    @property
    def time_limit(self) -> float | None:
        return self._number('time_limit')

    @property
    def grace(self) -> float | None:
        return self._number('grace')

    @property
    def name(self) -> str | None:
        return self._text('name')

    @property
    def module(self) -> str | None:
        return self._text('module')

    @property
    def supervisor(self) -> dict | None:
        value = self.meta.get('supervisor')
        return value if isinstance(value, dict) else None

    @property
    def session(self) -> int | None:
        value = self.meta.get('session')
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def job_start_time(self) -> int | None:
        """When the job's own process started (clock ticks since boot), as recorded."""
        job = self.meta.get('job')
        value = job.get('start_time') if isinstance(job, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def processes(self) -> list:
        value = self.meta.get('processes')
        return value if isinstance(value, list) else []

    @property
    def from_other_boot(self) -> bool:
        """Whether the job ran in an earlier boot: then its recorded pids name nothing of it any more."""
        boot_id = read_boot_id()
        return bool(boot_id and self.meta.get('boot_id') and self.meta['boot_id'] != boot_id)

    def output_paths(self) -> tuple:
        # From the jid, never from the file's content.
        return self.path + STDOUT_SUFFIX, self.path + STDERR_SUFFIX

    def elapsed(self, now: float | None = None) -> float | None:
        if self.started_at is None:
            return None
        ended = self.ended_at
        if ended is None:
            ended = time.time() if now is None else now
        return round(max(0.0, ended - self.started_at), 3)

    def __repr__(self) -> str:
        return 'JobStatus(%r, %r, %r)' % (self.jid, self.state, self.reason)


def parse_record(data: bytes):
    """Return ``(record, None)`` or ``(None, reason)`` for the bytes of a job file."""
    if not data.strip():
        return None, 'the job file is empty'
    try:
        # Bytes that are not UTF-8 (a module printing binary) are replaced: a reply must be valid text.
        record = json.loads(data.decode('utf-8', errors='replace'))
    except ValueError as exc:
        return None, 'the job file is not valid JSON (%s)' % exc
    except RecursionError:
        return None, 'the job file nests its JSON too deep to read'
    if not isinstance(record, dict):
        return None, 'the job file holds a JSON %s, not an object' % type(record).__name__
    return record, None


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
        if supervisor is None and meta.get('queue'):
            # Whether its queue's runner is still there is for the reader to check (_read_once).
            return JobState.QUEUED, 'queued in %s' % meta['queue']
        if not alive(supervisor):
            pid = supervisor.get('pid') if isinstance(supervisor, dict) else None
            return JobState.LOST, 'its supervisor (pid %s) is gone' % pid
        return JobState.RUNNING, 'running (supervisor pid %s)' % supervisor.get('pid')

    outcome = meta.get('outcome')
    if outcome in (Outcome.TIMED_OUT, Outcome.KILLED):
        return outcome, first_line(meta.get('reason') or record.get('msg') or outcome.replace('_', ' '))
    if not meta and record.get('msg') == 'Timeout exceeded' and 'child_pid' in record:
        # What core's wrapper writes when its time limit ends a job.
        return JobState.TIMED_OUT, "timed out (killed by ansible-core's wrapper)"
    if record.get('failed'):
        if isinstance(record.get('rc'), int) and record['rc'] != 0:
            reason = 'rc=%d' % record['rc']
            if record.get('msg') and record.get('msg') != 'non-zero return code':
                reason += ': ' + first_line(record['msg'])
        else:
            reason = first_line(record.get('msg') or 'the module reported failure')
        return JobState.FAILED, reason
    if isinstance(record.get('rc'), int):
        return JobState.FINISHED, 'finished, rc=%d' % record['rc']
    return JobState.FINISHED, 'finished'


def not_found_status(job_dir: str, jid: str, dir_exists: bool = True) -> JobStatus:
    path = job_path(job_dir, jid)
    missing = 'no job file %s' % path if dir_exists else 'no job directory %s' % job_dir
    return JobStatus(jid, JobState.NOT_FOUND, '%s (%s)' % (missing, NOT_FOUND_HINT), path)


def read_job(job_dir: str, jid: str) -> JobStatus:
    """Read one job and tell its state. Raises JobError for a bad jid or unusable file."""
    path = job_path(job_dir, jid)
    boot_id = read_boot_id()
    status = _read_once(job_dir, path, jid, boot_id)
    if status.state == JobState.LOST:
        # The supervisor may have written the result and exited between our
        # read and the liveness check: one more read tells "lost" from "just ended".
        status = _read_once(job_dir, path, jid, boot_id)
    return status


def read_status(job_dir: str, jid: str) -> JobStatus:
    """Like read_job, but a file that cannot be read (a planted symlink, a directory) is a corrupt job, not an error."""
    try:
        return read_job(job_dir, jid)
    except JobError as exc:
        return JobStatus(jid, JobState.CORRUPT, str(exc), job_path(job_dir, jid))


def read_statuses(job_dir: str, jids: list, dir_exists: bool = True) -> list:
    """read_status of each of ``jids``; all not_found when the job directory does not exist."""
    if not dir_exists:
        return [not_found_status(job_dir, jid, dir_exists=False) for jid in jids]
    return [read_status(job_dir, jid) for jid in jids]


def _read_once(job_dir: str, path: str, jid: str, boot_id: str | None) -> JobStatus:
    collected = False
    data = read_file_nofollow(path)
    if data is None:
        data = read_file_nofollow(path + COLLECTED_SUFFIX)
        collected = data is not None
    if data is None:
        return not_found_status(job_dir, jid)
    record, problem = parse_record(data)
    if record is None:
        return JobStatus(jid, JobState.CORRUPT, problem, path, collected=collected)
    state, reason = classify_record(record, boot_id)
    if state == JobState.QUEUED:
        from ansible_collections.parallel.jobs.plugins.module_utils._queue import runner_alive

        queue = record[META_KEY]['queue']
        if not runner_alive(job_dir, queue):
            state, reason = JobState.LOST, 'the runner of its queue %s is gone: it never started' % queue
    return JobStatus(jid, state, reason, path, record, collected=collected)


# ---------------------------------------------------------------------------
# What a read returns


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
    if status.started_at is not None:
        entry['job_started_at'] = status.started_at
    if status.ended_at is not None:
        entry['job_ended_at'] = status.ended_at
    if status.time_limit is not None:
        entry['job_time_limit'] = status.time_limit
    if status.collected:
        entry['job_collected'] = True
    # The name async_start was given. A module's own ``name`` result is kept; job_name always holds ours.
    if status.name is not None:
        entry['job_name'] = status.name
        entry.setdefault('name', status.name)
    if isinstance(status.meta.get('queue'), str):
        entry['job_queue'] = status.meta['queue']
    if status.state == JobState.RUNNING and isinstance(status.meta.get('steps'), list):
        # How far a job of steps has come: the steps that ended and the one running.
        entry['job_steps'] = status.meta['steps']
    if status.state in JobState.UNREADABLE:
        entry['failed'] = True
        entry['msg'] = NOT_FOUND_MSG if status.state == JobState.NOT_FOUND else status.reason
    elif status.state in (JobState.TIMED_OUT, JobState.KILLED):
        entry['failed'] = True
    if status.state == JobState.RUNNING and output_tail > 0:
        truncated = False
        for key, path in zip(('stdout', 'stderr'), status.output_paths()):
            text, cut = read_tail(path, output_tail)
            entry[key] = text
            truncated = truncated or cut
        entry['output_truncated'] = truncated
    return entry


# The keys of a listing entry: what tells jobs apart, without their results.
_LIST_KEYS = ('ansible_job_id', 'started', 'finished', 'results_file', 'job_state', 'job_reason', 'job_elapsed', 'rc')


def list_entry(status: JobStatus, now: float) -> dict | None:
    """A short entry for ``mode=list`` (no module result), with the job's age; None if its file vanished."""
    modified = file_mtime(status.path)
    if modified is None:
        return None
    started = status.started_at
    entry = {key: value for key, value in job_entry(status).items() if key in _LIST_KEYS}
    entry['age'] = round(max(0.0, now - (started if started is not None else modified)), 3)
    if status.module is not None:
        entry['module'] = os.path.basename(status.module).replace('AnsiballZ_', '').rsplit('.py', 1)[0]
    if status.name is not None:
        entry['name'] = status.name
    return entry


def count_states(entries) -> dict:
    """How many of ``entries`` (job entries or statuses) are in each state."""
    counts = dict.fromkeys(JobState.ALL, 0)
    for entry in entries:
        state = entry.state if isinstance(entry, JobStatus) else entry.get('job_state')
        if state in counts:
            counts[state] += 1
    return counts


__all__ = (
    'META_KEY', 'RECORD_FORMAT', 'GRACE_DEFAULT', 'NOT_FOUND_HINT', 'NOT_FOUND_MSG', 'JobState', 'Outcome', 'JobKind', 'JobMeta',
    'running_record', 'final_trailer', 'final_record', 'killed_lost_record', 'killed_queued_record',
    'JobStatus', 'parse_record', 'classify_record', 'not_found_status', 'read_job', 'read_status', 'read_statuses',
    'job_entry', 'list_entry', 'count_states',
)
