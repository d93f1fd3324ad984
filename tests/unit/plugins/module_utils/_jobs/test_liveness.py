# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the target-side job model (``module_utils/_jobs/liveness.py``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.liveness import (
    identity_alive,
    process_identity,
    read_proc_stat,
)

JID = 'j123.456'


# ---------------------------------------------------------------------------
# Liveness


def test_read_proc_stat_of_self():
    info = read_proc_stat(os.getpid())
    assert info['ppid'] == os.getppid()
    assert info['session'] == os.getsid(0)
    assert isinstance(info['start_time'], int) and info['start_time'] > 0
    assert info['state'] in ('R', 'S')


def test_read_proc_stat_with_parentheses_and_spaces_in_the_command_name():
    # PR_SET_NAME = 15: the child renames itself to a name that looks like more fields.
    code = ("import ctypes, sys, time\n"
            "ctypes.CDLL(None).prctl(15, b'a) 1 2 (b', 0, 0, 0)\n"
            "sys.stdout.write('ok\\n'); sys.stdout.flush(); time.sleep(30)\n")
    proc = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b'ok\n'
        with open('/proc/%d/comm' % proc.pid) as handle:
            assert handle.read().strip() == 'a) 1 2 (b'
        info = read_proc_stat(proc.pid)
        assert info['ppid'] == os.getpid()
        assert info['session'] == os.getsid(0)
        assert info['state'] in ('R', 'S')
        assert info['start_time'] >= read_proc_stat(os.getpid())['start_time']
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def test_read_proc_stat_of_a_reaped_child(dead_pid):
    assert read_proc_stat(dead_pid) is None


def test_process_identity(dead_pid):
    start_time = read_proc_stat(os.getpid())['start_time']
    assert process_identity(os.getpid()) == {'pid': os.getpid(), 'start_time': start_time}
    assert process_identity(dead_pid) is None


def test_identity_alive_for_self():
    assert identity_alive(process_identity(os.getpid()))


def test_identity_alive_false_for_a_reaped_child():
    proc = subprocess.Popen(['sleep', '30'])
    identity = process_identity(proc.pid)
    assert identity_alive(identity)
    proc.kill()
    proc.wait()
    assert not identity_alive(identity)


def test_identity_alive_false_for_a_zombie():
    proc = subprocess.Popen(['true'])
    try:
        identity = None
        deadline = time.monotonic() + 10
        while True:
            info = read_proc_stat(proc.pid)
            if identity is None and info is not None:
                identity = {'pid': proc.pid, 'start_time': info['start_time']}
            if info is not None and info['state'] == 'Z':
                break
            assert time.monotonic() < deadline, 'the child never became a zombie'
            time.sleep(0.01)
        assert not identity_alive(identity)
    finally:
        proc.wait()


def test_identity_alive_false_for_a_wrong_start_time():
    identity = process_identity(os.getpid())
    assert not identity_alive({'pid': identity['pid'], 'start_time': identity['start_time'] + 1})
    assert not identity_alive({'pid': identity['pid'], 'start_time': None})
    assert not identity_alive({'pid': identity['pid']})


@pytest.mark.parametrize('identity', [None, {}, {'pid': -1}, {'pid': 0}, {'pid': '1'}, {'pid': None}, 'pid', [1, 2], 5])
def test_identity_alive_false_for_garbage(identity):
    assert identity_alive(identity) is False
