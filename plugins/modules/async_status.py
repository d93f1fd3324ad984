#!/usr/bin/python
# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: async_status
short_description: Read, clean up, list or stop asynchronous jobs (drop-in for core's async_status)
version_added: 0.1.0
author: parallel.jobs contributors
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
      - The job id, as returned in RV(ansible_job_id) by the task that started the job.
    type: str
    required: true
  mode:
    description:
      - V(status) reads the job.
      - V(cleanup) removes the files of a job that has ended. A running job is refused.
    type: str
    choices: [status, cleanup]
    default: status
extends_documentation_fragment:
  - parallel.jobs._attributes
  - parallel.jobs._attributes.ACTION
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
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
  description: Whether the job has ended, for whatever reason (see RV(job_state)).
  returned: always
  type: bool
  sample: true
job_state:
  description:
    - V(running), V(finished) (the module succeeded), V(failed) (the module failed), V(timed_out), V(killed),
      V(lost) (its supervisor is gone or the host rebooted), V(corrupt) (the job file cannot be read) or V(not_found).
  returned: always
  type: str
  sample: finished
job_reason:
  description: One line on why the job is in its state.
  returned: always
  type: str
  sample: "lost: its supervisor (pid 4242) is gone"
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
"""

import json
import os
import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.parallel.jobs.plugins.module_utils._jobs import (
    JOB_DIR_DEFAULT,
    JobError,
    JobState,
    check_job_dir,
    expand_job_dir,
    job_entry,
    read_job,
    remove_job_files,
)

OUTPUT_TAIL = 4096


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            jid=dict(type='str', required=True),
            mode=dict(type='str', default='status', choices=['status', 'cleanup']),
            # The job directory as configured, ~ not yet expanded: expanding it
            # here, as the user the task runs as, matches what the wrapper did.
            _async_dir=dict(type='str', default=JOB_DIR_DEFAULT),
        ),
        supports_check_mode=True,
    )
    jid, mode = module.params['jid'], module.params['mode']
    try:
        job_dir = expand_job_dir(module.params['_async_dir'])
        if not os.path.lexists(job_dir):
            module.fail_json(msg='could not find job %s: there is no job directory %s' % (jid, job_dir),
                             ansible_job_id=jid, started=True, finished=True, job_state=JobState.NOT_FOUND)
        check_job_dir(job_dir)
        status = read_job(job_dir, jid)
    except JobError as exc:
        module.fail_json(msg=str(exc), ansible_job_id=jid, started=False, finished=True)

    if mode == 'cleanup':
        if status.state == JobState.RUNNING:
            module.fail_json(msg='job %s is still running; it was not cleaned up' % jid, ansible_job_id=jid,
                             started=True, finished=False, job_state=status.state)
        erased = [] if module.check_mode else remove_job_files(job_dir, jid)
        module.exit_json(ansible_job_id=jid, erased=erased, changed=bool(erased), started=True, finished=True,
                         job_state=status.state, job_reason=status.reason)

    entry = job_entry(status, output_tail=OUTPUT_TAIL)
    if status.state == JobState.NOT_FOUND:
        entry['msg'] = 'could not find job: ' + status.reason
    # The job's result is the module's own, already processed by its
    # exit_json: pass it on as it is, as core's async_status does.
    print('\n' + json.dumps(entry))
    sys.exit(0)


if __name__ == '__main__':
    main()
