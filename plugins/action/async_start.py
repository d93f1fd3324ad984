# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import uuid

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import JobKind, JobState
from ansible_collections.parallel.jobs.plugins.module_utils._queue import MAX_RUNNING_LIMIT, QUEUE_NAME_RE
from ansible_collections.parallel.jobs.plugins.module_utils._settings import LEASE_LIMITS, RETENTION_DEFAULT, RETENTION_MAX
from ansible_collections.parallel.jobs.plugins.plugin_utils._action import LAUNCH_MODULE
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import JobInputError, check_bounds
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_specs import parse_job_specs, plan_entry
from ansible_collections.parallel.jobs.plugins.plugin_utils._module_payloads import ModulePayloads
from ansible_collections.parallel.jobs.plugins.plugin_utils._waiting import (
    LIMITS,
    MAX_RECONNECTS_DEFAULT,
    POLL_DEFAULT,
    WINDOW_DEFAULT,
    WaitingAction,
)

# With wait and no wait_timeout: the longest job's limit and grace, and this much for the supervisor to record it.
WAIT_MARGIN = 30.0


class ActionModule(WaitingAction):
    """Check every job, build one launch plan, start it with one run per host; with ``wait``, wait for the jobs,
    the first window in that same run."""

    ARGUMENT_SPEC = {
        'jobs': {'type': 'list', 'elements': 'raw', 'required': True},
        'timeout': {'type': 'int', 'default': 3600},
        'grace': {'type': 'float', 'default': 5.0},
        'output_limit': {'type': 'int', 'default': 1024 * 1024},
        'wait': {'type': 'bool', 'default': False},
        'wait_timeout': {'type': 'float'},
        'retention': {'type': 'int', 'default': RETENTION_DEFAULT},
        'max_running': {'type': 'int'},
        'lease': {'type': 'float'},
        'queue': {'type': 'str'},
    }

    def run_checked(self, args, result, task_vars):
        started = self._clock()
        try:
            specs = parse_job_specs(args['jobs'], args)
            wait_timeout = _wait_timeout(args, specs) if args['wait'] else None
            check_bounds(args, {'retention': (0, RETENTION_MAX)}, unit=' seconds')
            queue = _queue_plan(args)
            if args['lease'] is not None:
                check_bounds(args, {'lease': LEASE_LIMITS}, unit=' seconds')
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
                elif spec['kind'] == JobKind.STEPS:
                    job['steps'] = [dict(plan_entry(step), **(payloads.add(index, step, step['name'])
                                                              if step['kind'] == JobKind.MODULE else {}))
                                    for step in spec['steps']]
                plan_jobs.append(job)
        except JobInputError as exc:
            result.update(failed=True, msg=str(exc))
            return result

        plan = {'jobs': plan_jobs, 'payloads': payloads.payloads, 'retention': args['retention'], 'queue': queue,
                'lease': args['lease']}
        if args['wait']:
            plan['watch'] = {'window': min(WINDOW_DEFAULT, wait_timeout), 'poll': POLL_DEFAULT, 'collect': True}
        reply = self.run_on_target(LAUNCH_MODULE, task_vars, _plan=plan)
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
            # The task fails at once, without waiting: the jobs that did start run on, their ids in jids.
            result['failed'] = True
            result['msg'] = '%d of %d jobs did not start (the other %d did): %s' % (
                len(not_started), len(jobs), len(jobs) - len(not_started), '; '.join(job['msg'] for job in not_started))
            return result
        if not args['wait']:
            result['msg'] = 'started %d jobs' % len(jobs)
            if queue:
                result['msg'] = 'queued %d jobs in %s: at most %d run at a time' % (
                    len(jobs), queue['name'], queue['max_running'])
            return result
        names = {job['ansible_job_id']: job['name'] for job in jobs}
        options = {'timeout': wait_timeout, 'poll': POLL_DEFAULT, 'window': WINDOW_DEFAULT, 'cleanup': True,
                   'show_output': False, 'fail_on': list(JobState.BAD), 'max_reconnects': MAX_RECONNECTS_DEFAULT,
                   'on_timeout': 'leave'}
        return self.wait_for([job['ansible_job_id'] for job in jobs], names, options, task_vars, result, started,
                             first=reply.get('watched'))


def _queue_plan(args: dict) -> dict | None:
    """The plan's queue: ``max_running`` and the queue's name (one of its own for this task if none is given)."""
    if args['max_running'] is None:
        if args['queue'] is not None:
            raise JobInputError('queue=%s needs max_running, how many of its jobs may run at once' % args['queue'])
        return None
    check_bounds(args, {'max_running': (1, MAX_RUNNING_LIMIT)})
    name = args['queue'] if args['queue'] is not None else 'task-%s' % uuid.uuid4().hex[:12]
    if not QUEUE_NAME_RE.match(name):
        raise JobInputError('queue=%r must be 1 to 64 letters, digits, _ or -' % name)
    return {'name': name, 'max_running': args['max_running']}


def _wait_timeout(args: dict, specs: list) -> float:
    """How long ``wait`` waits: ``wait_timeout``, else as long as the jobs' own limits can take."""
    if args['wait_timeout'] is not None:
        check_bounds({'wait_timeout': args['wait_timeout']}, {'wait_timeout': LIMITS['timeout']}, unit=' seconds')
        return args['wait_timeout']
    if any(not spec['timeout'] for spec in specs):
        # A job without a limit: as long as async_wait would wait at most.
        return LIMITS['timeout'][1]
    return max(spec['timeout'] + spec['grace'] for spec in specs) + WAIT_MARGIN


def _summary(spec: dict) -> dict:
    """What a job entry says of the job itself: its name and its command, module or steps' names."""
    if spec['kind'] == JobKind.STEPS:
        return {'name': spec['name'], 'steps': [step['name'] for step in spec['steps']]}
    what = 'cmd' if spec['kind'] == JobKind.COMMAND else 'module'
    return {'name': spec['name'], what: spec[what]}
