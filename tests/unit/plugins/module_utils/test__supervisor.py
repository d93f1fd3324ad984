# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the supervisor's settings (``module_utils/_supervisor.py``)."""

from __future__ import annotations

import errno
import signal

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import GRACE_DEFAULT, META_KEY
from ansible_collections.parallel.jobs.plugins.module_utils._proctree import signal_name
from ansible_collections.parallel.jobs.plugins.module_utils import _supervisor
from ansible_collections.parallel.jobs.plugins.module_utils._settings import core_enforced_limit, parse_grace

JID = 'j123.456'
TRAILER = {'started': True, 'finished': True, 'ansible_job_id': JID,
           META_KEY: {'format': 1, 'outcome': 'completed', 'rc': 0, 'processes': []}}


# ---------------------------------------------------------------------------
# Grace period and signal names


@pytest.mark.parametrize('value, expected', [
    (None, GRACE_DEFAULT),
    ('', GRACE_DEFAULT),
    ('2.5', 2.5),
    ('0', 0.0),
    ('3600', 3600.0),
    (' 7 ', 7.0),
    (3, 3.0),
])
def test_parse_grace(value, expected):
    assert GRACE_DEFAULT == 5.0
    assert parse_grace(value) == expected


@pytest.mark.parametrize('value', ['abc', '-1', '3601', '-0.5', 'nan', 'inf', '1e9', [1]])
def test_parse_grace_refuses(value):
    with pytest.raises(JobError) as info:
        parse_grace(value)
    assert 'PARALLEL_JOBS_GRACE' in str(info.value)
    assert repr(value) in str(info.value)


@pytest.mark.parametrize('signum, name', [
    (signal.SIGTERM, 'SIGTERM'),
    (signal.SIGKILL, 'SIGKILL'),
    (int(signal.SIGINT), 'SIGINT'),
    (0, 'signal 0'),
    (999, 'signal 999'),
])
def test_signal_name(signum, name):
    assert signal_name(signum) == name


@pytest.mark.parametrize('limit, enforced', [(1, 1.0), (3, 3.0), (5, 5.0), (6, 10.0), (10, 10.0), (11, 15.0), (360, 360.0)])
def test_the_drop_in_wrapper_never_stops_a_job_earlier_than_cores_wrapper(limit, enforced):
    assert core_enforced_limit(limit) == enforced


# ---------------------------------------------------------------------------
# Writes that fail (disk full)


def _failing(times: int, calls: list):
    def write():
        calls.append(1)
        if len(calls) <= times:
            raise OSError(errno.ENOSPC, 'No space left on device')
    return write


def test_a_write_is_tried_again_until_it_succeeds(monkeypatch):
    monkeypatch.setattr(_supervisor, 'RETRY_PAUSE', 0.001)
    calls = []
    assert _supervisor._retry(_failing(3, calls), 5.0) is None
    assert len(calls) == 4


def test_a_write_that_keeps_failing_returns_its_last_error(monkeypatch):
    monkeypatch.setattr(_supervisor, 'RETRY_PAUSE', 0.001)
    calls = []
    error = _supervisor._retry(_failing(10 ** 6, calls), 0.05)
    assert isinstance(error, OSError) and error.errno == errno.ENOSPC
    assert len(calls) > 1


def test_a_failed_refresh_is_not_fatal_and_is_tried_again(monkeypatch, job_dir):
    spec = _supervisor.JobSpec(job_dir=job_dir, jid=JID, kind='command', argv=['true'], time_limit=10, grace=1.0)
    supervisor = _supervisor._Supervisor(spec)
    supervisor.meta.processes = [[1, 10]]

    def full():
        raise OSError(errno.ENOSPC, 'No space left on device')

    monkeypatch.setattr(supervisor, 'write_running', full)
    supervisor.refresh([[1, 10], [2, 20]])
    # Not recorded: the next look at the tree differs again, and writes again.
    assert supervisor.meta.processes == [[1, 10]]
    monkeypatch.undo()
    supervisor.refresh([[1, 10], [2, 20]])
    assert supervisor.meta.processes == [[1, 10], [2, 20]]
