# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Reading many jobs at once on the target, and waiting for them there.

Waiting happens on the target so that the controller pays one round trip per
window instead of one per job per retry, and notices a job's end within a
fraction of a second instead of after a ``delay``.
"""

from __future__ import annotations

import os
import time

from ansible_collections.parallel.jobs.plugins.module_utils._jobs import (
    JobError,
    JobState,
    JobStatus,
    is_jid,
    job_entry,
    job_path,
    read_job,
)

# A running job is re-read when its file changes, and at least this often so
# that a dead supervisor is noticed.
LIVENESS_INTERVAL = 0.5


def read_status(job_dir: str, jid: str) -> JobStatus:
    """Like read_job, but a file that cannot be read (a planted symlink, a directory) is a corrupt job, not an error."""
    try:
        return read_job(job_dir, jid)
    except JobError as exc:
        return JobStatus(jid, JobState.CORRUPT, str(exc), job_path(job_dir, jid))


def _file_mark(path: str):
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def watch_jobs(job_dir: str, jids: list, window: float, poll: float, clock=time.monotonic, sleep=time.sleep) -> tuple:
    """Read ``jids`` until every one has ended or ``window`` seconds have passed.

    Returns ``(statuses, checks, noticed)``: the last status of each job in the
    order given, how many times the pending jobs were checked, and for each job
    that ended during the watch, when (epoch seconds) the watch saw it end.
    """
    statuses, marks, noticed = {}, {}, {}
    pending = list(jids)
    start = clock()
    last_liveness = None
    checks = 0
    while True:
        now = clock()
        liveness_due = last_liveness is None or now - last_liveness >= LIVENESS_INTERVAL
        for jid in pending:
            mark = _file_mark(job_path(job_dir, jid))
            if jid not in statuses or mark != marks.get(jid) or liveness_due:
                statuses[jid] = read_status(job_dir, jid)
                marks[jid] = mark
        if liveness_due:
            last_liveness = now
        checks += 1
        seen_at = time.time()
        for jid in pending:
            if statuses[jid].ended:
                noticed[jid] = seen_at
        pending = [jid for jid in pending if not statuses[jid].ended]
        remaining = window - (clock() - start)
        if not pending or remaining <= 0:
            break
        sleep(min(poll, remaining))
    return [statuses[jid] for jid in jids], checks, noticed


def count_states(entries) -> dict:
    """How many of ``entries`` (job entries or statuses) are in each state."""
    counts = dict.fromkeys(JobState.ALL, 0)
    for entry in entries:
        state = entry.state if isinstance(entry, JobStatus) else entry.get('job_state')
        if state in counts:
            counts[state] += 1
    return counts


def list_jobs(job_dir: str, now: float | None = None) -> list:
    """Every job in the job directory, oldest first, as short entries (no module results)."""
    now = time.time() if now is None else now
    entries = []
    try:
        names = os.listdir(job_dir)
    except OSError as exc:
        raise JobError('cannot list job directory %s: %s' % (job_dir, exc.strerror))
    for name in names:
        if not is_jid(name):
            continue
        status = read_status(job_dir, name)
        try:
            modified = os.lstat(status.path).st_mtime
        except OSError:
            continue
        started = status.meta.get('started_at')
        age = now - (started if isinstance(started, (int, float)) else modified)
        entry = {key: value for key, value in job_entry(status).items()
                 if key in ('ansible_job_id', 'started', 'finished', 'results_file', 'job_state', 'job_reason',
                            'job_elapsed', 'rc')}
        entry['age'] = round(max(0.0, age), 3)
        module = status.meta.get('module')
        if isinstance(module, str):
            entry['module'] = module.replace('AnsiballZ_', '').rsplit('.py', 1)[0]
        name_given = status.meta.get('name')
        if isinstance(name_given, str):
            entry['name'] = name_given
        entries.append(entry)
    entries.sort(key=lambda entry: -entry['age'])
    return entries


__all__ = ('LIVENESS_INTERVAL', 'read_status', 'watch_jobs', 'count_states', 'list_jobs')
