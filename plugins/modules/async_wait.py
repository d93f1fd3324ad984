# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the async_wait action plugin (plugins/action/async_wait.py).

from __future__ import annotations

DOCUMENTATION = r"""
module: async_wait
short_description: Wait for many asynchronous jobs together, the target doing the waiting
version_added: 0.1.0
author: parallel.jobs contributors (@parallel-jobs)
description:
  - Waits until every job given in O(jobs) has ended, then reports each one and fails clearly if any ended badly.
  - Per host, one module run on the target watches all of that host's jobs there (sub-second checks, no SSH traffic)
    and returns when all of them have ended or when O(window) seconds have passed. The wait therefore ends within a
    fraction of a second of the last job's end, and costs one round trip per host per window instead of one per job per
    retry. Hosts wait in parallel through the usual forks.
  - A job whose supervisor is gone, whose host rebooted, or whose job file is corrupt ends the wait for that job at once
    instead of using up the timeout.
  - 'While it waits it prints a line per host when the counts change (at most one per window), for example
    C(web1: 7/10 jobs ended, 1 failed).'
  - If the SSH connection drops during a window, the wait reconnects and goes on within O(timeout).
  - If the controller is gone (ansible-runner or AWX cancelled the run, or C(ansible-playbook) was killed), the wait
    stops at the end of its current window and leaves the jobs and their files as they are, for the next run to read.
options:
  jobs:
    description:
      - The jobs to wait for. Takes job ids, a registered async result (started with C(poll=0)), a loop's registered result (its
        C(results)), the result of M(parallel.jobs.async_start), or a list mixing them. Loop items that were skipped
        are left out; repeats are waited for once.
    type: raw
    required: true
  timeout:
    description:
      - How long to wait in all, in seconds. Jobs still running then are reported (the task fails) but not stopped;
        use M(parallel.jobs.async_status) with O(parallel.jobs.async_status#module:mode=kill) to stop them.
    type: float
    default: 3600
  poll:
    description:
      - How often, in seconds, the target re-checks jobs whose files have not changed. A job file that changes is seen
        at the next check.
    type: float
    default: 0.1
  window:
    description:
      - The longest one module run on the target waits before it reports back, in seconds (1 to 600). Keep it below
        your SSH idle timeout.
    type: float
    default: 30
  cleanup:
    description:
      - Collect the jobs that ended (finished, failed, timed out or killed) in the same round trip that returns their
        results, as core's built-in polling removes its job files. The target sets their files aside, so they no
        longer count as jobs on the host, and removes them on a later collecting read once they have been set aside
        for 10 minutes. Until then M(parallel.jobs.async_status) still reads them by job id (with
        C(job_collected=true)), and a wait repeated after its reply was lost on a dropped connection returns the same
        results. O(parallel.jobs.async_status#module:mode=cleanup) removes them at once.
      - Lost and corrupt jobs' files are kept for inspection.
    type: bool
    default: true
  show_output:
    description:
      - 'After each window, print for every job still running the last line it has printed so far (when it changed),
        for example C(web1: webapp (j1234.567): 14:02:11 +30.0s ok HTTP 200 in 0.004 s). Set O(window) to how often
        you want to see it; each window is one round trip per host.'
    type: bool
    default: false
  fail_on:
    description:
      - Which outcomes fail the task. V([]) never fails on how jobs ended (the task still fails on O(timeout)).
    type: list
    elements: str
    choices: [failed, timed_out, killed, lost, corrupt, not_found]
    default: [failed, timed_out, killed, lost, corrupt, not_found]
  on_timeout:
    description:
      - What happens to jobs still running when O(timeout) passes. V(leave) lets them run on (read them later);
        V(kill) stops them as M(parallel.jobs.async_status) O(parallel.jobs.async_status#module:mode=kill) does (their
        entries then read C(killed)). The task fails either way.
    type: str
    choices: [leave, kill]
    default: leave
  max_reconnects:
    description:
      - How many connection failures in a row the wait survives. After each, the connection is reset and the window run
        again after a pause that doubles from 1 second up to 30 seconds (so the default rides out an outage of about
        three minutes). One more, or an outage that outlasts O(timeout), ends the task as unreachable, saying so; the
        jobs run on and can be read later.
      - V(0) gives up at the first failure.
    type: int
    default: 10
extends_documentation_fragment:
  - parallel.jobs._attributes
  - parallel.jobs._attributes.ACTION
attributes:
  check_mode:
    support: full
    details: Waits as usual; job files are not removed.
notes:
  - The job directory is the one the jobs were started with for the same user, with C(~) expanded on the target as the
    user the task runs as. Wait with the same C(become) settings the jobs were started with.
seealso:
  - module: parallel.jobs.async_status
  - module: parallel.jobs.async_wrapper
"""

EXAMPLES = r"""
# Before (seed pattern): one SSH round trip per job per retry, the jobs checked one after another,
# and a finished job noticed only after the next delay.
- name: Start the monitors
  ansible.builtin.command: "{{ item }}"
  loop: [/opt/monitor_webapp.py, /opt/monitor_database.py]
  async: 360
  poll: 0
  register: monitors

- name: Check on them one by one
  ansible.builtin.async_status:
    jid: "{{ item.ansible_job_id }}"
  loop: "{{ monitors.results }}"
  register: monitor_results
  until: monitor_results.finished
  retries: 36
  delay: 10

# After: all of them together, the target doing the waiting.
- name: Wait for both monitors
  parallel.jobs.async_wait:
    jobs: "{{ monitors }}"
    timeout: 400
  register: monitor_results

- name: Show each monitor's verdict and last line
  ansible.builtin.debug:
    msg: "{{ item.cmd | join(' ') }}: {{ item.job_state }}, {{ item.stdout_lines[-1] | default('') }}"
  loop: "{{ monitor_results.jobs }}"

# Jobs registered by separate tasks, waited together, without failing the play on a bad outcome.
- name: Start a backup
  ansible.builtin.command: /usr/local/bin/backup
  async: 3600
  poll: 0
  register: backup_job

- name: Start a report
  ansible.builtin.command: /usr/local/bin/report
  async: 600
  poll: 0
  register: report_job

- name: Wait for both
  parallel.jobs.async_wait:
    jobs:
      - "{{ backup_job }}"
      - "{{ report_job }}"
    fail_on: []
  register: waited

- name: List the jobs that did not succeed
  ansible.builtin.debug:
    msg: "{{ waited.jobs | rejectattr('job_state', 'eq', 'finished') | map(attribute='job_reason') }}"
"""

RETURN = r"""
changed:
  description: Whether any of the jobs changed something (its own result says C(changed)), as the tasks would have.
  returned: always
  type: bool
  sample: true
jobs:
  description:
    - Each job's final entry, in the order given, as M(parallel.jobs.async_status) returns it for one job
      (RV(jobs[].ansible_job_id), RV(jobs[].job_state), RV(jobs[].job_reason), RV(jobs[].job_elapsed), and the
      module's result such as C(rc), C(stdout) and C(stdout_lines)).
  returned: always
  type: list
  elements: dict
  contains:
    ansible_job_id:
      description: The job id.
      type: str
      returned: always
    name:
      description: The job's name, when it was started by M(parallel.jobs.async_start).
      type: str
      returned: when known
    job_state:
      description: V(finished), V(failed), V(timed_out), V(killed), V(lost), V(corrupt), V(not_found), or V(running)
        for a job still running at O(timeout).
      type: str
      returned: always
    job_reason:
      description: One line on why the job is in its state.
      type: str
      returned: always
    steps:
      description:
        - For a job of steps (O(parallel.jobs.async_start#module:jobs[].steps)), each step's result in order, with
          its C(name); steps that did not run have C(skipped=true) and a C(msg) saying why.
      type: list
      elements: dict
      returned: for jobs of steps
    job_elapsed:
      description: Seconds the job ran.
      type: float
      returned: when known
counts:
  description: How many jobs ended in each state (and how many still ran at O(timeout), under C(running)).
  returned: always
  type: dict
  sample: {finished: 8, failed: 1, timed_out: 0, killed: 0, lost: 1, corrupt: 0, not_found: 0, running: 0}
elapsed:
  description: Seconds the wait took.
  returned: always
  type: float
  sample: 2.41
rounds:
  description: How many module runs (SSH round trips) the wait made on this host, not counting the cleanup.
  returned: always
  type: int
  sample: 1
reconnects:
  description: How many times the SSH connection dropped during a window and the wait reconnected.
  returned: always
  type: int
  sample: 0
progress:
  description:
    - The lines printed while waiting, one each time the counts changed, with the seconds since the wait
      began and the counts then (as RV(counts)).
    - They are in the task's result so that a callback (ansible-runner's job events, AWX) sees them with
      their host; the lines printed during the wait reach a callback as display text without a host.
  returned: when the wait ran
  type: list
  elements: dict
  sample:
    - {elapsed: 1.02, msg: "web1: 0/2 jobs ended",
       counts: {finished: 0, failed: 0, timed_out: 0, killed: 0, lost: 0, corrupt: 0, not_found: 0, running: 2}}
    - {elapsed: 3.05, msg: "web1: 2/2 jobs ended",
       counts: {finished: 2, failed: 0, timed_out: 0, killed: 0, lost: 0, corrupt: 0, not_found: 0, running: 0}}
  contains:
    elapsed:
      description: Seconds since the wait began.
      type: float
      returned: always
    msg:
      description: The line, as printed.
      type: str
      returned: always
    counts:
      description: How many jobs were in each state then.
      type: dict
      returned: always
msg:
  description: How the jobs ended, naming each one that failed and why.
  returned: always
  type: str
  sample: "2 of 10 jobs failed: j123.45 rc=2, j678.9 lost (its supervisor (pid 4242) is gone)"
"""
