# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for a job's processes under /proc (``module_utils/_proctree.py``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.liveness import read_proc_stat
from ansible_collections.parallel.jobs.plugins.module_utils._proctree import (
    kill_all,
    live_processes,
    process_tree,
    session_processes,
)

# ---------------------------------------------------------------------------
# Process trees


def _wait_for_tree(root_pid, child_pid, want, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        tree = process_tree(root_pid)
        pids = [pid for pid, _start in tree]
        if child_pid in pids and len([pid for pid in pids if pid != child_pid]) >= want:
            return tree
        assert time.monotonic() < deadline, 'process tree never showed up: %r' % tree
        time.sleep(0.02)


def test_process_tree_and_live_processes_of_a_real_child_tree():
    proc = subprocess.Popen(['sh', '-c', 'sleep 30 & sleep 30 & wait'])
    try:
        tree = _wait_for_tree(os.getpid(), proc.pid, 2)
        by_pid = dict((pid, start) for pid, start in tree)
        assert len(by_pid) == len(tree)
        grandchildren = sorted(pid for pid in by_pid if pid != proc.pid)
        assert len(grandchildren) == 2
        for pid, start_time in tree:
            info = read_proc_stat(pid)
            assert info['start_time'] == start_time
        for pid in grandchildren:
            assert read_proc_stat(pid)['ppid'] == proc.pid
        assert all(isinstance(pair, list) and len(pair) == 2 for pair in tree)

        # The recorded shell with its real start time brings its live descendants along.
        sh_start = by_pid[proc.pid]
        found = live_processes([[proc.pid, sh_start]])
        assert found == sorted([[pid, by_pid[pid]] for pid in [proc.pid] + grandchildren])
        # A pid whose start time does not match is another process: not ours to report.
        assert live_processes([[proc.pid, sh_start + 1]]) == []
        assert live_processes([(str(proc.pid), str(sh_start))]) == found

        for pid in grandchildren:
            os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)
        remaining = [pid for pid, _start in process_tree(os.getpid())]
        assert proc.pid not in remaining
        assert not set(grandchildren) & set(remaining)
        assert live_processes([[proc.pid, sh_start]]) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_process_tree_of_a_process_without_children():
    proc = subprocess.Popen(['sleep', '30'])
    try:
        start = read_proc_stat(proc.pid)['start_time']
        assert process_tree(proc.pid) == []
        assert live_processes([[proc.pid, start]]) == [[proc.pid, start]]
    finally:
        proc.kill()
        proc.wait()


def test_process_tree_of_a_missing_pid():
    proc = subprocess.Popen(['true'])
    proc.wait()
    assert process_tree(proc.pid) == []


@pytest.mark.parametrize('recorded', [None, [], [None], [['x', 1]], [[1]], ['ab'], [[None, None]]])
def test_live_processes_skips_garbage(recorded):
    assert live_processes(recorded) == []


# A subreaper (as the supervisor is) over a process that forks and exits in a loop: its pid hops, and every
# hop reparents to the reaper, which reaps them and exits once it has no child left.
HOPPER_UNDER_REAPER = (
    'import ctypes, os, time\n'
    'ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)\n'
    'if os.fork() == 0:\n'
    '    while True:\n'
    '        if os.fork():\n'
    '            os._exit(0)\n'
    '        time.sleep(0.002)\n'
    'while True:\n'
    '    try:\n'
    '        os.wait()\n'
    '    except ChildProcessError:\n'
    '        break\n'
)


def test_kill_all_stops_a_process_whose_pid_keeps_hopping():
    """A walk-then-kill races a process that forks and exits in a loop; freezing first does not."""
    reaper = subprocess.Popen([sys.executable, '-c', HOPPER_UNDER_REAPER])
    try:
        deadline = time.monotonic() + 5
        while not process_tree(reaper.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert process_tree(reaper.pid), 'the hopper did not start'
        kill_all(lambda: process_tree(reaper.pid))
        # The reaper exits only when no child of its tree is left.
        assert reaper.wait(timeout=10) == 0
    finally:
        if reaper.poll() is None:
            for pid, _start in process_tree(reaper.pid):
                os.kill(pid, signal.SIGKILL)
            reaper.kill()
            reaper.wait()


def test_a_session_whose_leader_pid_was_reused_is_nobody_s_to_stop():
    proc = subprocess.Popen(['sleep', '30'], start_new_session=True)
    try:
        start = read_proc_stat(proc.pid)['start_time']
        # The job's own process (the session's leader) as recorded: its processes are found.
        assert [pid for pid, _start in session_processes(proc.pid, start)] == [proc.pid]
        # A record naming a leader of another start time: the pid was reused, and that session is someone else's.
        assert session_processes(proc.pid, start - 1) == []
    finally:
        proc.kill()
        proc.wait()
