# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the supervisor's settings (``module_utils/_supervisor.py``)."""

from __future__ import annotations

import signal

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import GRACE_DEFAULT, META_KEY
from ansible_collections.parallel.jobs.plugins.module_utils._proctree import signal_name
from ansible_collections.parallel.jobs.plugins.module_utils._supervisor import core_enforced_limit, parse_grace

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
