# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible.plugins.action import ActionBase

from ansible_collections.parallel.jobs.plugins.plugin_utils._job_dir import raw_job_dir
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import JobInputError
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_specs import parse_job_specs
from ansible_collections.parallel.jobs.plugins.plugin_utils._module_payloads import ModulePayloads

MODULE = 'parallel.jobs.async_start'
# What the target needs of each checked definition (the rest is for the controller).
PLAN_KEYS = ('name', 'kind', 'timeout', 'grace', 'output_limit', 'chdir', 'environment', 'argv', 'cmd', 'stdin',
             'stdin_add_newline', 'creates', 'removes', 'module')


class ActionModule(ActionBase):
    """Check every job, build one launch plan, start it with one module run per host."""

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp

        _validation, args = self.validate_argument_spec(
            argument_spec={
                'jobs': {'type': 'list', 'elements': 'raw', 'required': True},
                'timeout': {'type': 'int', 'default': 3600},
                'grace': {'type': 'float', 'default': 5.0},
                'output_limit': {'type': 'int', 'default': 1024 * 1024},
            },
        )
        try:
            specs = parse_job_specs(args['jobs'], args)
            if self._task.check_mode:
                result.update(changed=True, jids={}, msg='would start %d jobs' % len(specs),
                              jobs=[_summary(spec, started=False, skipped=True) for spec in specs])
                return result
            payloads = ModulePayloads(self, task_vars)
            plan_jobs = []
            for index, spec in enumerate(specs):
                job = {key: spec[key] for key in PLAN_KEYS if key in spec}
                if spec['kind'] == 'module':
                    job.update(payloads.add(index, spec))
                plan_jobs.append(job)
        except JobInputError as exc:
            result.update(failed=True, msg=str(exc))
            return result

        reply = self._execute_module(module_name=MODULE, task_vars=task_vars, module_args={
            '_plan': {'jobs': plan_jobs, 'payloads': payloads.payloads}, '_async_dir': raw_job_dir(self)})
        if reply.get('failed'):
            result.update(failed=True, msg=reply.get('msg', 'starting the jobs failed'))
            return result

        jobs = []
        for spec, entry in zip(specs, reply['jobs']):
            summary = _summary(spec, started=entry.get('started', False))
            summary.update(entry)
            jobs.append(summary)
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


def _summary(spec: dict, started: bool, skipped: bool = False) -> dict:
    summary = {'name': spec['name'], 'started': started}
    summary['cmd' if spec['kind'] == 'command' else 'module'] = spec['cmd' if spec['kind'] == 'command' else 'module']
    if skipped:
        summary['skipped'] = True
    return summary
