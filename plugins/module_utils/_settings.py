# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""A job's settings from the task's options or environment: grace, lease, retention, core's time limit.

Each is checked here, once, with an error that names the variable and the value.
"""

from __future__ import annotations

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import GRACE_DEFAULT

GRACE_ENV = 'PARALLEL_JOBS_GRACE'
LEASE_ENV = 'PARALLEL_JOBS_LEASE'
LEASE_LIMITS = (2.0, 7 * 24 * 3600.0)
# Jobs that ended longer ago than this are removed when a job is next started in their directory.
RETENTION_ENV = 'PARALLEL_JOBS_RETENTION'
RETENTION_DEFAULT = 7 * 24 * 3600
RETENTION_MAX = 10 * 365 * 24 * 3600


def parse_grace(value) -> float:
    """Seconds between TERM and KILL, from an option or the environment variable."""
    if value is None or value == '':
        return GRACE_DEFAULT
    try:
        grace = float(value)
    except (TypeError, ValueError):
        raise JobError('%s=%r is not a number of seconds' % (GRACE_ENV, value))
    if not 0 <= grace <= 3600:
        raise JobError('%s=%r must be between 0 and 3600 seconds' % (GRACE_ENV, value))
    return grace


def parse_lease(value, name: str = LEASE_ENV) -> float | None:
    """Seconds a job may go unread before it is stopped (None: no lease), from an option or the environment."""
    if value is None or value == '' or value == 0 or value == '0':
        return None
    try:
        lease = float(value)
    except (TypeError, ValueError):
        raise JobError('%s=%r is not a number of seconds' % (name, value))
    if not LEASE_LIMITS[0] <= lease <= LEASE_LIMITS[1]:
        raise JobError('%s=%r must be 0 (no lease) or between %g and %g seconds' % ((name, value) + LEASE_LIMITS))
    return lease


def parse_retention(value) -> int:
    """Seconds after which ended jobs are removed (0: never), from an option or PARALLEL_JOBS_RETENTION."""
    if value is None or value == '':
        return RETENTION_DEFAULT
    try:
        seconds = int(str(value).strip())
    except ValueError:
        raise JobError('%s=%r is not a whole number of seconds' % (RETENTION_ENV, value))
    if not 0 <= seconds <= RETENTION_MAX:
        raise JobError('%s=%r must be between 0 (keep jobs) and %d seconds' % (RETENTION_ENV, value, RETENTION_MAX))
    return seconds


def core_enforced_limit(time_limit: int) -> float:
    """When core's wrapper stops a job with this limit: it checks every 5 s (every limit/2 up to 5 s), so a
    limit above 5 s takes effect at the next multiple of 5. Unchanged playbooks must not see a job stopped earlier."""
    if time_limit <= 5:
        return float(time_limit)
    return float(-(-time_limit // 5) * 5)


__all__ = ('GRACE_ENV', 'LEASE_ENV', 'LEASE_LIMITS', 'RETENTION_ENV', 'RETENTION_DEFAULT', 'RETENTION_MAX', 'parse_grace',
           'parse_lease', 'parse_retention', 'core_enforced_limit')
