# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import JobState
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import JobInputError, check_bounds, normalize_jobs
from ansible_collections.parallel.jobs.plugins.plugin_utils._waiting import (
    LIMITS,
    MAX_RECONNECTS_DEFAULT,
    POLL_DEFAULT,
    WINDOW_DEFAULT,
    WaitingAction,
)


class ActionModule(WaitingAction):
    """Wait for all of a host's jobs together, the target doing the waiting, one round trip per window."""

    ARGUMENT_SPEC = {
        'jobs': {'type': 'raw', 'required': True},
        'timeout': {'type': 'float', 'default': 3600.0},
        'poll': {'type': 'float', 'default': POLL_DEFAULT},
        'window': {'type': 'float', 'default': WINDOW_DEFAULT},
        'cleanup': {'type': 'bool', 'default': True},
        'show_output': {'type': 'bool', 'default': False},
        'max_reconnects': {'type': 'int', 'default': MAX_RECONNECTS_DEFAULT},
        'on_timeout': {'type': 'str', 'choices': ['leave', 'kill'], 'default': 'leave'},
        'fail_on': {'type': 'list', 'elements': 'str', 'choices': list(JobState.BAD), 'default': list(JobState.BAD)},
    }

    def run_checked(self, args, result, task_vars):
        try:
            check_bounds(args, LIMITS, unit=' seconds')
            check_bounds(args, {'max_reconnects': (0, 1000)})
            refs = normalize_jobs(args['jobs'])
        except JobInputError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        return self.wait_for([ref['jid'] for ref in refs], {ref['jid']: ref['name'] for ref in refs}, args,
                             task_vars, result, started=self._clock())
