#!/usr/bin/python
# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: async_launch
short_description: Start a checked batch of jobs on the target (the target side of async_start)
version_added: 0.2.0
author: parallel.jobs contributors (@parallel-jobs)
description:
  - This is not a module for playbooks. M(parallel.jobs.async_start) checks its jobs on the controller, builds a launch
    plan and runs this module once per host to carry the plan out. Use M(parallel.jobs.async_start).
  - Every target-side check (C(chdir), C(creates), C(removes)) runs for all jobs of the plan before any starts; each job
    then starts under the supervisor of M(parallel.jobs.async_wrapper).
  - Its only options are private to M(parallel.jobs.async_start) and may change in any release.
options:
  _plan:
    description:
      - Internal, set by M(parallel.jobs.async_start); do not set it in a task. The checked launch plan, as one JSON string
        (each job's command or module payload, and its limits).
    type: str
    required: true
  _async_dir:
    description:
      - Internal, set by M(parallel.jobs.async_start); do not set it in a task. The job directory as configured, C(~)
        expanded on the target as the user the jobs run as.
    type: str
    default: ~/.ansible_async
extends_documentation_fragment:
  - parallel.jobs._attributes
attributes:
  check_mode:
    support: none
    details: M(parallel.jobs.async_start) handles check mode on the controller and does not run this module.
seealso:
  - module: parallel.jobs.async_start
"""

EXAMPLES = r"""
# Not called directly: parallel.jobs.async_start runs it.
- name: Start two jobs in one round trip
  parallel.jobs.async_start:
    jobs:
      - {name: backup, cmd: /usr/local/bin/backup --all}
      - {name: report, cmd: /usr/local/bin/report}
"""

RETURN = r"""
jobs:
  description: One entry per job of the plan, in order, as M(parallel.jobs.async_start) returns them.
  returned: always
  type: list
  elements: dict
job_dir:
  description: The job directory on the target, C(~) expanded as the user the jobs run as.
  returned: always
  type: str
  sample: /root/.ansible_async
watched:
  description:
    - When the plan asks to watch the jobs (M(parallel.jobs.async_start)'s O(parallel.jobs.async_start#module:wait)),
      what M(parallel.jobs.async_status) returns for them after a window, as M(parallel.jobs.async_wait) reads them.
  returned: when the plan asks for it and a job started
  type: dict
"""

import json
import traceback

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import JOB_DIR_DEFAULT
from ansible_collections.parallel.jobs.plugins.module_utils._launch import start_jobs


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            # The plan (JSON) carries module payloads with their arguments and environment values: one no_log
            # string keeps all of it out of the target's log without masking job names in the result.
            '_plan': {'type': 'str', 'required': True, 'no_log': True},
            '_async_dir': {'type': 'str', 'default': JOB_DIR_DEFAULT},
        },
        supports_check_mode=False,
    )
    try:
        plan = json.loads(module.params['_plan'])
    except ValueError as exc:
        module.fail_json(msg='the launch plan from parallel.jobs.async_start is not valid JSON: %s' % exc)
    # Keep the plan out of the echoed invocation: the job names say enough.
    invocation = {'module_args': {'jobs': [job.get('name') for job in plan.get('jobs', [])]}}
    try:
        result = start_jobs(module.params['_async_dir'], plan)
    except JobError as exc:
        module.fail_json(msg=str(exc), invocation=invocation)
    except Exception as exc:  # an unexpected failure must still name itself, not print a bare traceback
        module.fail_json(msg='async_start failed on the target: %s' % exc, exception=traceback.format_exc(),
                         invocation=invocation)
    module.exit_json(invocation=invocation, **result)


if __name__ == '__main__':
    main()
