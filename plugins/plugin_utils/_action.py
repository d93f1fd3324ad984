# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Controller side: what the collection's action plugins share."""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import JOB_DIR_DEFAULT


# The action group of meta/runtime.yml, as module_defaults names it (with or without the collection).
GROUP_NAMES = ('group/parallel.jobs.async', 'group/async')


class JobAction(ActionBase):
    """Check the task's arguments against ``ARGUMENT_SPEC``, then ``run_checked``.

    Modules run through ``run_on_target``, which names the job directory as
    configured (the ``async_dir`` shell option) with ``~`` left for the target
    to expand. The wrapper receives it unexpanded too (as ANSIBLE_ASYNC_DIR)
    and expands it as the user the job runs as; the modules do the same, so
    both name the same directory under become and delegate_to, at no extra
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
        module_args['_async_dir'] = self.get_shell_option('async_dir', default=JOB_DIR_DEFAULT)
        return self._execute_module(module_name=module, module_args=module_args, task_vars=task_vars)


__all__ = ('GROUP_NAMES', 'JobAction')
