# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""The job supervisor: starts one job detached from the SSH session and sees it through.

The supervisor is a child subreaper, so every descendant of the job stays
in its tree, even one that calls setsid or double-forks. It enforces the
time limit to within a fraction of a second (TERM to the whole tree, a grace
period, then KILL until nothing is left), streams the job's output to files
instead of memory, and records in the job file what a later reader needs to
tell a lost job from a running one and to stop what a lost job left behind.
Records come from the job model; results from ``_results``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import time
from dataclasses import dataclass

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.liveness import process_identity, read_boot_id
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import (
    JobKind,
    JobMeta,
    Outcome,
    final_record,
    final_trailer,
    running_record,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import (
    LEASE_SUFFIX,
    file_mtime,
    job_exists,
    job_path,
    open_new_private,
    open_own_output,
    output_paths,
    reclaim_output,
    remove_job_files,
    remove_output_files,
    stdin_descriptor,
    write_atomic,
    write_record,
)
from ansible_collections.parallel.jobs.plugins.module_utils._proctree import (
    peak_rss,
    process_tree,
    set_child_subreaper,
    stop_processes,
)
from ansible_collections.parallel.jobs.plugins.module_utils._results import (
    command_result,
    module_result,
    output_tails,
    result_chunks,
    stderr_fields,
    step_failed,
    step_result,
    steps_result,
    stopped_message,
    stopped_result,
)
from ansible_collections.parallel.jobs.plugins.module_utils._spawning import (
    WATCHED_SIGNALS,
    exit_code,
    max_fd,
    read_reply,
    redirect_stdio,
    send_reply,
    spawn_process,
)

# How often the supervisor refreshes the list of the job's processes in the
# job file when nothing else wakes it.
REFRESH_INTERVAL = 1.0
# A job's result that cannot be written (disk full) is tried again for this long; then a short failure record
# takes its place, tried again for RECORD_RETRY, and the output files are kept.
RESULT_RETRY = 10.0
RECORD_RETRY = 600.0
RETRY_PAUSE = 0.5


@dataclass
class JobSpec:
    """What to run as one job and under which limits.

    ``kind`` says how the result is built: the JSON a module prints
    (JobKind.MODULE), or a result shaped like ``ansible.builtin.command``'s
    from the output files (JobKind.COMMAND, which needs ``cmd`` and keeps at
    most ``output_limit`` bytes per stream). ``stdin_data`` is fed from a
    file unlinked as soon as it is open.
    """

    job_dir: str
    jid: str
    kind: str
    argv: list
    time_limit: int
    grace: float
    name: str | None = None
    module: str | None = None
    cmd: str | None = None
    output_limit: int = 0
    cwd: str | None = None
    env: dict | None = None
    stdin_data: bytes | None = None
    # The wrapper's module directory, removed once the job has ended (unless the task keeps it).
    remove_dir: str | None = None
    # A job of the drop-in wrapper: its records follow core's contract where core's differ from ours.
    core_contract: bool = False
    # When the limit is enforced, if not at time_limit (the drop-in wrapper never stops a job earlier than core's would).
    enforce_after: float | None = None
    # The queue the job waited in: its queued record is replaced by the running one.
    queue: str | None = None
    # Stop the job once nobody has read it for this many seconds (reads touch <jid>.lease).
    lease: float | None = None
    # A job of steps (JobKind.STEPS): dicts with name, kind, argv, cmd or module, stdin_data, ignore_errors, run in
    # order in place of argv, each writing the job's output files afresh.
    steps: list | None = None


def start_job(spec: JobSpec) -> None:
    """Start ``spec`` under a detached supervisor; return once its job file says it runs.

    Raises JobError if the job could not be started. The caller may exit at
    once afterwards: the supervisor does not depend on it.
    """
    confirm_start(begin_start(spec))


def begin_start(spec: JobSpec, child: bool = False) -> tuple:
    """Fork ``spec``'s supervisor and return without waiting for it; pass the result to confirm_start.

    Starting many jobs this way lets their supervisors set up side by side.
    With ``child`` (a queue's runner, itself detached) the supervisor stays
    this process's child, so that its exit wakes the caller; its pid is the
    result's first item.
    """
    if spec.queue is None and job_exists(spec.job_dir, spec.jid):
        raise JobError('job %s already exists in %s' % (spec.jid, spec.job_dir))
    read_fd, write_fd = os.pipe()
    first = os.fork()
    if first == 0:
        # Intermediate child: new session, fork the supervisor, leave, so the
        # supervisor is nobody's child here and outlives the SSH session.
        code = 1
        try:
            # Only the reply pipe: the launcher's other pipes (a batch holds one per job) stay out of every
            # supervisor, so each holds one descriptor, not one per job started before it.
            os.closerange(3, write_fd)
            os.closerange(write_fd + 1, max_fd())
            os.setsid()
            if child or os.fork() == 0:
                code = _run_supervisor(spec, write_fd)
            else:
                code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return first, read_fd, child


def confirm_start(started: tuple) -> None:
    """Wait for the supervisor forked by begin_start to say the job runs; raise JobError if it does not."""
    first, read_fd, child = started
    if not child:
        os.waitpid(first, 0)
    reply = read_reply(read_fd)
    if not reply.get('ok'):
        raise JobError(reply.get('msg') or 'the job supervisor ended before the job started')


class _Supervisor:
    def __init__(self, spec: JobSpec):
        self.spec = spec
        self.path = job_path(spec.job_dir, spec.jid)
        self.stdout_path, self.stderr_path = output_paths(spec.job_dir, spec.jid)
        self.pid = os.getpid()
        self.job_pid = None
        self.job_status = None
        self.started_mono = time.monotonic()
        self.meta = JobMeta(kind=spec.kind, name=spec.name, cmd=spec.cmd, module=spec.module, started_at=time.time(),
                            time_limit=spec.time_limit, grace=spec.grace, boot_id=read_boot_id(),
                            stdout_file=self.stdout_path, stderr_file=self.stderr_path, queue=spec.queue,
                            lease=spec.lease)
        self.lease_path = self.path + LEASE_SUFFIX if spec.lease else None
        # Why the job was stopped, when not on request or at its limit.
        self.stop_reason = None
        # Read ends of the output files, kept while the job runs: the result is the job's own output even if
        # the names are swapped (for a symlink, say) meanwhile.
        self.output_fds = ()
        self.env = None
        self.step_index = 0
        self.step_started_at = None
        self.step_results = []

    def write_running(self) -> None:
        write_record(self.path, running_record(self.spec.jid, self.path, self.meta))

    def refresh(self, processes: list) -> None:
        """Record the job's processes. A write that fails (disk full) is tried again at the next refresh: a
        record that lags behind is better than stopping a healthy job."""
        previous, self.meta.processes = self.meta.processes, processes
        try:
            self.write_running()
        except OSError:
            self.meta.processes = previous

    def start(self) -> None:
        spec = self.spec
        if spec.cwd:
            os.chdir(spec.cwd)
        # The record comes first: where it cannot be written (disk full), the job does not start, and says so,
        # rather than running with nothing on disk that names it.
        self.meta.supervisor = process_identity(self.pid)
        if self.lease_path:
            os.close(open_new_private(self.lease_path))
        self.write_running()
        env = os.environ
        if spec.env:
            env = dict(os.environ)
            env.update(spec.env)
        self.env = env
        if spec.steps:
            self.meta.steps = [{'name': spec.steps[0]['name'], 'state': 'running'}]
            self.launch(spec.steps[0]['argv'], spec.steps[0].pop('stdin_data', None))
        else:
            self.launch(spec.argv, spec.stdin_data)
        spec.stdin_data = None

    def launch(self, argv: list, stdin_data) -> None:
        """Spawn the job's process (or a step's) with fresh output files, and record it."""
        spec = self.spec
        stdin_fd = stdin_descriptor(spec.job_dir, spec.jid, stdin_data)
        try:
            stdout_fd = open_new_private(self.stdout_path)
            stderr_fd = open_new_private(self.stderr_path)
            try:
                self.output_fds = (open_own_output(self.stdout_path, stdout_fd),
                                   open_own_output(self.stderr_path, stderr_fd))
                self.job_pid = spawn_process(argv, stdin_fd, stdout_fd, stderr_fd, self.env)
            except BaseException:
                remove_output_files(spec.job_dir, spec.jid)
                raise
            finally:
                os.close(stdout_fd)
                os.close(stderr_fd)
        finally:
            os.close(stdin_fd)
        self.step_started_at = time.time()
        self.meta.job = process_identity(self.job_pid) or {'pid': self.job_pid, 'start_time': None}
        self.meta.session = self.job_pid
        self.refresh(process_tree(self.pid))

    def step_ended(self, stopped: str | None = None) -> dict:
        """The result of the step that just ended (or was stopped, ``stopped`` saying how), noted in the record."""
        step = self.spec.steps[self.step_index]
        self.reclaim_output()
        result = step_result(step, self.spec.output_limit, self.stdout_path, self.stderr_path,
                             exit_code(self.job_status), self.step_started_at, time.time())
        if stopped:
            result.update(failed=True)
            result[stopped] = True
        self.step_results.append(result)
        self.meta.steps[-1].update(state=stopped or ('failed' if step_failed(result) else 'finished'),
                                   rc=result.get('rc'))
        return result

    def next_step(self) -> bool:
        """After a step ended: start the next one, if there is one and the job goes on. False: the job has ended."""
        steps = self.spec.steps
        result = self.step_ended()
        if step_failed(result) and not steps[self.step_index].get('ignore_errors'):
            return False
        if self.step_index + 1 >= len(steps):
            return False
        self.step_index += 1
        step = steps[self.step_index]
        self.meta.steps.append({'name': step['name'], 'state': 'running'})
        for fd in self.output_fds:
            os.close(fd)
        self.output_fds = ()
        remove_output_files(self.spec.job_dir, self.spec.jid)
        self.job_status = None
        try:
            self.launch(step['argv'], step.pop('stdin_data', None))
        except (OSError, JobError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.step_results.append({'name': step['name'], 'failed': True, 'msg': 'could not start: %s' % reason})
            self.meta.steps[-1].update(state='failed')
            self.job_status = 0
            return False
        return True

    # -- the watch ----------------------------------------------------------

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.job_pid:
                self.job_status = status

    def tree(self) -> list:
        return process_tree(self.pid)

    def watch(self) -> tuple:
        """Wait for the job to end, the deadline to pass or a stop request. Returns (outcome, signal)."""
        limit = self.spec.enforce_after if self.spec.enforce_after is not None else self.spec.time_limit
        deadline = self.started_mono + limit if limit > 0 else None
        while True:
            self.reap()
            if self.job_status is not None:
                if self.spec.steps and self.next_step():
                    continue
                return Outcome.COMPLETED, None
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return Outcome.TIMED_OUT, stop_processes(self.tree, self.spec.grace, self.reap)
            if self.lease_expired():
                self.stop_reason = 'its lease of %g s expired (nobody read the job that long)' % self.spec.lease
                return Outcome.KILLED, stop_processes(self.tree, self.spec.grace, self.reap)
            wait = REFRESH_INTERVAL if deadline is None else min(REFRESH_INTERVAL, deadline - now)
            info = signal.sigtimedwait(WATCHED_SIGNALS, max(0.001, wait))
            if info is not None and info.si_signo in (signal.SIGTERM, signal.SIGINT):
                return Outcome.KILLED, stop_processes(self.tree, self.spec.grace, self.reap)
            current = self.tree()
            if current != self.meta.processes:
                self.refresh(current)

    def lease_expired(self) -> bool:
        if not self.lease_path:
            return False
        renewed = file_mtime(self.lease_path)
        # A lease file removed from outside counts as unread since the job started.
        return time.time() - (renewed if renewed is not None else self.meta.started_at) > self.spec.lease

    def finish(self, outcome: str, sent: str | None) -> None:
        # Make sure the job's own process has been collected before judging it.
        while self.job_status is None:
            try:
                _pid, self.job_status = os.waitpid(self.job_pid, 0)
            except ChildProcessError:
                break
        meta, spec = self.meta, self.spec
        meta.ended_at = time.time()
        meta.outcome = outcome
        meta.processes = []
        meta.rc = rc = exit_code(self.job_status)
        elapsed = round(meta.ended_at - meta.started_at, 3)
        if outcome != Outcome.COMPLETED:
            meta.signal = sent
            meta.reason = stopped_message(outcome, elapsed, spec.time_limit, sent, self.stop_reason)

        self.reclaim_output()
        keep, extra = (), {}
        if spec.kind == JobKind.STEPS:
            stopped = None
            if outcome != Outcome.COMPLETED:
                self.step_ended(outcome)
                stopped = stopped_result(outcome, elapsed, spec.time_limit, sent, rc, why=self.stop_reason)
            result = steps_result(spec.steps, self.step_results, stopped)
            meta.steps = None
        elif spec.kind == JobKind.COMMAND:
            result, keep = command_result(spec.cmd, spec.output_limit, self.stdout_path, self.stderr_path, rc,
                                          meta.started_at, meta.ended_at)
            if outcome != Outcome.COMPLETED:
                result.update(failed=True, signal=sent, elapsed=elapsed, msg=meta.reason)
                result[outcome] = True
        elif outcome == Outcome.COMPLETED:
            result = module_result(self.stdout_path, self.stderr_path, rc, shlex.join(spec.argv))
            if not isinstance(result, dict):
                # Spliced from the output file: stderr goes with our keys, after the module's.
                extra = stderr_fields(self.stderr_path)
        else:
            result = stopped_result(outcome, elapsed, spec.time_limit, sent, rc,
                                    core_pid=self.job_pid if spec.core_contract else None, why=self.stop_reason)
            result.update(output_tails(self.stdout_path, self.stderr_path))
        if meta.reclaimed and isinstance(result, dict):
            result.setdefault('warnings', []).append(
                'the job output file %s was replaced while the job ran; the result holds the job\'s own output'
                % ' and '.join(meta.reclaimed))
        # Taken once the result is built: that is where a wrapper that buffers output peaks.
        meta.supervisor_peak_rss = peak_rss()
        trailer = dict(extra, **final_trailer(spec.jid, meta))
        error = _retry(lambda: write_atomic(self.path, result_chunks(result, self.stdout_path, trailer)),
                       RESULT_RETRY)
        if self.lease_path:
            try:
                os.unlink(self.lease_path)
            except OSError:
                pass
        if error is None:
            remove_output_files(spec.job_dir, spec.jid, keep)
            return
        # Never a success that was not recorded: a short failure record, and the output kept where it is.
        msg = 'the job ended (rc=%s) but its result could not be written to %s: %s; its output is kept in %s' % (
            rc, self.path, error.strerror or error, ' and '.join(output_paths(spec.job_dir, spec.jid)))
        meta.reason = msg
        error = _retry(lambda: write_record(self.path, final_record({'failed': True, 'msg': msg, 'rc': rc},
                                                                    spec.jid, meta)), RECORD_RETRY)
        if error is not None:
            raise error

    def reclaim_output(self) -> None:
        reclaimed = []
        for path, fd in zip((self.stdout_path, self.stderr_path), self.output_fds):
            try:
                if reclaim_output(path, fd):
                    reclaimed.append(path)
            except (OSError, JobError):
                # Built from what the name holds: never followed (the reads refuse links), at worst empty.
                pass
        # A job of steps reclaims after each step: what every step found counts.
        seen = self.meta.reclaimed or []
        self.meta.reclaimed = seen + [path for path in reclaimed if path not in seen] or None

    def fail(self, msg: str) -> None:
        """Record a failure of the supervisor itself, after stopping what it started."""
        stop_processes(self.tree, self.spec.grace, self.reap)
        self.meta.ended_at = time.time()
        self.meta.outcome = Outcome.COMPLETED
        self.meta.processes = []
        write_record(self.path, final_record({'failed': True, 'msg': msg}, self.spec.jid, self.meta))


def _retry(write, period: float):
    """Call ``write`` until it does not raise OSError or ``period`` seconds have passed; the last error, or None."""
    deadline = time.monotonic() + period
    while True:
        try:
            write()
            return None
        except OSError as exc:
            if time.monotonic() >= deadline:
                return exc
        time.sleep(RETRY_PAUSE)


def _run_supervisor(spec: JobSpec, write_fd: int) -> int:
    redirect_stdio()
    supervisor = _Supervisor(spec)
    try:
        set_child_subreaper()
        signal.pthread_sigmask(signal.SIG_BLOCK, WATCHED_SIGNALS)
        supervisor.start()
    except Exception as exc:  # reported to the caller, who reports it to the controller
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if supervisor.job_pid is not None:
            # Started, then something failed: stopped, never left running unsupervised.
            stop_processes(supervisor.tree, spec.grace, supervisor.reap)
        try:
            # The task says the job did not start: no record may say otherwise.
            remove_job_files(spec.job_dir, spec.jid)
        except JobError:
            pass
        send_reply(write_fd, {'ok': False, 'msg': 'could not start job %s: %s' % (spec.jid, reason)})
        return 1
    send_reply(write_fd, {'ok': True})
    try:
        outcome, sent = supervisor.watch()
        supervisor.finish(outcome, sent)
    except Exception as exc:
        supervisor.fail('the job supervisor failed: %s' % exc)
    finally:
        if spec.remove_dir:
            shutil.rmtree(spec.remove_dir, ignore_errors=True)
    return 0


__all__ = ('JobSpec', 'start_job', 'begin_start', 'confirm_start')
