# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for async_status's action (``plugins/action/async_status.py``): what it hands to whom.

The target is replaced by a scripted reply; what is tested is the choice
between core's action and ours, and the shape of the result.
"""

from __future__ import annotations

from unittest.mock import MagicMock

from ansible.playbook.block import Block
from ansible.playbook.task import Task
from ansible_collections.parallel.jobs.plugins.action import async_status

JID = 'j1.2'


def _action(args, shell_family='sh', polled=False, reply=None):
    task = Task.load({'action': 'async_status', 'args': dict(args)}, block=None if polled else Block())
    connection = MagicMock()
    connection._shell.SHELL_FAMILY = shell_family
    action = async_status.ActionModule(task=task, connection=connection, play_context=MagicMock(), loader=None,
                                       templar=None, shared_loader_obj=None)
    calls = []

    def run_on_target(module, task_vars, **module_args):
        calls.append(dict(module_args, module=module))
        return dict(reply or {})

    action.run_on_target = run_on_target
    return action, calls


def _run(action):
    return action.run_checked(action.validate_argument_spec(argument_spec=action.ARGUMENT_SPEC)[1], {}, {})


def test_cores_own_action_is_loaded_from_cores_file():
    core = async_status.core_action_class()
    assert core is not async_status.ActionModule
    assert core.__module__.endswith('_core_async_status')
    assert '_get_async_dir' in vars(core)


def test_a_powershell_host_gets_cores_action(monkeypatch):
    seen = []
    core = async_status.core_action_class()
    monkeypatch.setattr(core, 'run', lambda self, tmp=None, task_vars=None: seen.append(type(self)) or {'core': True})
    action, calls = _action({'jid': JID}, shell_family='powershell')
    assert action.run(task_vars={}) == {'core': True}
    assert seen == [core] and calls == []


def test_the_executors_polling_is_told_apart_from_a_task_of_the_play():
    assert _action({'jid': JID}, polled=True)[0].polled_by_executor() is True
    assert _action({'jid': JID})[0].polled_by_executor() is False
    assert _action({'jid': JID, 'mode': 'cleanup'}, polled=True)[0].polled_by_executor() is False


def test_a_job_that_outlived_async_under_poll_fails_in_the_executors_words():
    reply = {'ansible_job_id': JID, 'started': True, 'finished': True, 'failed': True, 'job_state': 'timed_out',
             'job_time_limit': 5, 'msg': 'Timeout exceeded'}
    result = _run(_action({'jid': JID}, polled=True, reply=reply)[0])
    assert result['msg'] == 'async task did not complete within the requested time - 5s'
    # Read by a task of the play, the job file's own words stay.
    result = _run(_action({'jid': JID}, reply=reply)[0])
    assert result['msg'] == 'Timeout exceeded'


def test_a_single_job_result_has_the_keys_cores_action_presets():
    action, calls = _action({'jid': JID}, reply={'ansible_job_id': JID, 'started': 1, 'finished': 0,
                                                 'stdout': 'line 1\nline 2', 'job_state': 'running'})
    result = _run(action)
    assert result['started'] is True and result['finished'] is False
    assert result['stderr'] == '' and result['stderr_lines'] == []
    assert result['stdout_lines'] == ['line 1', 'line 2']
    assert calls == [{'module': 'parallel.jobs.async_status', 'jid': JID, 'mode': 'status', 'force': False}]
