# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import JobKind
from ansible_collections.parallel.jobs.plugins.plugin_utils._action import LAUNCH_MODULE, JobAction
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import JobInputError
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_specs import parse_job_specs, plan_entry
from ansible_collections.parallel.jobs.plugins.plugin_utils._module_payloads import ModulePayloads


class ActionModule(JobAction):
    """Check every job, build one launch plan, start it with one module run per host."""

    ARGUMENT_SPEC = {
        'jobs': {'type': 'list', 'elements': 'raw', 'required': True},
        'timeout': {'type': 'int', 'default': 3600},
        'grace': {'type': 'float', 'default': 5.0},
        'output_limit': {'type': 'int', 'default': 1024 * 1024},
    }

    def run_checked(self, args, result, task_vars):
        try:
            specs = parse_job_specs(args['jobs'], args)
            if self._task.check_mode:
                result.update(changed=True, jids={}, msg='would start %d jobs' % len(specs),
                              jobs=[dict(_summary(spec), started=False, skipped=True) for spec in specs])
                return result
            payloads = ModulePayloads(self, task_vars)
            plan_jobs = []
            for index, spec in enumerate(specs):
                job = plan_entry(spec)
                if spec['kind'] == JobKind.MODULE:
                    job.update(payloads.add(index, spec))
                plan_jobs.append(job)
        except JobInputError as exc:
            result.update(failed=True, msg=str(exc))
            return result

        reply = self.run_on_target(LAUNCH_MODULE, task_vars, _plan={'jobs': plan_jobs, 'payloads': payloads.payloads})
        if reply.get('failed'):
            result.update(failed=True, msg=reply.get('msg', 'starting the jobs failed'))
            return result

        jobs = [dict(_summary(spec), **entry) for spec, entry in zip(specs, reply['jobs'])]
        not_started = [job for job in jobs if not job['started']]
        result.update(
            changed=len(not_started) < len(jobs),
            jobs=jobs,
            jids={job['name']: job['ansible_job_id'] for job in jobs if job.get('ansible_job_id')},
        )
        if not_started:
            result['failed'] = True
            result['msg'] = '%d of %d jobs did not start (the other %d did): %s' % (
                len(not_started), len(jobs), len(jobs) - len(not_started), '; '.join(job['msg'] for job in not_started))
        else:
            result['msg'] = 'started %d jobs' % len(jobs)
        return result


def _summary(spec: dict) -> dict:
    """What a job entry says of the job itself: its name and its command or module."""
    what = 'cmd' if spec['kind'] == JobKind.COMMAND else 'module'
    return {'name': spec['name'], what: spec[what]}
