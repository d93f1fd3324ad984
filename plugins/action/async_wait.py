# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import time

from ansible.errors import AnsibleConnectionFailure
from ansible.utils.display import Display

from ansible_collections.parallel.jobs.plugins.module_utils._jobs import JobState
from ansible_collections.parallel.jobs.plugins.module_utils._watch import count_states
from ansible_collections.parallel.jobs.plugins.plugin_utils._action import JobAction
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import (
    FAIL_ON_DEFAULT,
    JobInputError,
    check_bounds,
    job_label,
    last_output_line,
    name_entries,
    normalize_jobs,
    outcome_message,
    progress_line,
)

display = Display()

MODULE = 'parallel.jobs.async_status'
OUTCOMES = [state for state in JobState.ENDED if state != JobState.FINISHED]
# Bounds that keep one window well under common SSH idle timeouts.
LIMITS = {'timeout': (0.1, 7 * 24 * 3600), 'poll': (0.01, 60.0), 'window': (1.0, 600.0)}
RECONNECT_PAUSE = 1.0


class ActionModule(JobAction):
    """Wait for all of a host's jobs together, the target doing the waiting, one round trip per window."""

    ARGUMENT_SPEC = {
        'jobs': {'type': 'raw', 'required': True},
        'timeout': {'type': 'float', 'default': 3600.0},
        'poll': {'type': 'float', 'default': 0.1},
        'window': {'type': 'float', 'default': 30.0},
        'cleanup': {'type': 'bool', 'default': True},
        'show_output': {'type': 'bool', 'default': False},
        'fail_on': {'type': 'list', 'elements': 'str', 'choices': OUTCOMES, 'default': FAIL_ON_DEFAULT},
    }

    def run_checked(self, args, result, task_vars):
        try:
            check_bounds(args, LIMITS, unit=' seconds')
            refs = normalize_jobs(args['jobs'])
        except JobInputError as exc:
            result.update(failed=True, msg=str(exc))
            return result

        host = task_vars.get('inventory_hostname', '?') if task_vars else '?'
        names = {ref['jid']: ref['name'] for ref in refs}
        entries = {}
        pending = [ref['jid'] for ref in refs]
        started = time.monotonic()
        deadline = started + args['timeout']
        rounds, reconnects, last_counts, last_lines = 0, 0, None, {}
        while pending:
            window = max(0.0, min(args['window'], deadline - time.monotonic()))
            try:
                reply = self.run_on_target(MODULE, task_vars, jids=pending, _wait=window, _poll=args['poll'])
            except AnsibleConnectionFailure as exc:
                if time.monotonic() + RECONNECT_PAUSE >= deadline:
                    raise
                display.vvv('async_wait: connection to %s lost during a window, retrying: %s' % (host, exc))
                self._connection.reset()
                reconnects += 1
                time.sleep(RECONNECT_PAUSE)
                continue
            rounds += 1
            if reply.get('failed'):
                result.update(failed=True, msg=reply.get('msg', 'reading the jobs failed'), rounds=rounds)
                return result
            for entry in name_entries(reply['jobs'], names):
                entries[entry['ansible_job_id']] = entry
            pending = [jid for jid in pending if not entries[jid]['finished']]
            counts = count_states(entries.values())
            if counts != last_counts:
                display.display(progress_line(host, counts, len(refs)))
                last_counts = counts
            if args['show_output']:
                for jid in pending:
                    line = last_output_line(entries[jid])
                    if line and line != last_lines.get(jid):
                        display.display('%s: %s: %s' % (host, job_label(entries[jid]), line))
                        last_lines[jid] = line
            if time.monotonic() >= deadline:
                break

        jobs = [entries[ref['jid']] for ref in refs]
        collected = [entry['ansible_job_id'] for entry in jobs if entry['job_state'] in JobState.COMPLETED]
        if args['cleanup'] and collected and not self._task.check_mode:
            cleaned = self.run_on_target(MODULE, task_vars, jids=collected, mode='cleanup')
            if cleaned.get('failed'):
                display.warning('async_wait: could not remove the job files on %s: %s' % (host, cleaned.get('msg')))

        result.update(
            changed=False,
            jobs=jobs,
            counts=count_states(jobs),
            elapsed=round(time.monotonic() - started, 3),
            rounds=rounds,
            reconnects=reconnects,
            msg=outcome_message(jobs, args['fail_on']),
        )
        bad = any(entry['job_state'] in args['fail_on'] for entry in jobs)
        if pending:
            result['msg'] = 'timed out after %s s with %d of %d jobs still running: %s' % (
                args['timeout'], len(pending), len(jobs), ', '.join(job_label(entries[jid]) for jid in pending)) + (
                '; ' + result['msg'] if bad else '')
        result['failed'] = bool(pending) or bad
        return result
