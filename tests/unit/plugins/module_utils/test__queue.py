# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the queue's file names, its order and its atomic steps (``module_utils/_queue.py``)."""

from __future__ import annotations

import os

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError
from ansible_collections.parallel.jobs.plugins.module_utils._queue import (
    check_queue_name,
    claim,
    parse_spec_name,
    queue_positions,
    queued_specs,
    spec_name,
    withdraw,
)


def test_a_spec_file_name_carries_the_job_the_queue_and_the_order():
    name = spec_name('j12.34', 'images', 1795435200123456)
    assert name == 'j12.34.queued-images-00001795435200123456'
    assert parse_spec_name(name) == ('j12.34', 'images', 1795435200123456)


@pytest.mark.parametrize('name', ['j12.34', 'j12.34.queued-images', 'j12.34.queued-images-123',
                                  '../x.queued-images-00001795435200123456', 'j12.34.queued-a.b-00001795435200123456',
                                  'j12.34.queued-images-00001795435200123456.starting'])
def test_other_names_are_no_spec_files(name):
    assert parse_spec_name(name) is None


@pytest.mark.parametrize('name', ['', 'a' * 65, 'a b', '../up', 'a.b', 'é'])
def test_bad_queue_names_are_refused(name):
    with pytest.raises(JobError, match='invalid queue name'):
        check_queue_name(name)


def _queue(job_dir: str, queue: str, jids: list, first_seq: int) -> None:
    for offset, jid in enumerate(jids):
        with open(os.path.join(job_dir, spec_name(jid, queue, first_seq + offset)), 'w') as handle:
            handle.write('{"job": {"name": "%s"}}' % jid)


def test_positions_follow_the_order_of_queueing_in_each_queue(job_dir):
    _queue(job_dir, 'a', ['j3.1', 'j1.1'], 100)
    _queue(job_dir, 'b', ['j2.1'], 50)
    _queue(job_dir, 'a', ['j9.1'], 200)
    assert [jid for _seq, jid, _name in queued_specs(job_dir, 'a')] == ['j3.1', 'j1.1', 'j9.1']
    assert queue_positions(job_dir) == {'j3.1': ('a', 1), 'j1.1': ('a', 2), 'j9.1': ('a', 3), 'j2.1': ('b', 1)}


def test_a_job_leaves_the_queue_once_started_or_withdrawn_never_both(job_dir):
    _queue(job_dir, 'a', ['j3.1', 'j1.1'], 100)
    first = queued_specs(job_dir, 'a')[0][2]
    assert claim(job_dir, first) == {'job': {'name': 'j3.1'}}
    # Taken by the runner: a kill can no longer withdraw it, and it is not claimed twice.
    assert withdraw(job_dir, 'j3.1') is False
    assert claim(job_dir, first) is None
    assert withdraw(job_dir, 'j1.1') is True
    assert queued_specs(job_dir) == [] and os.listdir(job_dir) == []
