# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.parallel.jobs.plugins.plugin_utils._job_dir import raw_job_dir

MODULE = 'parallel.jobs.async_status'


class ActionModule(ActionBase):
    """Validate, pass the job directory unexpanded, run the module once."""

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp

        _validation, args = self.validate_argument_spec(
            argument_spec={
                'jid': {'type': 'str', 'required': True},
                'mode': {'type': 'str', 'choices': ['status', 'cleanup'], 'default': 'status'},
            },
        )
        args['_async_dir'] = raw_job_dir(self)
        result = merge_hash(result, self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        for key in ('started', 'finished'):
            result[key] = bool(result.get(key))
        return result
