# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the controller-side job inputs (``plugin_utils/_job_inputs.py``)."""

from __future__ import annotations

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import JobState, count_states
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import (
    JobInputError,
    job_label,
    last_output_line,
    normalize_jobs,
    outcome_message,
    progress_line,
)


def _started(jid: str, **extra) -> dict:
    """What ``register`` holds after a task run with ``async: N`` and ``poll: 0``."""
    result = {'ansible_job_id': jid, 'started': 1, 'finished': 0, 'results_file': '/root/.ansible_async/' + jid,
              'changed': True}
    result.update(extra)
    return result


def _loop(*items) -> dict:
    """What ``register`` holds after a looped task."""
    return {'changed': True, 'msg': 'All items completed', 'results': list(items)}


def _refs(*pairs) -> list:
    return [{'jid': jid, 'name': name} for jid, name in pairs]


# ---------------------------------------------------------------------------
# normalize_jobs: what it accepts

ACCEPTED = [
    pytest.param('j1.2', _refs(('j1.2', None)), id='jid-string'),
    pytest.param('123.456', _refs(('123.456', None)), id='old-style-jid-string'),
    pytest.param({'ansible_job_id': 'j1.2', 'started': True, 'finished': False},
                 _refs(('j1.2', None)), id='registered-poll-0-result'),
    pytest.param(_started('j1.2'), _refs(('j1.2', None)), id='registered-poll-0-result-full'),
    pytest.param(_loop(_started('j1.1', item='a'), {'skipped': True, 'item': 'x', 'skip_reason': 'no'},
                       _started('j1.3', item='c')),
                 _refs(('j1.1', None), ('j1.3', None)), id='loop-result-skipped-item-left-out'),
    pytest.param({'jobs': [{'name': 'backup', 'ansible_job_id': 'j1.2'}]},
                 _refs(('j1.2', 'backup')), id='async-start-like-keeps-name'),
    pytest.param({'changed': True, 'jobs': [{'name': 'backup', 'ansible_job_id': 'j1.2'},
                                            {'ansible_job_id': 'j1.3'},
                                            {'name': 'restore', 'ansible_job_id': 'j1.4'}]},
                 _refs(('j1.2', 'backup'), ('j1.3', None), ('j1.4', 'restore')), id='async-start-like-several'),
    pytest.param({'jobs': ['j1.2', 'j1.3']}, _refs(('j1.2', None), ('j1.3', None)), id='jobs-list-of-strings'),
    pytest.param(['j1.1', _started('j1.2'), _loop(_started('j1.3'), {'skipped': True, 'item': 'x'}),
                  {'jobs': [{'name': 'backup', 'ansible_job_id': 'j1.4'}]}],
                 _refs(('j1.1', None), ('j1.2', None), ('j1.3', None), ('j1.4', 'backup')),
                 id='list-mixing-strings-dicts-loop-results'),
    pytest.param(('j1.1', 'j1.2'), _refs(('j1.1', None), ('j1.2', None)), id='tuple'),
    pytest.param([['j1.1'], [['j1.2']]], _refs(('j1.1', None), ('j1.2', None)), id='nested-lists'),
    pytest.param(['j1.2', 'j1.1', 'j1.2', _started('j1.1'), 'j1.3', 'j1.1'],
                 _refs(('j1.2', None), ('j1.1', None), ('j1.3', None)), id='repeats-dropped-first-order-kept'),
    pytest.param([{'jobs': [{'name': 'first', 'ansible_job_id': 'j1.2'}]},
                  {'name': 'second', 'ansible_job_id': 'j1.2'}],
                 _refs(('j1.2', 'first')), id='repeat-keeps-first-name'),
    pytest.param(['j1.2', {'name': 'later', 'ansible_job_id': 'j1.2'}],
                 _refs(('j1.2', None)), id='repeat-keeps-first-even-without-name'),
    pytest.param([{'skipped': True, 'skip_reason': 'Conditional result was False'}, 'j1.2'],
                 _refs(('j1.2', None)), id='skipped-task-beside-a-jid'),
    pytest.param({'name': 5, 'ansible_job_id': 'j1.2'}, _refs(('j1.2', None)), id='non-string-name-ignored'),
    pytest.param(_loop({'skipped': True, 'ansible_job_id': 'j1.2'}), _refs(('j1.2', None)),
                 id='skipped-item-with-a-jid-is-kept'),
]


@pytest.mark.parametrize('value, expected', ACCEPTED)
def test_normalize_jobs_accepts(value, expected):
    assert normalize_jobs(value) == expected


def test_normalize_jobs_does_not_change_its_input():
    value = [_loop(_started('j1.1'), {'skipped': True, 'item': 'x'}), 'j1.1']
    before = repr(value)
    normalize_jobs(value)
    assert repr(value) == before


# ---------------------------------------------------------------------------
# normalize_jobs: what it refuses, and the message naming where

REFUSED = [
    # (value, location the message starts with, text the message must hold)
    pytest.param([], 'jobs', 'no job ids found', id='empty-list'),
    pytest.param({}, 'jobs', 'has no ansible_job_id, jobs or results', id='empty-dict'),
    pytest.param(5, 'jobs', 'an integer 5', id='int'),
    pytest.param(None, 'jobs', 'null None', id='none'),
    pytest.param(True, 'jobs', 'bool', id='bool'),
    pytest.param(False, 'jobs', 'bool', id='bool-false'),
    pytest.param(1.5, 'jobs', 'a number 1.5', id='float'),
    pytest.param(b'j1.2', 'jobs', 'bytes', id='bytes'),
    pytest.param(['j1.1', 7], 'jobs[1]', 'an integer 7', id='int-in-list'),
    pytest.param(['j1.1', None], 'jobs[1]', 'null None', id='none-in-list'),
    pytest.param(['j1.1', True], 'jobs[1]', 'bool', id='bool-in-list'),
    pytest.param({'changed': False, 'rc': 0}, 'jobs', 'has no ansible_job_id, jobs or results', id='dict-without-keys'),
    pytest.param(['j1.1', {'changed': False, 'stdout': 'hi'}], 'jobs[1]', "'stdout': 'hi'",
                 id='dict-without-keys-in-list'),
    pytest.param({'failed': True, 'msg': 'boom'}, 'jobs', 'boom', id='failed-start'),
    pytest.param(['j1.1', {'failed': True, 'msg': 'boom'}], 'jobs[1]', 'boom', id='failed-start-in-list'),
    pytest.param(_loop({'failed': True, 'msg': 'boom', 'item': 'a'}), 'jobs.results[0]', 'boom',
                 id='failed-loop-item'),
    pytest.param(_loop(_started('j1.1'), {'skipped': True, 'item': 'b'}, {'failed': True, 'msg': 'boom'}),
                 'jobs.results[2]', 'boom', id='failed-loop-item-after-others'),
    pytest.param(['j1.1', _loop(_started('j1.2'), {'failed': True, 'msg': 'boom'})], 'jobs[1].results[1]', 'boom',
                 id='failed-loop-item-in-list'),
    pytest.param({'failed': True}, 'jobs', 'no message', id='failed-start-without-msg'),
    pytest.param('../x', 'jobs', "'../x'", id='traversal-jid'),
    pytest.param('/etc/passwd', 'jobs', "'/etc/passwd'", id='absolute-path-jid'),
    pytest.param(['j1.1', '../x'], 'jobs[1]', "'../x'", id='traversal-jid-in-list'),
    pytest.param({'ansible_job_id': '../x'}, 'jobs.ansible_job_id', "'../x'", id='traversal-in-ansible-job-id'),
    pytest.param(_loop(_started('j1.1'), _started('/etc/passwd')), 'jobs.results[1].ansible_job_id',
                 "'/etc/passwd'", id='absolute-path-in-loop-item'),
    pytest.param({'jobs': [{'name': 'x', 'ansible_job_id': 'j1/../../x'}]}, 'jobs.jobs[0].ansible_job_id',
                 "'j1/../../x'", id='traversal-in-async-start-like'),
    pytest.param({'ansible_job_id': 5}, 'jobs.ansible_job_id', 'int', id='non-string-ansible-job-id'),
    pytest.param('', 'jobs', 'empty', id='empty-string'),
    pytest.param([{'skipped': True, 'item': 'x'}, {'skipped': True, 'item': 'y'}], 'jobs', 'no job ids found',
                 id='list-of-only-skipped-items'),
    pytest.param(_loop({'skipped': True, 'item': 'x'}, {'skipped': True, 'item': 'y'}), 'jobs', 'no job ids found',
                 id='loop-of-only-skipped-items'),
    pytest.param({'skipped': True, 'skip_reason': 'Conditional result was False'}, 'jobs', 'no job ids found',
                 id='skipped-task'),
    pytest.param({'jobs': []}, 'jobs', 'no job ids found', id='async-start-like-without-jobs'),
    pytest.param(_loop(), 'jobs', 'no job ids found', id='loop-without-items'),
]


@pytest.mark.parametrize('value, where, text', REFUSED)
def test_normalize_jobs_refuses(value, where, text):
    with pytest.raises(JobInputError) as info:
        normalize_jobs(value)
    message = str(info.value)
    assert message.startswith(where + ': '), message
    assert text in message


def test_normalize_jobs_message_uses_the_option_name():
    with pytest.raises(JobInputError) as info:
        normalize_jobs(['j1.1', '../x'], option='wait_for')
    assert str(info.value).startswith('wait_for[1]: ')


def test_normalize_jobs_shortens_a_long_value_in_the_message():
    value = {'stdout': 'x' * 1000}
    with pytest.raises(JobInputError) as info:
        normalize_jobs(value)
    assert len(str(info.value)) < 300
    assert '...' in str(info.value)


def test_job_input_error_is_a_value_error():
    assert issubclass(JobInputError, ValueError)


# ---------------------------------------------------------------------------
# Labels and messages


def _entry(jid: str, state: str, reason: str = '', name=None) -> dict:
    """A job entry as async_status returns it (``job_name`` for jobs async_start named)."""
    entry = {'ansible_job_id': jid, 'started': True, 'finished': state in JobState.ENDED, 'job_state': state,
             'job_reason': reason}
    if name is not None:
        entry['job_name'] = name
    return entry


@pytest.mark.parametrize('entry, expected', [
    ({'ansible_job_id': 'j1.1'}, 'j1.1'),
    ({'ansible_job_id': 'j1.1', 'job_name': 'backup'}, 'backup (j1.1)'),
    # A module's own "name" result (user, group, ...) is not the job's name.
    ({'ansible_job_id': 'j1.1', 'name': 'alice'}, 'j1.1'),
    ({'ansible_job_id': 'j1.1', 'job_name': None}, 'j1.1'),
    ({'ansible_job_id': 'j1.1', 'job_name': ''}, 'j1.1'),
    ({}, '?'),
])
def test_job_label(entry, expected):
    assert job_label(entry) == expected


def test_outcome_message_all_finished():
    entries = [_entry('j1.%d' % n, JobState.FINISHED, 'finished, rc=0') for n in range(3)]
    assert outcome_message(entries, JobState.BAD) == 'all 3 jobs ended'


def test_outcome_message_some_still_running():
    entries = [_entry('j1.1', JobState.FINISHED, 'finished'), _entry('j1.2', JobState.RUNNING, 'running'),
               _entry('j1.3', JobState.FINISHED, 'finished')]
    assert outcome_message(entries, JobState.BAD) == '2 of 3 jobs ended'


def test_outcome_message_mixed():
    entries = [
        _entry('j1.1', JobState.FAILED, 'rc=2'),
        _entry('j1.2', JobState.FINISHED, 'finished, rc=0'),
        _entry('j1.3', JobState.LOST, 'its supervisor (pid 42) is gone'),
        _entry('j1.4', JobState.FINISHED, 'finished, rc=0'),
    ]
    message = outcome_message(entries, JobState.BAD)
    assert message.startswith('2 of 4 jobs failed: ')
    assert 'j1.1 rc=2' in message
    assert 'j1.3 lost (its supervisor (pid 42) is gone)' in message
    assert message == '2 of 4 jobs failed: j1.1 rc=2, j1.3 lost (its supervisor (pid 42) is gone)'
    assert 'j1.2' not in message and 'j1.4' not in message


def test_outcome_message_names_jobs_that_have_a_name():
    entries = [
        _entry('j1.1', JobState.FAILED, 'rc=2: disk full', name='backup'),
        _entry('j1.2', JobState.TIMED_OUT, 'timed out after 10 s'),
        _entry('j1.3', JobState.FINISHED, 'finished', name='restore'),
    ]
    message = outcome_message(entries, JobState.BAD)
    assert message == '2 of 3 jobs failed: backup (j1.1) rc=2: disk full, j1.2 timed out (timed out after 10 s)'


@pytest.mark.parametrize('state, reason, shown', [
    (JobState.FAILED, 'rc=2', 'j1.1 rc=2'),
    (JobState.TIMED_OUT, 'timed out', 'j1.1 timed out (timed out)'),
    (JobState.TIMED_OUT, '', 'j1.1 timed out'),
    (JobState.KILLED, 'killed by signal 9', 'j1.1 killed (killed by signal 9)'),
    (JobState.LOST, 'the host rebooted after the job started', 'j1.1 lost (the host rebooted after the job started)'),
    (JobState.CORRUPT, 'the job file is empty', 'j1.1 corrupt (the job file is empty)'),
    (JobState.NOT_FOUND, 'no job file /x/j1.1', 'j1.1 not found (no job file /x/j1.1)'),
])
def test_outcome_message_reason_per_state(state, reason, shown):
    entries = [_entry('j1.1', state, reason), _entry('j1.2', JobState.FINISHED, 'finished')]
    assert outcome_message(entries, JobState.BAD) == '1 of 2 jobs failed: ' + shown


def test_outcome_message_fail_on_filters_what_counts():
    entries = [
        _entry('j1.1', JobState.FAILED, 'rc=2'),
        _entry('j1.2', JobState.LOST, 'its supervisor (pid 42) is gone'),
        _entry('j1.3', JobState.TIMED_OUT, 'timed out'),
        _entry('j1.4', JobState.FINISHED, 'finished'),
    ]
    assert outcome_message(entries, [JobState.FAILED]) == (
        '1 of 4 jobs failed: j1.1 rc=2; ended badly but not failing the task (fail_on): '
        'j1.2 lost (its supervisor (pid 42) is gone), j1.3 timed out (timed out)')
    assert outcome_message(entries, [JobState.LOST, JobState.TIMED_OUT]) == (
        '2 of 4 jobs failed: j1.2 lost (its supervisor (pid 42) is gone), j1.3 timed out (timed out); '
        'ended badly but not failing the task (fail_on): j1.1 rc=2')
    # Nothing counts as a failure: every job has ended, and the bad endings are still named.
    assert outcome_message(entries, []) == (
        'all 4 jobs ended; ended badly but not failing the task (fail_on): j1.1 rc=2, '
        'j1.2 lost (its supervisor (pid 42) is gone), j1.3 timed out (timed out)')


def test_fail_on_default_is_every_bad_ending():
    assert set(JobState.BAD) == set(JobState.ENDED) - {JobState.FINISHED}


@pytest.mark.parametrize('counts, total, expected', [
    ({JobState.RUNNING: 3, JobState.FINISHED: 6, JobState.FAILED: 1}, 10, 'web1: 7/10 jobs ended, 1 failed'),
    ({JobState.RUNNING: 0, JobState.FINISHED: 4}, 4, 'web1: 4/4 jobs ended'),
    ({JobState.RUNNING: 4}, 4, 'web1: 0/4 jobs ended'),
    ({JobState.FINISHED: 2, JobState.TIMED_OUT: 1}, 3, 'web1: 3/3 jobs ended, 1 timed out'),
    ({JobState.RUNNING: 1, JobState.NOT_FOUND: 2, JobState.FAILED: 0}, 3, 'web1: 2/3 jobs ended, 2 not found'),
    ({JobState.FAILED: 1, JobState.TIMED_OUT: 2, JobState.KILLED: 3, JobState.LOST: 4, JobState.CORRUPT: 5,
      JobState.NOT_FOUND: 6}, 21,
     'web1: 21/21 jobs ended, 1 failed, 2 timed out, 3 killed, 4 lost, 5 corrupt, 6 not found'),
])
def test_progress_line(counts, total, expected):
    assert progress_line('web1', counts, total) == expected


def test_progress_line_from_count_states_omits_zero_states():
    entries = ([_entry('j1.%d' % n, JobState.RUNNING) for n in range(3)]
               + [_entry('j2.%d' % n, JobState.FINISHED) for n in range(6)]
               + [_entry('j3.1', JobState.FAILED, 'rc=1')])
    assert progress_line('web1', count_states(entries), len(entries)) == 'web1: 7/10 jobs ended, 1 failed'


@pytest.mark.parametrize('entry, expected', [
    ({'stdout': 'one\ntwo\n\n'}, 'two'),
    ({'stdout': '', 'stderr': 'warning: x\n'}, 'warning: x'),
    ({'stdout': '   \n'}, ''),
    ({}, ''),
    ({'stdout': 'x' * 300}, 'x' * 197 + '...'),
])
def test_last_output_line(entry, expected):
    assert last_output_line(entry) == expected
