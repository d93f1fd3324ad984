# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for async_wait's deadline loop and verdict (``plugins/action/async_wait.py``, ``plugin_utils/_waiting.py``).

The target is replaced by scripted replies: what is tested is the loop over
windows (reconnects, the deadline, failures) and the result it shapes.
"""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from ansible.errors import AnsibleConnectionFailure
from ansible_collections.parallel.jobs.plugins.action.async_wait import ActionModule

JIDS = ['j1.1', 'j2.1']


def _entry(jid: str, state: str = 'running') -> dict:
    return {'ansible_job_id': jid, 'job_state': state, 'finished': state != 'running', 'job_reason': state}


class FakeTarget:
    """Scripted async_status replies, one per window; an exception in the script is raised instead."""

    def __init__(self, clock, script):
        self.clock, self.script, self.calls = clock, list(script), []

    def __call__(self, module, task_vars, **args):
        self.calls.append(dict(args, module=module))
        if args.get('mode') == 'cleanup':
            return {'changed': True, 'erased': []}
        self.clock.now += args.get('_wait', 0)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def _action(script, **task_args):
    task = MagicMock()
    task.async_val = 0
    task.check_mode = False
    task.diff = False
    task.environment = None
    task.args = dict(task_args)
    action = ActionModule(task=task, connection=MagicMock(), play_context=MagicMock(), loader=None, templar=None,
                          shared_loader_obj=None)
    clock = FakeClock()
    action._clock = clock
    action._sleep = clock.sleep
    action.run_on_target = FakeTarget(clock, script)
    return action, clock


def _run(action):
    return action.run_checked(action.validate_argument_spec(argument_spec=action.ARGUMENT_SPEC)[1], {},
                              {'inventory_hostname': 'web1'})


def test_one_window_when_all_jobs_end_in_it():
    action, _clock = _action([{'jobs': [_entry(JIDS[0], 'finished'), _entry(JIDS[1], 'finished')]}], jobs=JIDS)
    result = _run(action)
    assert result['failed'] is False and result['rounds'] == 1
    assert result['msg'] == 'all 2 jobs ended'
    # One run on the target: the window that returns the results also collects them.
    [window] = action.run_on_target.calls
    assert window['jids'] == JIDS and window['_wait'] == 30.0 and window['_collect'] is True


def test_without_cleanup_nothing_is_collected():
    action, _clock = _action([{'jobs': [_entry(JIDS[0], 'finished'), _entry(JIDS[1], 'finished')]}], jobs=JIDS,
                             cleanup=False)
    _run(action)
    assert [call['_collect'] for call in action.run_on_target.calls] == [False]


def test_a_later_window_asks_only_for_the_jobs_still_running():
    action, _clock = _action([
        {'jobs': [_entry(JIDS[0], 'finished'), _entry(JIDS[1])]},
        {'jobs': [_entry(JIDS[1], 'failed')]},
    ], jobs=JIDS, window=5)
    result = _run(action)
    waits = [call['jids'] for call in action.run_on_target.calls if call.get('mode') != 'cleanup']
    assert waits == [JIDS, [JIDS[1]]]
    assert result['failed'] is True and result['rounds'] == 2
    assert result['msg'] == '1 of 2 jobs failed: j2.1 failed'


def test_a_dropped_connection_is_reset_and_the_window_run_again():
    action, clock = _action([
        AnsibleConnectionFailure('ssh went away'),
        {'jobs': [_entry(JIDS[0], 'finished'), _entry(JIDS[1], 'finished')]},
    ], jobs=JIDS)
    result = _run(action)
    assert result['failed'] is False and result['reconnects'] == 1 and result['rounds'] == 1
    assert action._connection.reset.called
    assert clock.sleeps == [1.0]


def test_a_dropped_connection_too_close_to_the_deadline_is_raised():
    action, _clock = _action([AnsibleConnectionFailure('ssh went away')], jobs=JIDS, timeout=0.5)
    with pytest.raises(AnsibleConnectionFailure):
        _run(action)


def test_the_timeout_names_the_jobs_still_running_and_the_last_window_is_cut_to_the_deadline():
    action, _clock = _action([
        {'jobs': [_entry(JIDS[0], 'finished'), _entry(JIDS[1])]},
        {'jobs': [_entry(JIDS[1])]},
    ], jobs=JIDS, timeout=45, window=30)
    result = _run(action)
    waits = [call['_wait'] for call in action.run_on_target.calls if call.get('mode') != 'cleanup']
    assert waits == [30.0, 15.0]
    assert result['failed'] is True
    assert result['msg'] == 'timed out after 45.0 s with 1 of 2 jobs still running: j2.1'
    # Every window collects what it returns as ended; the running job is asked for again, never collected.
    assert [call['jids'] for call in action.run_on_target.calls] == [JIDS, [JIDS[1]]]


def test_a_failed_read_on_the_target_fails_the_wait_with_its_message():
    action, _clock = _action([{'failed': True, 'msg': 'job directory /x is a symlink; refusing to use it'}], jobs=JIDS)
    result = _run(action)
    assert result == {'failed': True, 'msg': 'job directory /x is a symlink; refusing to use it', 'rounds': 1}


def _controller_dies_after(action, windows: int) -> None:
    """The worker's parent is pid 4242 (the controller) until ``windows`` windows have run, then init."""
    action._parent_pid = lambda: 4242 if len(action.run_on_target.calls) < windows else 1


def test_a_gone_controller_stops_the_wait_before_the_next_window_and_removes_nothing():
    action, _clock = _action([
        {'jobs': [_entry(JIDS[0], 'finished'), _entry(JIDS[1])]},
        {'jobs': [_entry(JIDS[1], 'finished')]},
    ], jobs=JIDS, window=5)
    _controller_dies_after(action, 1)
    result = _run(action)
    assert [call.get('mode') for call in action.run_on_target.calls] == [None]
    assert result == {'failed': True, 'rounds': 1,
                      'msg': 'the controller (pid 4242) is gone: stopped waiting, the job files are left in place'}


def test_a_controller_gone_during_the_last_window_leaves_the_finished_jobs_files():
    action, _clock = _action([{'jobs': [_entry(JIDS[0], 'finished'), _entry(JIDS[1], 'finished')]}], jobs=JIDS)
    _controller_dies_after(action, 1)
    result = _run(action)
    assert [call.get('mode') for call in action.run_on_target.calls] == [None]
    assert result['failed'] is True and 'is gone' in result['msg']


def test_a_live_controller_is_not_taken_for_gone():
    action, _clock = _action([
        {'jobs': [_entry(JIDS[0], 'finished'), _entry(JIDS[1])]},
        {'jobs': [_entry(JIDS[1], 'finished')]},
    ], jobs=JIDS, window=5)
    _controller_dies_after(action, 99)
    result = _run(action)
    assert result['failed'] is False
    # Both windows ran; the second collected what it returned (no separate cleanup run).
    assert [call['_collect'] for call in action.run_on_target.calls] == [True, True]


def test_progress_keeps_each_change_of_counts_with_its_time():
    action, _clock = _action([
        {'jobs': [_entry(JIDS[0]), _entry(JIDS[1])]},
        {'jobs': [_entry(JIDS[0]), _entry(JIDS[1])]},
        {'jobs': [_entry(JIDS[0], 'finished'), _entry(JIDS[1], 'lost')]},
    ], jobs=JIDS, window=5)
    result = _run(action)
    assert [(entry['elapsed'], entry['msg']) for entry in result['progress']] == [
        (5.0, 'web1: 0/2 jobs ended'), (15.0, 'web1: 2/2 jobs ended, 1 lost')]
    assert result['progress'][0]['counts']['running'] == 2
    assert result['progress'][1]['counts'] == result['counts']


def test_an_orphaned_process_sees_its_controller_gone(tmp_path):
    """A real orphan: a child whose parent exits is adopted by another process, as core's workers are."""
    import os
    import subprocess
    import sys
    import textwrap

    verdict = tmp_path / 'verdict'
    script = textwrap.dedent('''
        import os, sys, time
        from ansible_collections.parallel.jobs.plugins.plugin_utils._waiting import controller_gone
        if os.fork() == 0:
            controller = os.getppid()
            before = controller_gone(controller, os.getppid())
            os.write(1, b"forked\\n")
            deadline = time.monotonic() + 10
            while os.getppid() == controller and time.monotonic() < deadline:
                time.sleep(0.01)
            with open(sys.argv[1], "w") as handle:
                handle.write("%s %s" % (before, controller_gone(controller, os.getppid())))
            os._exit(0)
        sys.stdin.readline()
    ''')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    parent = subprocess.Popen([sys.executable, '-c', script, str(verdict)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, env=env)
    assert parent.stdout.readline() == b'forked\n'
    # The child holds the pipe open until it has written its verdict and exited.
    parent.communicate(b'exit\n', timeout=15)
    assert verdict.read_text() == 'False True'


def test_reconnect_pauses_double_up_to_a_cap_and_reset_after_a_window_that_went_through():
    drop = AnsibleConnectionFailure('ssh went away')
    action, clock = _action([drop, drop, drop, {'jobs': [_entry(JIDS[0], 'finished'), _entry(JIDS[1])]},
                             drop, {'jobs': [_entry(JIDS[1], 'finished')]}], jobs=JIDS, window=5)
    result = _run(action)
    assert result['failed'] is False and result['reconnects'] == 4 and result['rounds'] == 2
    assert clock.sleeps == [1.0, 2.0, 4.0, 1.0]


def test_more_connection_failures_in_a_row_than_max_reconnects_end_the_wait_saying_so():
    drop = AnsibleConnectionFailure('Connection refused')
    action, clock = _action([drop] * 4, jobs=JIDS, max_reconnects=3)
    expected = 'gave up waiting after 4 connection failures in a row .*Connection refused'
    with pytest.raises(AnsibleConnectionFailure, match=expected):
        _run(action)
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_max_reconnects_is_checked():
    action, _clock = _action([], jobs=JIDS, max_reconnects=-1)
    result = _run(action)
    assert result['failed'] is True and 'max_reconnects=-1 must be between 0 and 1000' in result['msg']


def test_the_wait_is_changed_when_a_job_changed_something():
    quiet = _entry(JIDS[0], 'finished')
    action, _clock = _action([{'jobs': [quiet, dict(_entry(JIDS[1], 'finished'), changed=True)]}], jobs=JIDS)
    assert _run(action)['changed'] is True
    action, _clock = _action([{'jobs': [quiet, dict(_entry(JIDS[1], 'finished'), changed=False)]}], jobs=JIDS)
    assert _run(action)['changed'] is False


def test_on_timeout_kill_stops_the_jobs_still_running_and_says_so():
    action, _clock = _action([
        {'jobs': [_entry(JIDS[0], 'finished'), _entry(JIDS[1])]},
        {'jobs': [_entry(JIDS[1])]},
        {'jobs': [_entry(JIDS[1], 'killed')]},
    ], jobs=JIDS, timeout=8, window=5, on_timeout='kill')
    result = _run(action)
    assert [call.get('mode') for call in action.run_on_target.calls] == [None, None, 'kill']
    assert action.run_on_target.calls[2]['jids'] == [JIDS[1]]
    assert result['failed'] is True
    assert result['msg'] == 'timed out after 8.0 s with 1 of 2 jobs still running, killed: j2.1'
    assert result['jobs'][1]['job_state'] == 'killed' and result['jobs'][1]['job_killed_at_timeout'] is True
