# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This file only documents the async_start action plugin (plugins/action/async_start.py),
# which checks the jobs on the controller; the target side is parallel.jobs.async_launch.

from __future__ import annotations

DOCUMENTATION = r"""
module: async_start
short_description: Start many asynchronous jobs on a host in one round trip
version_added: 0.1.0
author: parallel.jobs contributors (@parallel-jobs)
description:
  - Starts every job in O(jobs) on each host with one transfer and one remote execution, instead of one task (about six
    SSH round trips) per job as a C(loop) with C(async) and C(poll=0) costs.
  - A job is either a command (O(jobs[].cmd) or O(jobs[].argv), optionally through a shell) or any Python module with its
    arguments (O(jobs[].module) and O(jobs[].args)), run on the target exactly as that module runs under C(async).
  - Each job runs detached under the same supervisor as M(parallel.jobs.async_wrapper) (same job files, same states, the
    same time limit, grace period and kill rules), so M(parallel.jobs.async_wait) and M(parallel.jobs.async_status) read
    these jobs like any other.
  - Commands run directly under the supervisor with their output streamed to files, so memory stays flat whatever they
    print, and their output so far shows in M(parallel.jobs.async_status) and M(parallel.jobs.async_wait) while they
    run. The final result is shaped like M(ansible.builtin.command)'s, with at most O(output_limit) bytes per stream.
  - A job may also be a list of O(jobs[].steps), commands and modules run one after another in that job, under its one
    supervisor and time limit; the job stops at the first step that fails unless that step ignores errors, and its
    result lists every step's result in order.
  - Payloads of several jobs using the same module are built once and sent once.
  - Every job is checked before any starts (on the controller, then on the target); bad input fails the task naming the
    entry, and nothing starts. A job that fails to start after that (its program is missing, say) is reported by name,
    the others still start, and the task fails saying so.
options:
  jobs:
    description:
      - The jobs to start, in order. Each needs a O(jobs[].name) and exactly one of O(jobs[].cmd), O(jobs[].argv),
        O(jobs[].module) or O(jobs[].steps).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Unique in the call. It names the job in this task's result (RV(jids)), in the result of
            M(parallel.jobs.async_wait) and M(parallel.jobs.async_status) (as C(job_name), and as C(name) unless the
            module returns its own C(name)), and in messages.
        type: str
        required: true
      cmd:
        description:
          - A command line, split into arguments as M(ansible.builtin.command) does and run without a shell, unless
            O(jobs[].shell=true).
        type: str
      argv:
        description:
          - The command as a list of arguments, run without a shell.
        type: list
        elements: str
      shell:
        description:
          - Run O(jobs[].cmd) through C(/bin/sh -c) (or O(jobs[].executable)), for pipes, redirections and variables.
        type: bool
        default: false
      executable:
        description:
          - The shell to use with O(jobs[].shell=true).
        type: str
      chdir:
        description:
          - Change into this directory before running the job. Relative paths and C(~) are taken from the home directory
            of the user the job runs as. Checked on the target before any job starts.
        type: str
      environment:
        description:
          - Variables added to the job's environment. Values must be strings (quote numbers in YAML).
        type: dict
      stdin:
        description:
          - Text fed to the command's standard input.
        type: str
      stdin_add_newline:
        description:
          - Add a newline to O(jobs[].stdin) if it does not end with one, as M(ansible.builtin.command) does.
        type: bool
        default: true
      creates:
        description:
          - A path or glob; if it exists when the job would start, the command does not run and its result says so
            (not changed, C(skipped_run=true)), as with M(ansible.builtin.command).
        type: str
      removes:
        description:
          - A path or glob; if it does not exist when the job would start, the command does not run.
        type: str
      module:
        description:
          - The module to run, by FQCN or short name, such as V(ansible.builtin.get_url). Python modules only.
          - Only the module runs, on the target; work that the module's action plugin would do on the controller (the
            transfer of a local O(ansible.builtin.copy#module:src) for M(ansible.builtin.copy), template rendering) is
            not done. Use modules that work from what is on the target.
        type: str
      args:
        description:
          - The module's arguments.
        type: dict
      steps:
        description:
          - Run these commands and modules one after another as this one job (an "async block" that runs on the
            target), in its O(jobs[].chdir) and O(jobs[].environment), under its one time limit (O(jobs[].timeout)
            counts for all steps together) and one supervisor, so M(parallel.jobs.async_status) O(parallel.jobs.async_status#module:mode=kill)
            or a lease stops the step that runs and the job.
          - The job stops at the first step that fails (a non-zero return code, a module's failure) unless that step
            has O(jobs[].steps[].ignore_errors=true); the steps after it do not run and are listed as skipped.
          - While the job runs, its output so far is the running step's, and the job's entry in
            M(parallel.jobs.async_status) and M(parallel.jobs.async_wait) lists the steps so far under C(job_steps). The
            job's result has each step's result under C(steps), in order, C(changed) when any step changed something,
            and C(rc) of the last step that ran.
          - Steps run on the target only, as module jobs do; no action plugin runs on the controller between them, and
            a step cannot use the result of an earlier one (use a later task for that). A job of steps takes none of
            O(jobs[].cmd), O(jobs[].argv), O(jobs[].module), O(jobs[].args), O(jobs[].creates) or O(jobs[].removes)
            itself; its steps keep at most O(jobs[].output_limit) bytes of each stream and no output file.
        type: list
        elements: dict
        suboptions:
          name:
            description:
              - The step's name in the result and in messages. Default C(step N), counted from 1.
            type: str
          cmd:
            description:
              - A command line, as O(jobs[].cmd).
            type: str
          argv:
            description:
              - The command as a list of arguments, as O(jobs[].argv).
            type: list
            elements: str
          shell:
            description:
              - Run O(jobs[].steps[].cmd) through a shell, as O(jobs[].shell).
            type: bool
            default: false
          executable:
            description:
              - The shell to use with O(jobs[].steps[].shell=true).
            type: str
          stdin:
            description:
              - Text fed to the step's standard input.
            type: str
          stdin_add_newline:
            description:
              - Add a newline to O(jobs[].steps[].stdin) if it does not end with one.
            type: bool
            default: true
          module:
            description:
              - A Python module to run as the step, as O(jobs[].module).
            type: str
          args:
            description:
              - The module's arguments.
            type: dict
          ignore_errors:
            description:
              - Go on with the next step even if this one fails; the job then fails only if a later step does.
            type: bool
            default: false
      timeout:
        description:
          - This job's time limit; overrides O(timeout).
        type: int
      grace:
        description:
          - This job's grace period; overrides O(grace).
        type: float
      output_limit:
        description:
          - This command's output limit; overrides O(output_limit).
        type: int
  timeout:
    description:
      - Each job's time limit in seconds, as C(async) sets it. When it passes, the supervisor sends SIGTERM to the job and
        all its descendants, waits O(grace) seconds and sends SIGKILL to whatever is left; the job ends as C(timed_out).
        V(0) means no limit.
    type: int
    default: 3600
  grace:
    description:
      - Seconds between SIGTERM and SIGKILL when a job is stopped.
    type: float
    default: 5
  output_limit:
    description:
      - The most bytes of each of a command's stdout and stderr kept in its result (the end of the output, cut at a line
        start). Longer output stays in full in a file on the target, named in the result as C(stdout_file) or
        C(stderr_file), with C(stdout_truncated) or C(stderr_truncated) set. Removed with the job's files on cleanup.
    type: int
    default: 1048576
  wait:
    description:
      - Wait for every job to end before the task returns, as M(parallel.jobs.async_wait) would right after this task;
        the first wait window runs on the target in the same run as the start, so jobs that end within it cost one round
        trip per host in all. The result then holds each job's outcome, as M(parallel.jobs.async_wait)'s does, and the
        task fails if a job ends C(failed), C(timed_out), C(killed), C(lost), C(corrupt) or C(not_found), or is still
        running after O(wait_timeout).
      - Use it when nothing else has to run on the hosts meanwhile; otherwise start without it and collect later with
        M(parallel.jobs.async_wait).
      - If a job does not start, the task fails at once without waiting; the jobs that started run on (their ids are in
        RV(jids)).
    type: bool
    default: false
  max_running:
    description:
      - Queue the jobs instead of starting them all at once; at most this many of them run at the same time on each
        host, the others wait in the order given and start as running ones end. Every job gets its job id at once
        and reads as C(queued), with its place in line (C(job_queue_position)), until it starts.
      - A queued job's O(timeout) counts from its own start. The queue is kept on the target by a runner of its own, so
        it goes on if the controller goes away. M(parallel.jobs.async_status) O(parallel.jobs.async_status#module:mode=kill)
        takes a queued job out of its queue (it never starts); O(parallel.jobs.async_status#module:mode=cleanup)
        treats it as running.
    type: int
  queue:
    description:
      - With O(max_running), the name of the queue on each host (1 to 64 letters, digits, V(_) or V(-)), so that tasks
        that name the same queue share its O(max_running) slots, and jobs of a later task wait behind those already
        queued. The latest task's O(max_running) applies. Without it, the task's jobs form a queue of their own.
      - The queue is per job directory, so per user under C(become).
    type: str
  lease:
    description:
      - Seconds each job may go unread before it is stopped. Every read of the job renews its lease (each
        M(parallel.jobs.async_wait) window, on the target, and each M(parallel.jobs.async_status) read); once nobody
        has read it for this long (the play was cancelled, ansible-runner or AWX killed the run, the controller
        crashed), its supervisor sends SIGTERM to the job's tree, waits O(grace) and sends SIGKILL, and the job reads
        C(killed), saying its lease expired.
      - Pick a lease longer than the gap between reads (the wait's O(parallel.jobs.async_wait#module:window) and a
        round trip). A queued job's lease starts when the job does. Without it, jobs run until they end or reach
        O(timeout), whoever waits for them.
    type: float
  retention:
    description:
      - Seconds after which jobs that ended are removed from the job directory, collected or not, when this task starts
        jobs there (running jobs, and lost jobs whose processes still run, are never removed). V(0) keeps them.
      - M(parallel.jobs.async_wrapper) does the same for C(async) tasks, set by E(PARALLEL_JOBS_RETENTION).
    type: int
    default: 604800
  wait_timeout:
    description:
      - With O(wait=true), how many seconds to wait at most. Jobs still running then go on running; the task fails,
        naming them.
      - By default, as long as the jobs' own limits allow (the longest O(timeout) plus O(grace), and 30 seconds for the
        supervisor to record it), or a week if a job has no limit.
    type: float
extends_documentation_fragment:
  - parallel.jobs._attributes
  - parallel.jobs._attributes.ACTION
attributes:
  check_mode:
    support: full
    details: Reports which jobs would start, without starting any.
notes:
  - Jobs run as the user the task runs as (C(become) applies) in that user's job directory (C(ANSIBLE_ASYNC_DIR),
    default C(~/.ansible_async), with C(~) expanded on the target). Collect them with the same C(become) settings.
  - The task's own C(environment) applies to every job; O(jobs[].environment) adds to it per job.
seealso:
  - module: parallel.jobs.async_wait
  - module: parallel.jobs.async_status
  - module: ansible.builtin.command
"""

EXAMPLES = r"""
- name: Start the nightly jobs, one round trip per host
  parallel.jobs.async_start:
    timeout: 3600
    jobs:
      - name: backup
        cmd: /usr/local/bin/backup --all
      - name: report
        cmd: ./make_report.sh > report.txt
        shell: true
        chdir: /srv/reports
      - name: images
        argv: [/usr/local/bin/optimise-images, --quality, "85"]
        environment:
          NICE: "10"
      - name: fetch_dump
        module: ansible.builtin.get_url
        args:
          url: https://backup.example.com/latest.sql.gz
          dest: /var/tmp/latest.sql.gz
  register: started

- name: Do other work while they run
  ansible.builtin.debug:
    msg: "backup runs as job {{ started.jids.backup }}"

- name: Collect them all
  parallel.jobs.async_wait:
    jobs: "{{ started }}"
  register: done

- name: Show the backup's last line
  ansible.builtin.debug:
    msg: "{{ (done.jobs | selectattr('job_name', 'equalto', 'backup') | first).stdout_lines[-1] }}"

- name: Deploy in the background as one job of three steps, stopping at the first that fails
  parallel.jobs.async_start:
    timeout: 1800
    jobs:
      - name: deploy
        chdir: /srv/app
        steps:
          - {name: fetch, cmd: git pull --ff-only}
          - name: migrate
            cmd: ./manage.py migrate --noinput
          - name: restart
            module: ansible.builtin.systemd_service
            args: {name: app, state: restarted}
  register: deploy

- name: Reindex three databases, at most two at a time on each host, in a queue other tasks can share
  parallel.jobs.async_start:
    max_running: 2
    queue: reindex
    jobs:
      - {name: sales, cmd: reindexdb sales}
      - {name: stock, cmd: reindexdb stock}
      - {name: staff, cmd: reindexdb staff}
  register: reindex

- name: Run three checks side by side and wait for all of them, in one round trip per host if they end within 30 s
  parallel.jobs.async_start:
    wait: true
    timeout: 25
    jobs:
      - name: disk
        cmd: df -h /
      - name: web
        module: ansible.builtin.uri
        args:
          url: http://localhost/health
      - name: db
        cmd: mariadb-admin ping
  register: checks
"""

RETURN = r"""
jobs:
  description:
    - One entry per job, in the order given. Pass the whole result to M(parallel.jobs.async_wait) or
      M(parallel.jobs.async_status) (O(parallel.jobs.async_status#module:jids)).
    - With O(wait=true), once the jobs have started, each entry is the job's outcome as M(parallel.jobs.async_wait)
      returns it (RV(parallel.jobs.async_wait#module:jobs)), which also has the keys below.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The job's name.
      type: str
      sample: backup
    ansible_job_id:
      description: The job id. Missing for a job that did not start.
      type: str
      sample: j340017655932.4242
    results_file:
      description: The job file on the target.
      type: str
      sample: /home/deploy/.ansible_async/j340017655932.4242
    started:
      description: Whether the job started. In check mode, V(false).
      type: bool
    started_at:
      description: When the job started, in seconds since the epoch (target clock).
      type: float
      sample: 1795435200.123
    skipped_run:
      description: The command did not run because of O(jobs[].creates) or O(jobs[].removes); its job has already ended.
      type: bool
      returned: when true
    queued:
      description: The job was queued (O(max_running)); it starts when its turn comes.
      type: bool
      returned: with O(max_running)
    queue:
      description: The queue the job waits in.
      type: str
      returned: with O(max_running)
      sample: images
    msg:
      description: Why the job did not start.
      type: str
      returned: for a job that did not start
    cmd:
      description: The command, for command jobs.
      type: str
      returned: for command jobs
    module:
      description: The module, for module jobs.
      type: str
      returned: for module jobs
    steps:
      description: The names of the steps, for jobs of steps.
      type: list
      elements: str
      returned: for jobs of steps
      sample: [fetch, migrate, restart]
jids:
  description: The job ids by name, for the jobs that started.
  returned: always
  type: dict
  sample: {backup: j340017655932.4242, report: j88217740031.4242}
msg:
  description:
    - How many jobs started, and which did not and why.
    - With O(wait=true), once they started, how they ended, as M(parallel.jobs.async_wait) says it.
  returned: always
  type: str
  sample: started 4 jobs
counts:
  description: How many jobs ended in each state (and how many still ran at O(wait_timeout), under C(running)).
  returned: with O(wait=true), when every job started
  type: dict
  sample: {finished: 3, failed: 0, timed_out: 0, killed: 0, lost: 0, corrupt: 0, not_found: 0, running: 0}
elapsed:
  description: Seconds from the start of the task to the end of the wait.
  returned: with O(wait=true), when every job started
  type: float
  sample: 2.31
rounds:
  description: How many wait windows ran; the first runs in the same round trip as the start.
  returned: with O(wait=true), when every job started
  type: int
  sample: 1
"""
