# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Controller side: what the collection's action plugins share."""

from __future__ import annotations

import json
import shlex

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.parallel.jobs.plugins.module_utils._control import STATUS_PRIVATE_SPEC, status_argument_spec
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import JOB_DIR_DEFAULT
from ansible_collections.parallel.jobs.plugins.plugin_utils import _direct

display = Display()

STATUS_MODULE = 'parallel.jobs.async_status'
LAUNCH_MODULE = 'parallel.jobs.async_launch'


# The action group of meta/runtime.yml, as module_defaults names it (with or without the collection).
GROUP_NAMES = ('group/parallel.jobs.async', 'group/async')


class JobAction(ActionBase):
    """Check the task's arguments against ``ARGUMENT_SPEC``, then ``run_checked``.

    The target side runs through ``run_on_target``: as a direct
    run (the job code on the interpreter's stdin, no AnsiballZ) where the
    connection allows it, else as the module. Both name the job directory as
    configured (the ``async_dir`` shell option) with ``~`` left for the target
    to expand. The wrapper receives it unexpanded too (as ANSIBLE_ASYNC_DIR)
    and expands it as the user the job runs as; the target side does the same,
    so both name the same directory under become and delegate_to, at no extra
    round trip.
    """

    _supports_check_mode = True
    _supports_async = False

    ARGUMENT_SPEC: dict = {}
    MUTUALLY_EXCLUSIVE: list = []

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        self._drop_other_members_defaults()
        _validation, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC,
                                                        mutually_exclusive=self.MUTUALLY_EXCLUSIVE)
        return self.run_checked(args, result, task_vars)

    def _drop_other_members_defaults(self) -> None:
        """Leave out what ``module_defaults: group/parallel.jobs.async`` sets for the group's other members.

        Core gives every member of a group all of the group's defaults; an
        option only another member takes (async_wait's window, say) would fail
        this one's argument check.
        """
        foreign = set()
        for defaults in self._task.module_defaults or []:
            for name, values in defaults.items():
                if name in GROUP_NAMES and isinstance(values, dict):
                    foreign.update(values)
        for key in foreign - set(self.ARGUMENT_SPEC):
            self._task.args.pop(key, None)

    def run_checked(self, args: dict, result: dict, task_vars) -> dict:
        raise NotImplementedError

    def run_on_target(self, module: str, task_vars, **module_args) -> dict:
        """Run a module's target side: async_status's (its options, and _wait/_poll for a window) or
        async_launch's (``_plan``, a checked launch plan)."""
        module_args['_async_dir'] = self._async_dir()
        if module == STATUS_MODULE:
            params = {key: spec.get('default') for key, spec in dict(status_argument_spec(), **STATUS_PRIVATE_SPEC).items()}
            params.update(module_args)
            request = {'op': 'status', 'params': params, 'check_mode': bool(self._task.check_mode)}
        elif module == LAUNCH_MODULE:
            request = {'op': 'start', 'async_dir': module_args['_async_dir'], 'plan': module_args['_plan']}
            # The module takes the plan as one no_log string: nothing of it reaches the target's log.
            module_args['_plan'] = json.dumps(module_args['_plan'])
        else:
            request = None
        reply = self._run_direct(request, task_vars) if request else None
        if reply is None:
            reply = self._execute_module(module_name=module, module_args=module_args, task_vars=task_vars)
        return reply

    def _async_dir(self) -> str:
        return self.get_shell_option('async_dir', default=JOB_DIR_DEFAULT)

    def _run_direct(self, request: dict, task_vars) -> dict | None:
        """The reply of a direct run (``plugin_utils/_direct.py``), or None where only the module path can run."""
        reason = _direct.unavailable_reason(self._connection, task_vars)
        if reason:
            display.v('parallel.jobs: running the module, not a direct run: %s' % reason)
            return None
        # The interpreter exactly as the module would get it: the host's (or the delegate's)
        # ansible_python_interpreter, or one discovered, discovery results kept as facts.
        built, _path = self._configure_module(module_name=STATUS_MODULE, module_args={}, task_vars=task_vars)
        interpreter = shlex.split(built.shebang[2:])
        res = self._low_level_execute_command(_direct.command(interpreter, self._compute_environment_string()),
                                              sudoable=True, in_data=_direct.script(request))
        # Read as core reads a module's reply (a job's own result may carry a module's exception, warnings...),
        # and with core's words when it is not one (an interpreter not found, a traceback).
        parsed = self._parse_returned_data(res, built.serialization_profile)
        if hasattr(parsed, 'as_result_dict'):
            # ansible-core 2.21: a UnifiedTaskResult.
            parsed.remove_internal_keys()
            if self._discovered_interpreter_key:
                parsed.set_fact(self._discovered_interpreter_key, self._discovered_interpreter)
            return parsed.as_result_dict(for_round_trip=True)
        from ansible.vars.clean import remove_internal_keys

        remove_internal_keys(parsed)
        if self._discovered_interpreter_key:
            parsed.setdefault('ansible_facts', {})[self._discovered_interpreter_key] = self._discovered_interpreter
        return parsed


__all__ = ('GROUP_NAMES', 'STATUS_MODULE', 'LAUNCH_MODULE', 'JobAction')
