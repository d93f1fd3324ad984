# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""What async_status does with jobs on the target: read, wait, list, kill, clean up.

Each mode is a function that returns the module's result; the module only
checks its arguments and dispatches (``run_mode``).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError, validate_jid
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.liveness import read_proc_stat, require_proc
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import (
    GRACE_DEFAULT,
    NOT_FOUND_MSG,
    JobState,
    JobStatus,
    count_states,
    job_entry,
    killed_lost_record,
    killed_queued_record,
    read_job,
    read_statuses,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import (
    JOB_DIR_DEFAULT,
    JobRemovalError,
    file_mtime,
    job_path,
    list_job_ids,
    open_job_dir,
    remove_job_files,
    remove_job_if_possible,
    remove_old_collected,
    set_aside,
    write_record,
)
from ansible_collections.parallel.jobs.plugins.module_utils._proctree import (
    live_processes,
    run_detached,
    session_processes,
    stop_processes,
)
from ansible_collections.parallel.jobs.plugins.module_utils._settings import RETENTION_MAX
from ansible_collections.parallel.jobs.plugins.module_utils._watch import list_jobs, renew_leases, watch_jobs

MODES = ('status', 'cleanup', 'list', 'kill')
# How much of a running job's output so far a status read shows.
RUNNING_OUTPUT_TAIL = 4096
# How long, beyond its grace period, a kill waits for the supervisor to record the job's end.
KILL_SETTLE = 10.0


def status_argument_spec() -> dict:
    """The options async_status's module and action plugin share (the action resolves ``jids`` to job ids)."""
    return {
        'jid': {'type': 'str'},
        'jids': {'type': 'raw'},
        'mode': {'type': 'str', 'default': 'status', 'choices': list(MODES)},
        'force': {'type': 'bool', 'default': False},
        'older_than': {'type': 'float'},
    }


STATUS_MUTUALLY_EXCLUSIVE = [('jid', 'jids')]
# What only the action plugins set: the job directory as configured (~ expanded here, as the user
# the task runs as, which matches what the wrapper did), and async_wait's window on the target.
STATUS_PRIVATE_SPEC = {
    '_async_dir': {'type': 'str', 'default': JOB_DIR_DEFAULT},
    '_wait': {'type': 'float', 'default': 0.0},
    '_poll': {'type': 'float', 'default': 0.1},
    # Set by async_wait with cleanup: set aside the jobs this read returns as ended.
    '_collect': {'type': 'bool', 'default': False},
}


class Request:
    """A checked async_status call on the target."""

    __slots__ = ('mode', 'job_dir', 'dir_exists', 'jids', 'single', 'force', 'wait', 'poll', 'collect', 'check_mode',
                 'older_than')

    def __init__(self, mode: str, job_dir: str, dir_exists: bool, jids: list, single: bool, force: bool = False,
                 wait: float = 0.0, poll: float = 0.1, collect: bool = False, check_mode: bool = False,
                 older_than: float | None = None):
        self.mode, self.job_dir, self.dir_exists, self.jids, self.single = mode, job_dir, dir_exists, jids, single
        self.force, self.wait, self.poll, self.collect, self.check_mode = force, wait, poll, collect, check_mode
        self.older_than = older_than


def make_request(params: dict, check_mode: bool = False) -> Request:
    """Check the module's parameters; raise JobError naming the problem, before any file is touched."""
    require_proc()
    mode, single = params['mode'], params['jid'] is not None
    raw = [params['jid']] if single else params['jids']
    older_than = params.get('older_than')
    if older_than is not None:
        if mode != 'cleanup':
            raise JobError('older_than is for mode=cleanup, not mode=%s' % mode)
        if not 0 <= older_than <= RETENTION_MAX:
            raise JobError('older_than=%s must be between 0 and %d seconds' % (older_than, RETENTION_MAX))
    if not raw and mode != 'list' and not (mode == 'cleanup' and older_than is not None and raw is None):
        raise JobError('one of jid or jids is required with mode=%s' % mode)
    raw = raw or []
    if not isinstance(raw, list):
        raise JobError('jids must be a list of job ids, not %s' % type(raw).__name__)
    jids = [validate_jid(jid) for jid in raw]
    job_dir, dir_exists = open_job_dir(params['_async_dir'] or JOB_DIR_DEFAULT)
    return Request(mode, job_dir, dir_exists, jids, single, force=params['force'], wait=params.get('_wait') or 0.0,
                   poll=max(0.01, params.get('_poll') or 0.1), collect=bool(params.get('_collect')),
                   check_mode=check_mode, older_than=older_than)


def print_job_result(result: dict) -> None:
    """Reply with a job's own result as it is, and end the module, as core's async_status does.

    The result was already processed by its module's exit_json; passing it
    through exit_json again would process it a second time (and warn that
    warnings passed to exit_json are deprecated).
    """
    sys.stdout.write('\n' + json.dumps(result) + '\n')
    sys.stdout.flush()
    sys.exit(0)  # pylint: disable=ansible-bad-function


def run_mode(request: Request) -> tuple:
    """``(result, raw)``: the module's result, and whether it is a job's own result to print as it is."""
    return _MODES[request.mode](request)


def status_mode(request: Request) -> tuple:
    checks, noticed = 1, {}
    if request.wait > 0 and request.dir_exists:
        statuses, checks, noticed = watch_jobs(request.job_dir, request.jids, request.wait, request.poll)
    else:
        statuses = read_statuses(request.job_dir, request.jids, request.dir_exists)
        if request.dir_exists and not request.check_mode:
            renew_leases(request.job_dir, statuses)
    entries = [job_entry(status, output_tail=RUNNING_OUTPUT_TAIL) for status in statuses]
    for entry in entries:
        if entry['ansible_job_id'] in noticed:
            entry['job_noticed_at'] = noticed[entry['ansible_job_id']]
    if any(status.state == JobState.QUEUED for status in statuses):
        add_queue_positions(request.job_dir, entries)
    if request.collect and request.dir_exists and not request.check_mode:
        _collect(request.job_dir, statuses, entries)
    if request.single:
        return entries[0], True
    return {'changed': False, 'jobs': entries, 'counts': count_states(statuses),
            'finished': all(status.ended for status in statuses), 'checks': checks}, False


def _collect(job_dir: str, statuses: list, entries: list) -> None:
    """Set aside the ended jobs this read returns, in the read that returns them (no extra round trip).

    Set aside, not removed: a wait retried after its reply was lost reads
    them again by id. Files collected long ago go now.
    """
    for status, entry in zip(statuses, entries):
        if status.state in JobState.COMPLETED and not status.collected and set_aside(job_dir, status.jid):
            entry['job_collected'] = True
    remove_old_collected(job_dir, time.time())


def list_mode(request: Request) -> tuple:
    entries = list_jobs(request.job_dir) if request.dir_exists else []
    return {'changed': False, 'jobs': entries, 'counts': count_states(entries), 'job_dir': request.job_dir}, False


def kill_mode(request: Request) -> tuple:
    statuses = read_statuses(request.job_dir, request.jids, request.dir_exists)
    stoppable = [status.state in (JobState.QUEUED, JobState.RUNNING, JobState.LOST) for status in statuses]
    # A job id that names no job (a typo) must never read as stopped.
    problems = ['%s: %s (%s)' % (status.jid, NOT_FOUND_MSG, status.reason) for status in statuses
                if status.state == JobState.NOT_FOUND]
    if not request.check_mode:
        for index, status in enumerate(statuses):
            if stoppable[index]:
                try:
                    statuses[index] = stop_job(request.job_dir, status.jid)
                except JobError as exc:
                    problems.append(str(exc))
    entries = [job_entry(status) for status in statuses]
    changed = any(stoppable)
    if request.single:
        # Stopping the job was asked for and done: that is not a failure of this task; not finding it is.
        entries[0].update(changed=changed, failed=bool(problems))
        if problems:
            entries[0]['msg'] = problems[0]
        return entries[0], True
    return {'changed': changed, 'failed': bool(problems), 'msg': '; '.join(problems) or None, 'jobs': entries,
            'counts': count_states(statuses)}, False


def remove_expired(job_dir: str, max_age: float, now: float | None = None, jids=None, check_mode: bool = False) -> list:
    """Remove the jobs of ``job_dir`` (or those of ``jids``) that ended at least ``max_age`` seconds ago; return
    their ids. Never a running job, nor a lost one whose processes still run."""
    cutoff = (time.time() if now is None else now) - max_age
    removed = []
    for jid in list_job_ids(job_dir) if jids is None else jids:
        # A job file is last written when the job ends: its age is the job's time since then.
        mtime = file_mtime(job_path(job_dir, jid))
        if mtime is None or mtime > cutoff:
            continue
        status = read_job(job_dir, jid)
        if status.state not in JobState.ENDED or _still_running(status):
            continue
        if check_mode or remove_job_if_possible(job_dir, jid):
            removed.append(jid)
    return removed


SWEEP_MARK = '.swept'
# A directory is swept at most this often (and never more often than a tenth of its retention).
SWEEP_INTERVAL = 3600.0


def _sweep_due(job_dir: str, retention: int, now: float) -> bool:
    return bool(retention) and now - (file_mtime(os.path.join(job_dir, SWEEP_MARK)) or 0.0) >= min(
        SWEEP_INTERVAL, retention / 10.0)


def sweep_expired(job_dir: str, retention: int, now: float | None = None) -> list:
    """Retention, when a job is started: remove what ended more than ``retention`` seconds ago (0: nothing), unless
    the directory was swept in the last SWEEP_INTERVAL. A failure here never fails the start."""
    now = time.time() if now is None else now
    if not _sweep_due(job_dir, retention, now):
        return []
    mark = os.path.join(job_dir, SWEEP_MARK)
    try:
        os.close(os.open(mark, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600))
        os.utime(mark, (now, now), follow_symlinks=False)
        return remove_expired(job_dir, retention, now=now)
    except (JobError, OSError):
        return []


def sweep_in_background(job_dir: str, retention: int) -> None:
    """sweep_expired in a detached process, so that the start's reply (and its ssh session) need not wait;
    nothing is forked when no sweep is due."""
    if _sweep_due(job_dir, retention, time.time()):
        run_detached(sweep_expired, job_dir, retention)


def _cleanup_older(request: Request) -> dict:
    """mode=cleanup with older_than: the jobs (all of the directory's, or those given) that ended that long ago."""
    removed = remove_expired(request.job_dir, request.older_than, jids=request.jids or None,
                             check_mode=request.check_mode) if request.dir_exists else []
    return {'changed': bool(removed), 'erased': [job_path(request.job_dir, jid) for jid in removed],
            'msg': '%s %d jobs that ended at least %s s ago' % ('would remove' if request.check_mode else 'removed',
                                                                len(removed), request.older_than)}


def _still_running(status) -> bool:
    # A lost job whose processes still run counts as running: once its record is gone, nothing could stop them.
    # A queued job counts too: removing its record would not take it out of its queue.
    if status.state == JobState.LOST:
        return bool(lost_processes(status))
    return status.state in (JobState.RUNNING, JobState.QUEUED)


def add_queue_positions(job_dir: str, entries: list) -> None:
    """Give each queued job's entry its place in line (1: the next to start), from one listing."""
    from ansible_collections.parallel.jobs.plugins.module_utils._queue import queue_positions

    positions = queue_positions(job_dir)
    for entry in entries:
        if entry.get('job_state') == JobState.QUEUED and entry['ansible_job_id'] in positions:
            entry['job_queue_position'] = positions[entry['ansible_job_id']][1]


def cleanup_mode(request: Request) -> tuple:
    if request.older_than is not None:
        return _cleanup_older(request), False
    statuses = read_statuses(request.job_dir, request.jids, request.dir_exists)
    running = [status for status in statuses if _still_running(status)]
    if running and request.force and not request.check_mode:
        for status in running:
            try:
                stop_job(request.job_dir, status.jid)
            except JobError as exc:
                return {'failed': True, 'msg': 'could not stop job %s before cleaning it up: %s' % (status.jid, exc)}, False
        statuses = read_statuses(request.job_dir, request.jids, request.dir_exists)
        running = [status for status in statuses if _still_running(status)]
    erased, problems = [], []
    for status in statuses:
        if status in running or status.state == JobState.NOT_FOUND:
            continue
        if request.check_mode:
            erased.append(status.path)
            continue
        try:
            erased.extend(remove_job_files(request.job_dir, status.jid))
        except JobRemovalError as exc:
            erased.extend(exc.removed)
            problems.append('%s: %s' % (status.jid, exc))
    if request.single:
        status = statuses[0]
        summary = {'ansible_job_id': status.jid, 'job_state': status.state, 'job_reason': status.reason}
        if status.state == JobState.NOT_FOUND:
            # As core's: cleaning up a job that is not there fails, saying so in its words.
            return dict(summary, failed=True, msg=NOT_FOUND_MSG, started=True, finished=True), False
        if running:
            return dict(summary, failed=True, started=True, finished=False, msg='job %s is still running; it was not '
                        'cleaned up (use force=true to stop it first)' % status.jid), False
        if problems:
            return dict(summary, failed=True, msg=problems[0], erased_files=erased, changed=bool(erased)), False
        # As core's: erased is the job file's path; erased_files lists every file removed with it.
        return dict(summary, erased=status.path, erased_files=erased, changed=bool(erased)), False
    messages = list(problems)
    if running:
        messages.insert(0, '%s still running and %s not removed (use force=true to stop and remove)'
                        % (', '.join(status.jid for status in running), 'was' if len(running) == 1 else 'were'))
    return {'changed': bool(erased), 'failed': bool(messages), 'msg': '; '.join(messages) or None, 'erased': erased,
            'jobs': [{'ansible_job_id': status.jid, 'job_state': status.state, 'job_reason': status.reason}
                     for status in statuses]}, False


_MODES = {'status': status_mode, 'list': list_mode, 'kill': kill_mode, 'cleanup': cleanup_mode}


def stop_job(job_dir: str, jid: str) -> JobStatus:
    """Stop a job's whole process tree (TERM, grace, KILL) and return its state afterwards (``killed``).

    A running job is stopped by its own supervisor, which records the outcome.
    A lost job's recorded processes are stopped here, and its record says so.
    Jobs that have ended are left as they are.
    """
    status = read_job(job_dir, jid)
    if status.state == JobState.QUEUED:
        from ansible_collections.parallel.jobs.plugins.module_utils._queue import withdraw

        if withdraw(job_dir, jid):
            write_record(status.path, killed_queued_record(status, time.time()))
            return read_job(job_dir, jid)
        # The runner took it out of the queue first: it is starting; stop it once it runs.
        deadline = time.monotonic() + KILL_SETTLE
        while status.state == JobState.QUEUED and time.monotonic() < deadline:
            time.sleep(0.05)
            status = read_job(job_dir, jid)
    if status.state == JobState.RUNNING:
        supervisor = status.supervisor
        if not status.ours or supervisor is None:
            raise JobError("job %s was started by ansible-core's wrapper, which records no pid: it cannot be stopped"
                           % jid)
        try:
            os.kill(supervisor['pid'], signal.SIGTERM)
        except OSError as exc:
            raise JobError('cannot signal the supervisor of job %s (pid %s): %s' % (jid, supervisor['pid'], exc.strerror))
        settle = _grace(status) + KILL_SETTLE
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:
            status = read_job(job_dir, jid)
            if status.ended:
                return status
            if (read_proc_stat(supervisor['pid']) or {}).get('state') in ('T', 't'):
                # A stopped supervisor holds the TERM until it is resumed: the job runs on, and a kill that
                # reported success would be a lie.
                raise JobError('job %s is still running: its supervisor (pid %d) is stopped (SIGSTOP or a debugger) '
                               'and cannot act on the kill until it is resumed (kill -CONT %d)'
                               % (jid, supervisor['pid'], supervisor['pid']))
            time.sleep(0.05)
        raise JobError('job %s is still running: its supervisor (pid %d) did not record its end within %g s of '
                       'the kill' % (jid, supervisor['pid'], settle))
    if status.state == JobState.LOST:
        sent = stop_processes(lambda: lost_processes(status), _grace(status))
        write_record(status.path, killed_lost_record(status, sent, time.time()))
        return read_job(job_dir, jid)
    return status


def lost_processes(status: JobStatus) -> list:
    """What a lost job left running: its recorded processes and their descendants, and whatever its
    session started after the record was last written. Nothing, for a job of an earlier boot."""
    if status.from_other_boot:
        return []
    found = dict(live_processes(status.processes))
    found.update((pid, start) for pid, start in session_processes(status.session, status.job_start_time))
    return [[pid, start] for pid, start in sorted(found.items())]


def _grace(status: JobStatus) -> float:
    """The job's own grace period between TERM and KILL, as recorded at its start."""
    return status.grace if status.grace is not None else GRACE_DEFAULT


__all__ = ('MODES', 'print_job_result', 'RUNNING_OUTPUT_TAIL', 'STATUS_MUTUALLY_EXCLUSIVE', 'STATUS_PRIVATE_SPEC', 'status_argument_spec', 'Request',
           'make_request', 'run_mode', 'status_mode', 'list_mode', 'kill_mode', 'cleanup_mode', 'stop_job',
           'lost_processes', 'remove_expired', 'sweep_expired', 'sweep_in_background')
