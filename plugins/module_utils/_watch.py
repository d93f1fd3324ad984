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

import time

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import JobState, list_entry, read_status
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import (
    file_mark,
    job_path,
    list_job_ids,
    renew_lease,
)

# A running job is re-read when its file changes, and at least this often so
# that a dead supervisor is noticed.
LIVENESS_INTERVAL = 0.5


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
            mark = file_mark(job_path(job_dir, jid))
            if jid not in statuses or mark != marks.get(jid) or liveness_due:
                statuses[jid] = read_status(job_dir, jid)
                marks[jid] = mark
        if liveness_due:
            last_liveness = now
            renew_leases(job_dir, [statuses[jid] for jid in pending])
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


def renew_leases(job_dir: str, statuses) -> None:
    """A read renews the lease of each job read that runs with one: someone still waits for it."""
    for status in statuses:
        if status.state == JobState.RUNNING and status.meta.get('lease'):
            renew_lease(job_dir, status.jid)


def list_jobs(job_dir: str, now: float | None = None) -> list:
    """Every job in the job directory, oldest first, as short entries (no module results)."""
    now = time.time() if now is None else now
    entries = [list_entry(read_status(job_dir, jid), now) for jid in list_job_ids(job_dir)]
    entries = [entry for entry in entries if entry is not None]
    entries.sort(key=lambda entry: -entry['age'])
    return entries


__all__ = ('LIVENESS_INTERVAL', 'watch_jobs', 'renew_leases', 'list_jobs')
