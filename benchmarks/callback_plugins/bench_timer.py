# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark-only callback: when each task started and when each of its results arrived, as JSON."""

from __future__ import annotations

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: Records task and result timings for the parallel.jobs benchmark
description:
  - Writes, to the file named by E(BENCH_TIMER_OUT), when each task started and when each result arrived, with the
    fields the benchmark needs (job end times, return codes, attempts, rounds).
requirements:
  - enable in configuration
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.tasks = []

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.tasks.append({'name': task.get_name(), 'start': time.time(), 'results': []})

    def _record(self, result, item):
        data = result._result
        entry = {'time': time.time(), 'host': result._host.get_name(), 'item': item}
        for key in ('end', 'rc', 'finished', 'attempts', 'rounds', 'ansible_job_id', 'job_state', 'job_ended_at',
                    'failed', 'skipped'):
            if key in data:
                entry[key] = data[key]
        if isinstance(data.get('jobs'), list):
            entry['jobs'] = [{'end': job.get('end'), 'ended_at': job.get('job_ended_at'), 'rc': job.get('rc'),
                              'job_state': job.get('job_state'), 'noticed': job.get('job_noticed_at')}
                             for job in data['jobs'] if isinstance(job, dict)]
        if self.tasks:
            self.tasks[-1]['results'].append(entry)

    def v2_runner_on_ok(self, result):
        self._record(result, False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, False)

    def v2_runner_item_on_ok(self, result):
        self._record(result, True)

    def v2_runner_item_on_failed(self, result):
        self._record(result, True)

    def v2_playbook_on_stats(self, stats):
        with open(os.environ['BENCH_TIMER_OUT'], 'w') as handle:
            json.dump({'tasks': self.tasks, 'end': time.time()}, handle)
