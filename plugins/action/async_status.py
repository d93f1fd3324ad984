# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import importlib.util
import os

import ansible.plugins.action
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash
from ansible_collections.parallel.jobs.plugins.module_utils._control import (
    STATUS_MUTUALLY_EXCLUSIVE,
    status_argument_spec,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError, validate_jid
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import JobState
from ansible_collections.parallel.jobs.plugins.plugin_utils._action import JobAction
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import (
    JobInputError,
    name_entries,
    normalize_jobs,
)

display = Display()

MODULE = 'parallel.jobs.async_status'
# What the executor says when ``poll:`` outlives ``async:`` (ansible-core 2.19/2.20, word for word).
POLL_TIMEOUT_MSG = 'async task did not complete within the requested time - %ss'


_CORE_ACTION = []


def core_action_class():
    """ansible-core's own async_status action, loaded from core's file.

    Activated through ANSIBLE_ACTION_PLUGINS, this file itself is loaded under
    core's module name (ansible.plugins.action.async_status), so core's has to
    be loaded by its path, under a name of its own.
    """
    if not _CORE_ACTION:
        path = os.path.join(os.path.dirname(ansible.plugins.action.__file__), 'async_status.py')
        spec = importlib.util.spec_from_file_location('ansible_collections.parallel.jobs.plugins.action._core_async_status',
                                                      path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _CORE_ACTION.append(module.ActionModule)
    return _CORE_ACTION[0]


class ActionModule(JobAction):
    """Validate, turn what the user has into job ids, run the module once for all of them."""

    ARGUMENT_SPEC = status_argument_spec()
    MUTUALLY_EXCLUSIVE = STATUS_MUTUALLY_EXCLUSIVE

    def run(self, tmp=None, task_vars=None):
        if getattr(self._connection._shell, 'SHELL_FAMILY', None) == 'powershell':
            # Windows jobs are core's (and ansible.windows'): polled exactly as without this collection.
            display.vvv('parallel.jobs.async_status: a PowerShell host, handing over to ansible.builtin.async_status')
            return self._core_action().run(tmp, task_vars)
        return super().run(tmp, task_vars)

    def _core_action(self):
        return core_action_class()(self._task, self._connection, self._play_context, self._loader, self._templar,
                                   self._shared_loader_obj)

    def run_checked(self, args, result, task_vars):
        names = {}
        try:
            if args['jid'] is not None:
                validate_jid(args['jid'])
                del args['jids']
            elif args['jids'] is not None:
                refs = normalize_jobs(args['jids'], 'jids')
                args['jids'] = [ref['jid'] for ref in refs]
                names = {ref['jid']: ref['name'] for ref in refs if ref['name']}
                del args['jid']
            elif args['mode'] != 'list' and not (args['mode'] == 'cleanup' and args['older_than'] is not None):
                raise JobInputError('one of jid or jids is required with mode=%s' % args['mode'])
        except (JobError, JobInputError) as exc:
            result.update(failed=True, msg=str(exc), ansible_job_id=args.get('jid'), started=False, finished=True)
            return result

        args = {key: value for key, value in args.items() if value is not None}
        if 'jid' in args:
            # What core's action presets, so a result has the same keys whatever the module returns.
            result.update(started=False, finished=False, stdout='', stderr='', stdout_lines=[], stderr_lines=[],
                          ansible_job_id=args['jid'])
        result = merge_hash(result, self.run_on_target(MODULE, task_vars, **args))
        name_entries(result.get('jobs') or [], names)
        if 'jid' in args:
            for key in ('started', 'finished'):
                result[key] = bool(result.get(key))
            for key in ('stdout', 'stderr'):
                # A running job's output so far, where core's preset left the lines empty.
                if result.get(key) and not result.get(key + '_lines') and isinstance(result[key], str):
                    result[key + '_lines'] = result[key].splitlines()
            if self.polled_by_executor() and result.get('job_state') == JobState.TIMED_OUT and result.get('job_time_limit'):
                # The job outlived async: the task fails in the words the executor uses when that happens.
                result['msg'] = POLL_TIMEOUT_MSG % int(result['job_time_limit'])
        return result

    def polled_by_executor(self) -> bool:
        """Whether this run is the executor's own polling of an ``async:`` task with ``poll: N``.

        The executor builds that task from a bare dict, outside any block, and
        it takes only a job id; every task of a play sits in a block.
        """
        return self._task._parent is None and set(self._task.args) == {'jid'}
