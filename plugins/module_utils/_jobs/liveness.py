# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Liveness: whether a process a job file names still runs, and which boot this is.

A pid alone is not enough (pids are reused): a process is recorded with its
start time (field 22 of ``/proc/PID/stat``), and a job with the boot id.
"""

from __future__ import annotations

import os

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError

_BOOT_ID = []


def require_proc() -> None:
    """Refuse, saying why, a host without ``/proc``: liveness and process trees are read from it."""
    if not os.path.isdir('/proc/self'):
        raise JobError('parallel.jobs needs a Linux target with /proc mounted (no /proc/self on this host)')


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


__all__ = ('require_proc', 'read_boot_id', 'read_proc_stat', 'process_identity', 'identity_alive')
