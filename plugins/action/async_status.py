# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.utils.vars import merge_hash
from ansible_collections.parallel.jobs.plugins.module_utils._control import (
    STATUS_MUTUALLY_EXCLUSIVE,
    status_argument_spec,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError, validate_jid
from ansible_collections.parallel.jobs.plugins.plugin_utils._action import JobAction
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import (
    JobInputError,
    name_entries,
    normalize_jobs,
)

MODULE = 'parallel.jobs.async_status'


class ActionModule(JobAction):
    """Validate, turn what the user has into job ids, run the module once for all of them."""

    ARGUMENT_SPEC = status_argument_spec()
    MUTUALLY_EXCLUSIVE = STATUS_MUTUALLY_EXCLUSIVE

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
            elif args['mode'] != 'list':
                raise JobInputError('one of jid or jids is required with mode=%s' % args['mode'])
        except (JobError, JobInputError) as exc:
            result.update(failed=True, msg=str(exc), ansible_job_id=args.get('jid'), started=False, finished=True)
            return result

        args = {key: value for key, value in args.items() if value is not None}
        result = merge_hash(result, self.run_on_target(MODULE, task_vars, **args))
        name_entries(result.get('jobs') or [], names)
        if 'started' in result or 'jid' in args:
            for key in ('started', 'finished'):
                result[key] = bool(result.get(key))
        return result
