# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Controller side: waiting for a host's jobs window by window, the target doing the waiting.

async_wait waits for jobs started earlier; async_start with ``wait`` waits for
the jobs it has just started, its first window run in the same round trip as
the start. Both go through ``WaitingAction.wait_for``.
"""

from __future__ import annotations

import os
import time

from ansible.errors import AnsibleConnectionFailure
from ansible.utils.display import Display
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import count_states
from ansible_collections.parallel.jobs.plugins.plugin_utils._action import STATUS_MODULE, JobAction
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import (
    job_label,
    last_output_line,
    name_entries,
    outcome_message,
    progress_line,
)

display = Display()

# Bounds that keep one window well under common SSH idle timeouts.
LIMITS = {'timeout': (0.1, 7 * 24 * 3600), 'poll': (0.01, 60.0), 'window': (1.0, 600.0)}
WINDOW_DEFAULT = 30.0
POLL_DEFAULT = 0.1
# After a dropped connection, the pause before the next try doubles from RECONNECT_PAUSE up to RECONNECT_PAUSE_MAX;
# more than ``max_reconnects`` failures in a row end the wait (core's poll retries until its timeout, #84768).
RECONNECT_PAUSE = 1.0
RECONNECT_PAUSE_MAX = 30.0
MAX_RECONNECTS_DEFAULT = 10
CONTROLLER_GONE = 'the controller (pid %d) is gone: stopped waiting, the job files are left in place'


class WaitOutcome:
    """What the window loop ended with: the last entry of each job, which are still running, and how it went."""

    def __init__(self, jids: list):
        self.entries = {}
        self.pending = list(jids)
        self.rounds = 0
        self.reconnects = 0
        self.failure = None

    def add_window(self, reply: dict, names: dict) -> None:
        """Take one window's reply: each job's latest entry, named, and which are still running."""
        self.rounds += 1
        for entry in name_entries(reply['jobs'], names):
            self.entries[entry['ansible_job_id']] = entry
        self.pending = [jid for jid in self.pending if not self.entries[jid]['finished']]


class WaitingAction(JobAction):
    """A job action that waits for jobs: ``wait_for`` loops over windows and shapes the result."""

    # Replaced in unit tests.
    _clock = staticmethod(time.monotonic)
    _sleep = staticmethod(time.sleep)
    _parent_pid = staticmethod(os.getppid)

    def wait_for(self, jids: list, names: dict, options: dict, task_vars, result: dict, started: float,
                 first: dict | None = None) -> dict:
        """Wait for ``jids`` with async_wait's ``options`` and put the outcome in ``result``.

        ``first`` is a window's reply already in hand (async_start's); the loop
        then runs only for the jobs it left running. ``started`` is when the
        wait began (this action's clock).
        """
        host = task_vars.get('inventory_hostname', '?') if task_vars else '?'
        progress = Progress(host, len(jids), options['show_output'], lambda: round(self._clock() - started, 3))
        # A worker runs the action; ansible-playbook is its parent until it exits or is killed.
        controller = self._parent_pid()
        outcome = WaitOutcome(jids)
        if first is not None:
            outcome.add_window(first, names)
            progress.report(outcome.entries, outcome.pending)
        outcome = self.wait_windows(outcome, options, task_vars, names, progress.report, controller,
                                    deadline=started + options['timeout'])
        if outcome.failure:
            result.update(failed=True, msg=outcome.failure, rounds=outcome.rounds)
            return result
        if controller_gone(controller, self._parent_pid()):
            # Nobody will read this result: the job files are left for whoever reads the jobs next.
            display.vvv('parallel.jobs: the controller (pid %d) is gone, leaving the jobs on %s as they are'
                        % (controller, host))
            result.update(failed=True, msg=CONTROLLER_GONE % controller, rounds=outcome.rounds)
            return result
        if outcome.pending and options['on_timeout'] == 'kill':
            self.kill_pending(outcome, task_vars, names)
        jobs = [outcome.entries[jid] for jid in jids]
        # Changed if a job changed something (or the task itself did: async_start started the jobs).
        changed = bool(result.get('changed')) or any(job.get('changed') is True for job in jobs)
        result.update(changed=changed, jobs=jobs, counts=count_states(jobs), elapsed=round(self._clock() - started, 3),
                      rounds=outcome.rounds, reconnects=outcome.reconnects, progress=progress.history)
        result.update(wait_verdict(jobs, [outcome.entries[jid] for jid in outcome.pending], options['timeout'],
                                   options['fail_on'], killed=options['on_timeout'] == 'kill'))
        return result

    def kill_pending(self, outcome: WaitOutcome, task_vars, names: dict) -> None:
        """on_timeout=kill: stop the jobs still running at the timeout, in one more run; their entries say so."""
        reply = self.run_on_target(STATUS_MODULE, task_vars, jids=outcome.pending, mode='kill')
        for entry in name_entries(reply.get('jobs') or [], names):
            entry['job_killed_at_timeout'] = True
            outcome.entries[entry['ansible_job_id']] = entry

    def wait_windows(self, outcome: WaitOutcome, options: dict, task_vars, names: dict, report, controller: int,
                     deadline: float) -> WaitOutcome:
        """The deadline loop: one run per window until every job has ended or ``deadline`` has passed.

        A connection dropped during a window is reset and the window run again,
        as long as the deadline allows. The loop stops early once the controller
        process ``controller`` is no longer this process's parent.
        """
        failures = 0
        while outcome.pending:
            if controller_gone(controller, self._parent_pid()) or self._clock() >= deadline:
                return outcome
            window = max(0.0, min(options['window'], deadline - self._clock()))
            try:
                # With cleanup, the target sets aside the jobs it returns as ended in this same run.
                reply = self.run_on_target(STATUS_MODULE, task_vars, jids=outcome.pending, _wait=window,
                                           _poll=options['poll'],
                                           _collect=options['cleanup'] and not self._task.check_mode)
            except AnsibleConnectionFailure as exc:
                failures += 1
                pause = min(RECONNECT_PAUSE_MAX, RECONNECT_PAUSE * 2 ** (failures - 1))
                if failures > options['max_reconnects']:
                    raise AnsibleConnectionFailure(
                        'parallel.jobs: gave up waiting after %d connection failures in a row (the jobs run on; read '
                        'them later with parallel.jobs.async_status or async_wait): %s' % (failures, exc))
                if self._clock() + pause >= deadline:
                    raise AnsibleConnectionFailure(
                        'parallel.jobs: the connection was lost and not regained within the timeout of %s s (the '
                        'jobs run on; read them later with parallel.jobs.async_status or async_wait): %s'
                        % (options['timeout'], exc))
                display.vvv('parallel.jobs: connection lost during a window, retrying in %g s: %s' % (pause, exc))
                self._connection.reset()
                outcome.reconnects += 1
                self._sleep(pause)
                continue
            failures = 0
            if reply.get('failed'):
                outcome.rounds += 1
                outcome.failure = reply.get('msg', 'reading the jobs failed')
                return outcome
            outcome.add_window(reply, names)
            report(outcome.entries, outcome.pending)
        return outcome


class Progress:
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


def wait_verdict(jobs: list, still_running: list, timeout: float, fail_on: list, killed: bool = False) -> dict:
    """``msg`` and ``failed`` of a wait: which jobs ended badly, and which were still running at the timeout
    (``killed``: and were then stopped)."""
    stopped = {id(entry) for entry in still_running}
    others = [entry for entry in jobs if id(entry) not in stopped]
    msg = outcome_message(others if killed else jobs, fail_on)
    bad = any(entry['job_state'] in fail_on for entry in (others if killed else jobs))
    if still_running:
        msg = 'timed out after %s s with %d of %d jobs still running%s: %s' % (
            timeout, len(still_running), len(jobs), ', killed' if killed else '',
            ', '.join(job_label(entry) for entry in still_running)) + ('; ' + msg if bad else '')
    return {'msg': msg, 'failed': bool(still_running) or bad}


__all__ = ('LIMITS', 'WINDOW_DEFAULT', 'POLL_DEFAULT', 'MAX_RECONNECTS_DEFAULT', 'CONTROLLER_GONE', 'WaitOutcome', 'WaitingAction', 'Progress',
           'controller_gone', 'wait_verdict')
