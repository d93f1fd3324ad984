# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Controller side: what the collection's action plugins share."""

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import JOB_DIR_DEFAULT


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
        _validation, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC,
                                                        mutually_exclusive=self.MUTUALLY_EXCLUSIVE)
        return self.run_checked(args, result, task_vars)

    def run_checked(self, args: dict, result: dict, task_vars) -> dict:
        raise NotImplementedError

    def run_on_target(self, module: str, task_vars, **module_args) -> dict:
        module_args['_async_dir'] = self.get_shell_option('async_dir', default=JOB_DIR_DEFAULT)
        return self._execute_module(module_name=module, module_args=module_args, task_vars=task_vars)


__all__ = ('JobAction',)
