#!/usr/bin/python
# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: async_status
short_description: Read, clean up, list or stop asynchronous jobs (drop-in for core's async_status)
version_added: 0.1.0
author: parallel.jobs contributors (@parallel-jobs)
description:
  - Reads the state of an asynchronous job started with C(async:), as M(ansible.builtin.async_status) does, and returns
    the same keys, so a task that loops with C(until) on C(job.finished) keeps working.
  - Tells apart a running job, a finished one, a failed one, one that timed out, one whose supervisor is gone or whose host
    rebooted (C(lost)), a corrupt job file and a missing one, each with a one-line reason. Core's module reads a dead job as
    running until the caller's timeout.
  - Reads jobs started by ansible-core's own wrapper too.
  - Job ids are validated. Anything that is not a job id ansible-core could have made (for example one holding C(/) or
    C(..)) is refused by name and nothing is touched.
  - The job directory is the one the wrapper used for the same user, with C(~) expanded on the target as the user the task
    runs as (including C(become) and C(delegate_to)), without an extra round trip.
options:
  jid:
    description:
      - One job id, as returned in RV(ansible_job_id) by the task that started the job. The result has the shape of
        M(ansible.builtin.async_status)'s.
      - Mutually exclusive with O(jids). One of them is required unless O(mode=list).
    type: str
  jids:
    description:
      - Many jobs, read in one module run on the target. Takes job ids, a registered async result, a loop's registered
        result (its C(results)), the result of M(parallel.jobs.async_start), or a list mixing them. Loop items that were
        skipped are left out; repeats are read once.
      - The result lists the jobs in RV(jobs), in the order given, and counts them per state in RV(counts).
    type: raw
  mode:
    description:
      - V(status) reads the jobs.
      - V(cleanup) removes the files of jobs that have ended. A running job is refused unless O(force=true).
      - V(list) lists every job in the job directory with its state and age; O(jid) and O(jids) are not used.
      - V(kill) stops running jobs (SIGTERM to the whole process tree, the job's grace period, then SIGKILL), and
        the processes a lost job left behind. The jobs then read V(killed).
    type: str
    choices: [status, cleanup, list, kill]
    default: status
  force:
    description:
      - With O(mode=cleanup), stop running jobs first (as O(mode=kill) does), then remove their files.
    type: bool
    default: false
  older_than:
    description:
      - With O(mode=cleanup), remove only jobs that ended at least this many seconds ago, and without O(jid) or O(jids)
        every such job of the job directory. Running jobs, and lost jobs whose processes still run, are never removed.
      - Jobs that ended more than 7 days ago are also removed whenever a job is started in their directory (see
        M(parallel.jobs.async_wrapper) and M(parallel.jobs.async_start)'s O(parallel.jobs.async_start#module:retention)).
    type: float
  _async_dir:
    description:
      - Internal, set by the action plugins (as core's action sets it for core's module); do not set it in a task.
      - The job directory as configured (the C(async_dir) shell option), C(~) expanded on the target as the user the
        task runs as.
    type: str
    default: ~/.ansible_async
  _wait:
    description:
      - Internal, set by M(parallel.jobs.async_wait); do not set it in a task. Seconds to watch the jobs on the target
        before replying.
    type: float
    default: 0.0
  _poll:
    description:
      - Internal, set by M(parallel.jobs.async_wait); do not set it in a task. Seconds between checks while watching.
    type: float
    default: 0.1
  _collect:
    description:
      - Internal, set by M(parallel.jobs.async_wait) with O(parallel.jobs.async_wait#module:cleanup=true); do not set it
        in a task. Set aside the jobs the read returns as ended.
    type: bool
    default: false
extends_documentation_fragment:
  - parallel.jobs._attributes
  - parallel.jobs._attributes.ACTION
attributes:
  check_mode:
    support: full
notes:
  - Activated as described in the collection's README, unqualified C(async_status:) tasks and the built-in polling of
    C(poll:) run this plugin.
seealso:
  - module: ansible.builtin.async_status
  - module: parallel.jobs.async_wrapper
  - ref: playbooks_async
    description: Asynchronous actions and polling in the Ansible documentation.
"""

EXAMPLES = r"""
- name: Start a long job without waiting for it
  ansible.builtin.command: /opt/monitor_webapp.py
  async: 360
  poll: 0
  register: webapp_job

- name: Wait for it, checking every 10 seconds
  parallel.jobs.async_status:
    jid: "{{ webapp_job.ansible_job_id }}"
  register: webapp_result
  until: webapp_result.finished
  retries: 36
  delay: 10

- name: Say why the job did not succeed
  ansible.builtin.debug:
    msg: "{{ webapp_result.job_state }}: {{ webapp_result.job_reason }}"
  when: webapp_result.job_state != 'finished'

- name: Remove its job file
  parallel.jobs.async_status:
    jid: "{{ webapp_job.ansible_job_id }}"
    mode: cleanup

- name: Remove every job that ended more than a day ago, collected or not
  parallel.jobs.async_status:
    mode: cleanup
    older_than: 86400

# Before: one round trip per job per retry, one job after another (seed pattern).
- name: Start backups in a loop
  ansible.builtin.command: /usr/local/bin/backup {{ item }}
  loop: [nginx, mysql, redis]
  async: 3600
  poll: 0
  register: backup_jobs

- name: Check all backups, one by one
  ansible.builtin.async_status:
    jid: "{{ item.ansible_job_id }}"
  loop: "{{ backup_jobs.results }}"
  register: backup_results
  until: backup_results.finished
  retries: 120
  delay: 30

# After: all of them in one round trip per check.
- name: Check all backups at once
  parallel.jobs.async_status:
    jids: "{{ backup_jobs }}"
  register: backups
  until: backups.finished
  retries: 120
  delay: 30

- name: Show the ones that failed
  ansible.builtin.debug:
    msg: "{{ item.ansible_job_id }}: {{ item.job_reason }}"
  loop: "{{ backups.jobs | selectattr('job_state', 'eq', 'failed') }}"

- name: List every job on the host
  parallel.jobs.async_status:
    mode: list
  register: all_jobs

- name: Stop a runaway job and everything it started
  parallel.jobs.async_status:
    jid: "{{ backup_jobs.results[0].ansible_job_id }}"
    mode: kill
"""

RETURN = r"""
ansible_job_id:
  description: The job id.
  returned: always
  type: str
  sample: j469719384437.28413
started:
  description: Whether the job was started.
  returned: always
  type: bool
  sample: true
finished:
  description: Whether the job has ended, for whatever reason (see RV(job_state)). With O(jids), whether all of them have.
  returned: always
  type: bool
  sample: true
job_state:
  description:
    - V(queued) (waiting for its turn, M(parallel.jobs.async_start)'s O(parallel.jobs.async_start#module:max_running)),
      V(running), V(finished) (the module succeeded), V(failed) (the module failed), V(timed_out), V(killed),
      V(lost) (its supervisor is gone or the host rebooted), V(corrupt) (the job file cannot be read) or V(not_found).
  returned: always
  type: str
  sample: finished
job_queue:
  description: The queue the job waits or waited in.
  returned: for jobs started with O(parallel.jobs.async_start#module:max_running)
  type: str
  sample: reindex
job_queue_position:
  description: The job's place in line in its queue, V(1) being the next to start.
  returned: while the job is queued
  type: int
  sample: 3
job_steps:
  description:
    - For a job of steps (O(parallel.jobs.async_start#module:jobs[].steps)) that runs, the steps so far, in order, each
      with its C(name), its C(state) (V(finished), V(failed) or V(running)) and its C(rc) once it ended. Its output
      so far is the running step's. Once the job has ended, its result lists each step's result under C(steps).
  returned: while a job of steps runs
  type: list
  elements: dict
  sample: [{name: fetch, state: finished, rc: 0}, {name: migrate, state: running}]
job_reason:
  description: One line on why the job is in its state.
  returned: always
  type: str
  sample: "its supervisor (pid 4242) is gone"
job_elapsed:
  description: Seconds the job has run, or ran. Not known for jobs started by ansible-core's wrapper.
  returned: always
  type: float
  sample: 12.31
results_file:
  description: The job file on the target.
  returned: always
  type: str
  sample: /root/.ansible_async/j469719384437.28413
erased:
  description: The files removed by O(mode=cleanup).
  returned: when O(mode=cleanup)
  type: list
  elements: str
  sample: [/root/.ansible_async/j469719384437.28413]
stdout:
  description: The module's result once the job has ended; while it runs, the last part of its output so far.
  returned: when the module returns it, or while the job runs
  type: str
  sample: "check 12/30: HTTP 200 in 0.02 s"
jobs:
  description:
    - With O(jids), one entry per job in the order given, each with the keys returned for a single O(jid)
      (RV(ansible_job_id), RV(finished), RV(job_state), RV(job_reason), RV(job_elapsed), the module's result).
    - With O(mode=list), every job in the job directory, oldest first, with RV(jobs[].age) and no module result.
  returned: with O(jids) or O(mode=list)
  type: list
  elements: dict
  contains:
    age:
      description: Seconds since the job started (O(mode=list) only).
      type: float
      returned: with O(mode=list)
counts:
  description: How many of the jobs are in each state (keys are the states of RV(job_state)).
  returned: with O(jids) or O(mode=list)
  type: dict
  sample: {running: 1, finished: 8, failed: 1, timed_out: 0, killed: 0, lost: 0, corrupt: 0, not_found: 0}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.parallel.jobs.plugins.module_utils._control import (
    STATUS_MUTUALLY_EXCLUSIVE,
    STATUS_PRIVATE_SPEC,
    make_request,
    print_job_result,
    run_mode,
    status_argument_spec,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError


def main() -> None:
    argument_spec = dict(status_argument_spec(), **STATUS_PRIVATE_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, mutually_exclusive=STATUS_MUTUALLY_EXCLUSIVE,
                           supports_check_mode=True)
    try:
        request = make_request(module.params, check_mode=module.check_mode)
    except JobError as exc:
        module.fail_json(msg=str(exc), ansible_job_id=module.params['jid'], started=False, finished=True)
    result, raw = run_mode(request)
    if raw:
        print_job_result(result)
    if result.get('failed'):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
