# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""A per-host job queue: at most N jobs of a queue run at once, the others wait in order.

async_start with ``max_running`` accepts every job at once: each gets its job
id and a ``queued`` record, and what it needs to start later goes to a private
spec file ``<jid>.queued-<queue>-<seq>`` (the name carries the queue and the
order, so positions come from one directory listing). One detached runner per
queue and job directory starts queued jobs, in order, as slots free up, each
under the usual supervisor; so the time limit of a queued job counts from its
own start, and the queue goes on when the controller goes away.

A job leaves the queue by an atomic step on its spec file: the runner renames
it (starting the job), a kill unlinks it (the job never starts). Whichever
comes first wins, so a queued job never both starts and reads as killed.

The runner holds an exclusive lock on ``.queue-<queue>.lock`` while it runs
and records itself in ``.queue-<queue>.runner`` (pid and start time), which is
what readers check: a queued job whose runner is gone reads as ``lost``.
Launchers write their spec files first and then try the lock; the runner,
about to leave, drops the lock and looks once more for spec files, so a job
queued just then is never left without a runner.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import signal
import time

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError, is_jid
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.liveness import identity_alive, process_identity
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import (
    list_names,
    open_new_private,
    read_file_nofollow,
    write_atomic,
    write_record,
)
from ansible_collections.parallel.jobs.plugins.module_utils._proctree import run_detached


QUEUE_NAME_RE = re.compile(r'\A[A-Za-z0-9_-]{1,64}\Z')
QUEUED_MARK = '.queued-'
_SPEC_RE = re.compile(r'\A(?P<jid>.+)\.queued-(?P<queue>[A-Za-z0-9_-]{1,64})-(?P<seq>[0-9]{20})\Z')
MAX_RUNNING_LIMIT = 10000
# How often the runner looks at its running jobs and its queue; and how long it stays with nothing queued.
RUNNER_TICK = 0.5
# What wakes the runner: a supervisor of its ending, a launcher that queued jobs.
_WAKE_SIGNALS = (signal.SIGCHLD, signal.SIGUSR1)
RUNNER_LINGER = 2.0


def check_queue_name(name) -> str:
    if not isinstance(name, str) or not QUEUE_NAME_RE.match(name):
        raise JobError('invalid queue name %r: 1 to 64 letters, digits, _ or -' % (name,))
    return name


def spec_name(jid: str, queue: str, seq: int) -> str:
    return '%s%s%s-%020d' % (jid, QUEUED_MARK, queue, seq)


def parse_spec_name(name: str):
    """``(jid, queue, seq)`` of a spec file name, or None."""
    match = _SPEC_RE.match(name)
    if not match or not is_jid(match.group('jid')):
        return None
    return match.group('jid'), match.group('queue'), int(match.group('seq'))


def queued_specs(job_dir: str, queue: str | None = None) -> list:
    """``[(seq, jid, file name)]`` of the jobs waiting in ``queue`` (every queue if None), first in line first."""
    found = []
    for name in list_names(job_dir):
        if QUEUED_MARK not in name:
            continue
        parsed = parse_spec_name(name)
        if parsed and (queue is None or parsed[1] == queue):
            found.append((parsed[2], parsed[0], name))
    found.sort()
    return found


def queue_positions(job_dir: str) -> dict:
    """``{jid: (queue, position)}`` of every waiting job, position 1 being next to start."""
    positions, seen = {}, {}
    for _seq, jid, name in queued_specs(job_dir):
        queue = parse_spec_name(name)[1]
        seen[queue] = seen.get(queue, 0) + 1
        positions[jid] = (queue, seen[queue])
    return positions


def _lock_path(job_dir: str, queue: str) -> str:
    return os.path.join(job_dir, '.queue-%s.lock' % queue)


def _runner_path(job_dir: str, queue: str) -> str:
    return os.path.join(job_dir, '.queue-%s.runner' % queue)


def runner_alive(job_dir: str, queue: str) -> bool:
    data = read_file_nofollow(_runner_path(job_dir, queue))
    try:
        return identity_alive(json.loads(data.decode('utf-8'))) if data else False
    except ValueError:
        return False


def enqueue(job_dir: str, queue: str, max_running: int, items: list) -> None:
    """Queue prepared jobs: ``items`` are ``(jid, queued record, what the runner needs to start it)``.

    Each job's record is written before its spec file, so a job is never
    started before it can be read; then a runner is made sure of.
    """
    write_atomic(os.path.join(job_dir, '.queue-%s.max' % queue), [str(max_running).encode()])
    # The runner first (it lingers a while with nothing queued): no queued record is ever read without one.
    ensure_runner(job_dir, queue)
    seq = time.time_ns() // 1000
    for index, (jid, record, start_data) in enumerate(items):
        write_record(os.path.join(job_dir, jid), record)
        write_atomic(os.path.join(job_dir, spec_name(jid, queue, seq + index)),
                     [json.dumps(start_data).encode('utf-8', errors='surrogateescape')])
    _wake_runner(job_dir, queue)


def _wake_runner(job_dir: str, queue: str) -> None:
    """Tell the runner that jobs wait (SIGUSR1), rather than have it find them at its next look."""
    data = read_file_nofollow(_runner_path(job_dir, queue))
    try:
        identity = json.loads(data.decode('utf-8')) if data else None
        if identity_alive(identity):
            os.kill(identity['pid'], signal.SIGUSR1)
    except (ValueError, OSError):
        pass


def ensure_runner(job_dir: str, queue: str) -> None:
    """Start the queue's runner unless one holds its lock."""
    fd = _open_lock(job_dir, queue)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return  # a runner holds it, and looks for new spec files before it leaves
        raise
    try:
        run_detached(_run, job_dir, queue, fd, keep_fd=fd)
    finally:
        os.close(fd)
    deadline = time.monotonic() + 10
    while not runner_alive(job_dir, queue):
        if time.monotonic() > deadline:
            raise JobError('the runner of queue %s did not start' % queue)
        time.sleep(0.005)


def _open_lock(job_dir: str, queue: str) -> int:
    path = _lock_path(job_dir, queue)
    try:
        return open_new_private(path)
    except FileExistsError:
        return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)


def claim(job_dir: str, name: str) -> dict | None:
    """Take a waiting job out of the queue to start it: its start data, or None if a kill took it first."""
    path = os.path.join(job_dir, name)
    starting = path + '.starting'
    try:
        os.rename(path, starting)
    except FileNotFoundError:
        return None
    try:
        data = read_file_nofollow(starting)
        return json.loads(data.decode('utf-8', errors='surrogateescape'))
    finally:
        os.unlink(starting)


def withdraw(job_dir: str, jid: str) -> bool:
    """Take a waiting job out of its queue so it never starts; False if it has left the queue already."""
    for _seq, queued_jid, name in queued_specs(job_dir):
        if queued_jid == jid:
            try:
                os.unlink(os.path.join(job_dir, name))
                return True
            except FileNotFoundError:
                return False
    return False


def _run(job_dir: str, queue: str, lock_fd: int) -> int:
    """The runner: start the queue's jobs in order, at most ``max`` at a time, until none is waiting.

    The supervisors it starts are its children, so the end of one (SIGCHLD)
    wakes it at once to start the next; it also looks every RUNNER_TICK for
    jobs queued by later tasks.
    """
    # Imported here: only the runner starts jobs.
    from ansible_collections.parallel.jobs.plugins.module_utils._launch import begin_queued, confirm_queued

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_BLOCK, _WAKE_SIGNALS)
    write_atomic(_runner_path(job_dir, queue), [json.dumps(process_identity(os.getpid())).encode()])
    children = set()
    # Jobs of this queue that an earlier runner started and that still run hold their slots.
    others = running_supervisors(job_dir, queue)
    idle_since = None
    while True:
        _reap(children)
        others = [identity for identity in others if identity_alive(identity)]
        waiting = queued_specs(job_dir, queue)
        slots = _max_running(job_dir, queue) - len(children) - len(others)
        pending = []
        for _seq, jid, name in waiting[:max(0, slots)]:
            start_data = claim(job_dir, name)
            if start_data is not None:
                pending.append((jid, start_data, begin_queued(job_dir, jid, start_data, queue)))
        # Forked first, confirmed after: the supervisors of a round set up side by side.
        for jid, start_data, started in pending:
            if started is not None:
                pid = confirm_queued(job_dir, jid, start_data, started)
                if pid is not None:
                    children.add(pid)
        if waiting:
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= RUNNER_LINGER:
            # Leave, then look once more: a launcher that found the lock taken wrote its spec files before.
            fcntl.flock(lock_fd, fcntl.LOCK_UN)
            if not queued_specs(job_dir, queue):
                return 0
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return 0  # another runner has taken over
            idle_since = None
        if not pending:
            signal.sigtimedwait(_WAKE_SIGNALS, RUNNER_TICK)


def _reap(children: set) -> None:
    while children:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        children.discard(pid)


def running_supervisors(job_dir: str, queue: str) -> list:
    from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import JobState, read_status
    from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import list_job_ids

    found = []
    for jid in list_job_ids(job_dir):
        status = read_status(job_dir, jid)
        if status.state == JobState.RUNNING and status.meta.get('queue') == queue and status.supervisor:
            found.append(status.supervisor)
    return found


def _max_running(job_dir: str, queue: str) -> int:
    data = read_file_nofollow(os.path.join(job_dir, '.queue-%s.max' % queue))
    try:
        return max(1, int(data.decode()))
    except (AttributeError, ValueError):
        return 1


__all__ = ('QUEUE_NAME_RE', 'MAX_RUNNING_LIMIT', 'check_queue_name', 'spec_name', 'parse_spec_name', 'queued_specs',
           'queue_positions', 'runner_alive', 'enqueue', 'ensure_runner', 'claim', 'withdraw')
