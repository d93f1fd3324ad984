# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""A job's processes under ``/proc``: walking the tree, signalling it, stopping it.

Processes are named as ``[pid, start_time]`` pairs so that a pid reused by an
unrelated process is never signalled.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.liveness import read_proc_stat

_PR_SET_CHILD_SUBREAPER = 36


def set_child_subreaper() -> bool:
    """Make orphaned descendants (double-forked, setsid) reparent to this process instead of init."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return 'signal %d' % signum


def _children(pid: int) -> list:
    """Direct children of ``pid``, from /proc/PID/task/*/children (no full /proc scan)."""
    found = []
    try:
        tasks = os.listdir('/proc/%d/task' % pid)
    except OSError:
        return found
    for tid in tasks:
        try:
            with open('/proc/%d/task/%s/children' % (pid, tid)) as handle:
                found.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return found


def process_tree(root: int) -> list:
    """Live descendants of ``root`` as ``[pid, start_time]`` pairs (zombies left out)."""
    tree = []
    pending = _children(root)
    seen = set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        info = read_proc_stat(pid)
        if info is None:
            continue
        if info['state'] != 'Z':
            tree.append([pid, info['start_time']])
        pending.extend(_children(pid))
    return tree


def live_processes(recorded) -> list:
    """Those of the recorded ``[pid, start_time]`` pairs that still run, plus their descendants."""
    found = {}
    for entry in recorded or ():
        try:
            pid, start_time = int(entry[0]), int(entry[1])
        except (TypeError, ValueError, IndexError):
            continue
        info = read_proc_stat(pid)
        if info is None or info['start_time'] != start_time or info['state'] == 'Z':
            continue
        found[pid] = start_time
        for child, child_start in process_tree(pid):
            found[child] = child_start
    return [[pid, start] for pid, start in sorted(found.items())]


def session_processes(session, not_before) -> list:
    """Live processes of ``session`` that started at or after ``not_before`` (clock ticks since boot).

    What a job whose supervisor was lost may have started after its record
    was last written: they are in the job's session, and no older than the job.
    ``not_before`` is the start time of the job's own process, the session's
    leader. Linux reuses a pid only once no process has it as its session or
    group id, so while any process of the job's session lives its id names
    only that session; once the leader's pid belongs to a process of another
    start time, the whole session of that id is someone else's.
    """
    if not isinstance(session, int) or session <= 0 or not isinstance(not_before, int):
        return []
    leader = read_proc_stat(session)
    if leader is not None and leader['start_time'] != not_before:
        return []
    found = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        info = read_proc_stat(int(name))
        if info and info['session'] == session and info['start_time'] >= not_before and info['state'] != 'Z':
            found.append([int(name), info['start_time']])
    return sorted(found)


def signal_processes(processes, signum: int) -> None:
    for pid, start_time in processes:
        info = read_proc_stat(pid)
        if info is None or info['start_time'] != start_time:
            continue
        try:
            os.kill(pid, signum)
        except OSError:
            pass


def stop_processes(list_processes, grace: float, reap=None) -> str | None:
    """TERM everything ``list_processes()`` returns, wait up to ``grace``, then KILL until none is left.

    Returns the name of the last signal sent, or None if nothing was running.
    ``reap`` is called while waiting so that a parent can collect its children.
    """
    processes = list_processes()
    if not processes:
        return None
    signal_processes(processes, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if reap:
            reap()
        if not list_processes():
            return 'SIGTERM'
        time.sleep(0.05)
    kill_all(list_processes, reap)
    return 'SIGKILL'


def kill_all(list_processes, reap=None, rounds: int = 500) -> None:
    """SIGKILL everything ``list_processes()`` returns, without a race against processes that fork.

    A walk of the tree races a process that forks and exits in a loop (its
    pid hops). So each round freezes first: SIGSTOP to every process found,
    walked again until nothing new appears (a stopped process cannot fork),
    then SIGKILL to all of them. It ends after two walks in a row find nothing.
    """
    empty_walks = 0
    for _round in range(rounds):
        processes = list_processes()
        if not processes:
            empty_walks += 1
            if empty_walks >= 2:
                return
            time.sleep(0.01)
            continue
        empty_walks = 0
        frozen = set()
        while processes and len(frozen) < 100000:
            signal_processes(processes, signal.SIGSTOP)
            frozen.update((pid, start) for pid, start in processes)
            processes = [entry for entry in list_processes() if (entry[0], entry[1]) not in frozen]
        signal_processes([list(entry) for entry in frozen], signal.SIGKILL)
        if reap:
            reap()
        time.sleep(0.01)


def run_detached(func, *args, keep_fd: int | None = None) -> None:
    """Run ``func(*args)`` in a process of its own session, nobody's child here, with its stdio on /dev/null
    and no descriptor of ours but ``keep_fd``; return once it is on its way."""
    first = os.fork()
    if first:
        os.waitpid(first, 0)
        return
    code = 1
    try:
        os.setsid()
        if os.fork() == 0:
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            if keep_fd is None:
                os.closerange(3, 65536)
            else:
                os.closerange(3, keep_fd)
                os.closerange(keep_fd + 1, 65536)
            code = func(*args) or 0
        else:
            code = 0
    finally:
        os._exit(code)


def peak_rss() -> int | None:
    """This process's peak resident memory in bytes (VmHWM), recorded so memory claims can be checked."""
    try:
        with open('/proc/self/status') as handle:
            for line in handle:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


__all__ = ('set_child_subreaper', 'signal_name', 'process_tree', 'live_processes', 'session_processes',
           'signal_processes', 'kill_all',
           'stop_processes', 'peak_rss', 'run_detached')
