# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures shared by the target-side unit tests: a private job directory, a zero umask, a dead pid."""

from __future__ import annotations

import os
import subprocess

import pytest


@pytest.fixture
def umask_zero():
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def job_dir(tmp_path):
    path = tmp_path / 'jobs'
    path.mkdir()
    os.chmod(str(path), 0o700)
    return str(path)


@pytest.fixture
def dead_pid() -> int:
    """The pid of a child that has exited and been reaped."""
    proc = subprocess.Popen(['true'])
    proc.wait()
    return proc.pid
