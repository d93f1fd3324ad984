# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Process plumbing of the supervisor: its reply pipe to the launcher, spawning a job's process in a session
of its own, and reading an exit status."""

from __future__ import annotations

import json
import os
import select
import signal
import time

# How long a launcher waits for a supervisor's word that its job runs.
START_TIMEOUT = 30.0
# The signals the supervisor blocks and waits for.
WATCHED_SIGNALS = (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# Dispositions Python changes at start-up or we block: the job gets the defaults back.
RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ) + WATCHED_SIGNALS


def max_fd() -> int:
    try:
        return os.sysconf('SC_OPEN_MAX')
    except (ValueError, OSError):
        return 65536


def read_reply(read_fd: int) -> dict:
    data = b''
    deadline = time.monotonic() + START_TIMEOUT
    # poll, not select: a batch of a thousand jobs holds descriptors above select's limit of 1024.
    poller = select.poll()
    poller.register(read_fd, select.POLLIN)
    try:
        while time.monotonic() < deadline:
            if not poller.poll(max(0.0, deadline - time.monotonic()) * 1000):
                break
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(read_fd)
    try:
        return json.loads(data.decode('utf-8')) if data else {}
    except ValueError:
        return {}


def send_reply(write_fd: int, reply: dict) -> None:
    try:
        os.write(write_fd, json.dumps(reply).encode('utf-8'))
    finally:
        os.close(write_fd)


def redirect_stdio() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if devnull > 2:
        os.close(devnull)


def spawn_process(argv: list, stdin_fd: int, stdout_fd: int, stderr_fd: int, env) -> int:
    """Start ``argv`` in a session of its own with our files as stdin/stdout/stderr."""
    actions = [
        (os.POSIX_SPAWN_DUP2, stdin_fd, 0),
        (os.POSIX_SPAWN_DUP2, stdout_fd, 1),
        (os.POSIX_SPAWN_DUP2, stderr_fd, 2),
    ]
    try:
        # posix_spawn, not subprocess: a new session and reset signals without running Python in the child.
        return os.posix_spawnp(argv[0], argv, env, file_actions=actions, setsid=True,  # pylint: disable=ansible-bad-function
                               setsigmask=(), setsigdef=RESET_SIGNALS)
    except NotImplementedError:
        pass
    # libc without POSIX_SPAWN_SETSID: the same by hand.
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.dup2(stdin_fd, 0)
            os.dup2(stdout_fd, 1)
            os.dup2(stderr_fd, 2)
            for signum in RESET_SIGNALS:
                signal.signal(signum, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, ())
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    return pid


def exit_code(status) -> int | None:
    if status is None:
        return None
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


__all__ = ('START_TIMEOUT', 'WATCHED_SIGNALS', 'RESET_SIGNALS', 'max_fd', 'read_reply', 'send_reply', 'redirect_stdio',
           'spawn_process', 'exit_code')
