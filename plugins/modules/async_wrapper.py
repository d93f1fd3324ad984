#!/usr/bin/python
# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: async_wrapper
short_description: Runs an C(async:) task on the target, safely (drop-in for core's wrapper)
version_added: 0.1.0
author: parallel.jobs contributors (@parallel-jobs)
description:
  - This is not a module for playbooks. Ansible runs it on the target for every task that has C(async:) set,
    once the collection is activated (see the collection's README). It replaces ansible-core's own
    C(async_wrapper) and takes the same command line from ansible-core 2.19, 2.20 and 2.21.
  - The job runs in a session of its own under a supervisor that is a child subreaper, so every descendant stays
    tracked, including processes that call C(setsid) or double-fork.
  - At the time limit the supervisor sends SIGTERM to the whole process tree, waits a grace period, then sends SIGKILL
    until nothing is left. The limit holds to within a second of when core's wrapper would stop the job (which
    checks every 5 seconds, so a limit above 5 seconds takes effect at the next multiple of 5), never earlier.
    The result says RV(timed_out), which signal ended the job (RV(signal)) and RV(elapsed).
  - The job's output goes to files in the job directory as it is produced, never into memory, so the supervisor's memory
    stays flat whatever the output size.
  - Job files are written atomically and durably, mode 0600, in a 0700 job directory. They record the supervisor's pid, its
    start time and the host's boot id, so a job whose supervisor died or whose host rebooted reads as C(lost), not as
    running forever. They stay readable by M(ansible.builtin.async_status).
  - The grace period between SIGTERM and SIGKILL is 5 seconds unless the task sets the environment variable
    E(PARALLEL_JOBS_GRACE) (seconds, 0 to 3600) with C(environment:).
  - With the environment variable E(PARALLEL_JOBS_LEASE) set (seconds, 2 or more), the job is stopped (SIGTERM,
    grace, SIGKILL; it reads C(killed), saying its lease expired) once nobody has read it for that long. Each poll of
    C(poll) and each M(parallel.jobs.async_status) or M(parallel.jobs.async_wait) read renews it, so a job whose play
    was cancelled or crashed does not run on until its limit. Leave it unset for C(poll=0) jobs that are collected
    much later.
  - Each start also removes the jobs of the job directory that ended more than 7 days ago, collected or not (never a
    running job, nor a lost one whose processes still run), so C(poll=0) jobs nobody collects do not pile up. Set
    E(PARALLEL_JOBS_RETENTION) (seconds; V(0) keeps them) with C(environment:) to change it.
  - The job directory is E(ANSIBLE_ASYNC_DIR) (from the C(async_dir) shell option), with C(~) expanded as the user the job
    runs as. A job directory that is a symlink or belongs to another user is refused.
options: {}
extends_documentation_fragment:
  - parallel.jobs._attributes
attributes:
  check_mode:
    support: none
notes:
  - Linux targets. The supervisor reads C(/proc) to track the job's processes.
  - When the job's own process ends by itself, processes it deliberately left running in the background (a daemon it
    started) are left alone, as with ansible-core's wrapper. The whole tree is stopped only at the time limit, or on
    request with O(parallel.jobs.async_status#module:mode=kill).
  - If the supervisor itself is killed, the job reads C(lost) and its record keeps the job's processes with their start
    times, so O(parallel.jobs.async_status#module:mode=kill) can still stop them.
seealso:
  - module: parallel.jobs.async_status
  - ref: playbooks_async
    description: Asynchronous actions and polling in the Ansible documentation.
"""

EXAMPLES = r"""
# Nothing to write in a playbook: with the collection activated, every async task runs
# through this wrapper, unchanged.
- name: Run a backup without holding the SSH session open
  ansible.builtin.command: /usr/local/bin/backup --all
  async: 3600
  poll: 0
  register: backup_job

# Give a job 30 seconds between SIGTERM and SIGKILL when its time limit is reached.
- name: Run a migration that needs time to shut down cleanly
  ansible.builtin.command: /usr/local/bin/migrate
  async: 600
  poll: 15
  environment:
    PARALLEL_JOBS_GRACE: "30"
"""

RETURN = r"""
ansible_job_id:
  description: The job id, to pass to M(parallel.jobs.async_status) or M(parallel.jobs.async_wait).
  returned: always
  type: str
  sample: j469719384437.28413
results_file:
  description: The job file on the target.
  returned: success
  type: str
  sample: /root/.ansible_async/j469719384437.28413
started:
  description: Whether the job started.
  returned: always
  type: bool
  sample: true
finished:
  description: Always V(false) when the wrapper returns; the job goes on in the background.
  returned: always
  type: bool
  sample: false
timed_out:
  description: In the job's final result (read with M(parallel.jobs.async_status)), V(true) if the time limit ended it.
  returned: in the final result of a job that timed out
  type: bool
  sample: true
signal:
  description: In the final result of a job that was stopped, the last signal it took to end it.
  returned: in the final result of a job that timed out or was killed
  type: str
  sample: SIGTERM
elapsed:
  description: In the final result of a job that was stopped, the seconds it ran.
  returned: in the final result of a job that timed out or was killed
  type: float
  sample: 7.02
"""

import json
import os
import sys

from ansible_collections.parallel.jobs.plugins.module_utils._control import sweep_in_background
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError, make_jid
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.liveness import require_proc
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import JobKind
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import (
    JOB_DIR_DEFAULT,
    ensure_job_dir,
    expand_job_dir,
    job_path,
)
from ansible_collections.parallel.jobs.plugins.module_utils._settings import (
    GRACE_ENV,
    LEASE_ENV,
    RETENTION_ENV,
    core_enforced_limit,
    parse_grace,
    parse_lease,
    parse_retention,
)
from ansible_collections.parallel.jobs.plugins.module_utils._supervisor import JobSpec, start_job

USAGE = ('usage: async_wrapper <jid> <time_limit> <module_path> <argsfile|_> [-preserve_tmp]  (ansible-core 2.19, 2.20)\n'
         '       async_wrapper <jid> <time_limit> <true|false> <module_path> <command...>  (ansible-core 2.21)\n'
         'ansible-core runs this for async tasks; it is not meant to be run by hand.')


def _read_shebang(module_path: str) -> list:
    with open(module_path, 'rb') as handle:
        head = handle.read(1024)
    if not head.startswith(b'#!') or b'\n' not in head:
        return []
    return [os.fsdecode(part) for part in head[2:head.index(b'\n')].strip().split()]


def parse_argv(argv: list) -> dict:
    """What to run, from the wrapper's argv as each ansible-core release passes it."""
    if len(argv) < 4:
        raise JobError(USAGE)
    jid_base, limit = argv[0], argv[1]
    try:
        time_limit = int(limit)
    except ValueError:
        raise JobError('time limit %r is not a whole number of seconds' % limit)
    if time_limit < 0:
        raise JobError('time limit %d is negative' % time_limit)

    if argv[2].lower() in ('true', 'false'):
        # 2.21: jid limit preserve_tmp module_path interpreter... module_path [argsfile]
        if len(argv) < 5:
            raise JobError(USAGE)
        preserve_tmp = argv[2].lower() == 'true'
        module_path, command = argv[3], argv[4:]
    else:
        # 2.19 and 2.20: jid limit module_path argsfile|_ [-preserve_tmp]
        module_path, argsfile = argv[2], argv[3]
        if '-tmp-' not in os.path.dirname(module_path):
            preserve_tmp = True
        else:
            preserve_tmp = len(argv) > 4 and argv[4] == '-preserve_tmp'
        command = _read_shebang(module_path) + [module_path] + ([] if argsfile == '_' else [argsfile])
    return {'jid_base': jid_base, 'time_limit': time_limit, 'preserve_tmp': preserve_tmp,
            'module_path': module_path, 'command': command}


def _print(result: dict) -> None:
    sys.stdout.write(json.dumps(result) + '\n')
    sys.stdout.flush()


def main() -> None:
    if len(sys.argv) < 2:
        # Run bare (imported as a script by a checker, or by hand): nothing to start, nothing to say.
        return
    try:
        require_proc()
        call = parse_argv(sys.argv[1:])
        jid = make_jid(call['jid_base'], os.getpid())
        grace = parse_grace(os.environ.get(GRACE_ENV))
        retention = parse_retention(os.environ.get(RETENTION_ENV))
        lease = parse_lease(os.environ.get(LEASE_ENV))
        job_dir = ensure_job_dir(expand_job_dir(os.environ.get('ANSIBLE_ASYNC_DIR') or JOB_DIR_DEFAULT))
        remove_dir = None if call['preserve_tmp'] else os.path.dirname(call['module_path'])
        start_job(JobSpec(job_dir=job_dir, jid=jid, kind=JobKind.MODULE, argv=call['command'],
                          time_limit=call['time_limit'], grace=grace, module=os.path.basename(call['module_path']),
                          remove_dir=remove_dir, core_contract=True,
                          enforce_after=core_enforced_limit(call['time_limit']), lease=lease))
    except (JobError, OSError) as exc:
        _print({'failed': True, 'started': False, 'finished': True, 'msg': 'parallel.jobs.async_wrapper: %s' % exc})
        # Not an AnsibleModule (core runs the wrapper with its own argv): it exits as core's does.
        sys.exit(1)  # pylint: disable=ansible-bad-function
    _print({'failed': False, 'started': True, 'finished': False, 'ansible_job_id': jid,
            'results_file': job_path(job_dir, jid), '_ansible_suppress_tmpdir_delete': not call['preserve_tmp']})
    # The job runs and the controller has its reply: the jobs that ended long ago go, in the background.
    sweep_in_background(job_dir, retention)
    sys.exit(0)  # pylint: disable=ansible-bad-function


if __name__ == '__main__':
    main()
