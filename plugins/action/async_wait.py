# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import os
import time

from ansible.errors import AnsibleConnectionFailure
from ansible.utils.display import Display
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import JobState, count_states
from ansible_collections.parallel.jobs.plugins.plugin_utils._action import JobAction
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import (
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
# Bounds that keep one window well under common SSH idle timeouts.
LIMITS = {'timeout': (0.1, 7 * 24 * 3600), 'poll': (0.01, 60.0), 'window': (1.0, 600.0)}
RECONNECT_PAUSE = 1.0
CONTROLLER_GONE = 'the controller (pid %d) is gone: stopped waiting, the job files are left in place'


class WaitOutcome:
    """What the window loop ended with: the last entry of each job, which are still running, and how it went."""

    def __init__(self):
        self.entries = {}
        self.pending = []
        self.rounds = 0
        self.reconnects = 0
        self.failure = None


class ActionModule(JobAction):
    """Wait for all of a host's jobs together, the target doing the waiting, one round trip per window."""

    ARGUMENT_SPEC = {
        'jobs': {'type': 'raw', 'required': True},
        'timeout': {'type': 'float', 'default': 3600.0},
        'poll': {'type': 'float', 'default': 0.1},
        'window': {'type': 'float', 'default': 30.0},
        'cleanup': {'type': 'bool', 'default': True},
        'show_output': {'type': 'bool', 'default': False},
        'fail_on': {'type': 'list', 'elements': 'str', 'choices': list(JobState.BAD), 'default': list(JobState.BAD)},
    }

    # Replaced in unit tests.
    _clock = staticmethod(time.monotonic)
    _sleep = staticmethod(time.sleep)
    _parent_pid = staticmethod(os.getppid)

    def run_checked(self, args, result, task_vars):
        try:
            check_bounds(args, LIMITS, unit=' seconds')
            refs = normalize_jobs(args['jobs'])
        except JobInputError as exc:
            result.update(failed=True, msg=str(exc))
            return result

        host = task_vars.get('inventory_hostname', '?') if task_vars else '?'
        names = {ref['jid']: ref['name'] for ref in refs}
        started = self._clock()
        progress = _Progress(host, len(refs), args['show_output'], lambda: round(self._clock() - started, 3))
        # A worker runs the action; ansible-playbook is its parent until it exits or is killed.
        controller = self._parent_pid()
        outcome = self.wait_windows([ref['jid'] for ref in refs], args, task_vars, names, progress.report, controller)
        if outcome.failure:
            result.update(failed=True, msg=outcome.failure, rounds=outcome.rounds)
            return result
        if controller_gone(controller, self._parent_pid()):
            # Nobody will read this result: the job files are left for whoever reads the jobs next.
            display.vvv('async_wait: the controller (pid %d) is gone, leaving the jobs on %s as they are'
                        % (controller, host))
            result.update(failed=True, msg=CONTROLLER_GONE % controller, rounds=outcome.rounds)
            return result

        jobs = [outcome.entries[ref['jid']] for ref in refs]
        result.update(changed=False, jobs=jobs, counts=count_states(jobs), elapsed=round(self._clock() - started, 3),
                      rounds=outcome.rounds, reconnects=outcome.reconnects, progress=progress.history)
        result.update(wait_verdict(jobs, [outcome.entries[jid] for jid in outcome.pending], args['timeout'],
                                   args['fail_on']))
        return result

    def wait_windows(self, jids: list, args: dict, task_vars, names: dict, report, controller: int) -> WaitOutcome:
        """The deadline loop: one module run per window until every job has ended or ``timeout`` has passed.

        A connection dropped during a window is reset and the window run again,
        as long as the deadline allows. The loop stops early once the controller
        process ``controller`` is no longer this process's parent.
        """
        outcome = WaitOutcome()
        outcome.pending = list(jids)
        deadline = self._clock() + args['timeout']
        while outcome.pending:
            if controller_gone(controller, self._parent_pid()):
                return outcome
            window = max(0.0, min(args['window'], deadline - self._clock()))
            try:
                # With cleanup, the target sets aside the jobs it returns as ended in this same run.
                reply = self.run_on_target(MODULE, task_vars, jids=outcome.pending, _wait=window, _poll=args['poll'],
                                           _collect=args['cleanup'] and not self._task.check_mode)
            except AnsibleConnectionFailure as exc:
                if self._clock() + RECONNECT_PAUSE >= deadline:
                    raise
                display.vvv('async_wait: connection lost during a window, retrying: %s' % exc)
                self._connection.reset()
                outcome.reconnects += 1
                self._sleep(RECONNECT_PAUSE)
                continue
            outcome.rounds += 1
            if reply.get('failed'):
                outcome.failure = reply.get('msg', 'reading the jobs failed')
                return outcome
            for entry in name_entries(reply['jobs'], names):
                outcome.entries[entry['ansible_job_id']] = entry
            outcome.pending = [jid for jid in outcome.pending if not outcome.entries[jid]['finished']]
            report(outcome.entries, outcome.pending)
            if self._clock() >= deadline:
                break
        return outcome


class _Progress:
    """What the user sees once per window: a line when the counts change, and each running job's latest line."""

    def __init__(self, host: str, total: int, show_output: bool, elapsed):
        self.host, self.total, self.show_output, self.elapsed = host, total, show_output, elapsed
        self.last_counts, self.last_lines = None, {}
        # The same lines, kept for the result: a callback sees them with the host there.
        self.history = []

    def report(self, entries: dict, pending: list) -> None:
        counts = count_states(entries.values())
        if counts != self.last_counts:
            line = progress_line(self.host, counts, self.total)
            display.display(line)
            self.history.append({'elapsed': self.elapsed(), 'msg': line, 'counts': counts})
            self.last_counts = counts
        if self.show_output:
            for jid in pending:
                line = last_output_line(entries[jid])
                if line and line != self.last_lines.get(jid):
                    display.display('%s: %s: %s' % (self.host, job_label(entries[jid]), line))
                    self.last_lines[jid] = line


def controller_gone(controller: int, parent: int) -> bool:
    """Whether the controller that started the wait has died: its worker was handed to another parent.

    ansible-runner and AWX cancel a run by killing ansible-playbook's process group; core's workers
    live in their own session, so they outlive it, adopted by init or a subreaper.
    """
    return parent != controller


def wait_verdict(jobs: list, still_running: list, timeout: float, fail_on: list) -> dict:
    """``msg`` and ``failed`` of a wait: which jobs ended badly, and which were still running at the timeout."""
    msg = outcome_message(jobs, fail_on)
    bad = any(entry['job_state'] in fail_on for entry in jobs)
    if still_running:
        msg = 'timed out after %s s with %d of %d jobs still running: %s' % (
            timeout, len(still_running), len(jobs), ', '.join(job_label(entry) for entry in still_running)) + (
            '; ' + msg if bad else '')
    return {'msg': msg, 'failed': bool(still_running) or bad}
