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
All job files are written through the job model (``_jobs``).
"""

from __future__ import annotations

import ctypes
import datetime
import json
import os
import re
import select
import shutil
import signal
import time

from ansible_collections.parallel.jobs.plugins.module_utils._jobs import (
    META_KEY,
    RECORD_FORMAT,
    JobError,
    JobState,
    JobStatus,
    job_path,
    open_new_private,
    output_paths,
    process_identity,
    read_boot_id,
    read_job,
    read_proc_stat,
    read_tail,
    write_atomic,
    write_record,
)

GRACE_DEFAULT = 5.0
GRACE_ENV = 'PARALLEL_JOBS_GRACE'
# How often the supervisor refreshes the list of the job's processes in the
# job file when nothing else wakes it.
REFRESH_INTERVAL = 1.0
# Module results up to this size are parsed and merged; larger ones are
# spliced into the job file in chunks so the supervisor's memory stays flat.
PARSE_LIMIT = 1024 * 1024
OUTPUT_TAIL = 64 * 1024
COPY_CHUNK = 1024 * 1024
START_TIMEOUT = 30.0
_JSON_START = re.compile(rb'(?m)^[ \t\r]*\{')
_JSON_END = re.compile(rb'\}(?=[ \t\r]*(?:\n|\Z))')

_PR_SET_CHILD_SUBREAPER = 36
_WATCHED_SIGNALS = (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# Dispositions Python changes at start-up or we block: the job gets the defaults back.
_RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ) + _WATCHED_SIGNALS


def parse_grace(value) -> float:
    """Seconds between TERM and KILL, from an option or the environment variable."""
    if value is None or value == '':
        return GRACE_DEFAULT
    try:
        grace = float(value)
    except (TypeError, ValueError):
        raise JobError('%s=%r is not a number of seconds' % (GRACE_ENV, value))
    if not 0 <= grace <= 3600:
        raise JobError('%s=%r must be between 0 and 3600 seconds' % (GRACE_ENV, value))
    return grace


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return 'signal %d' % signum


def peak_rss() -> int | None:
    """This process's peak resident memory in bytes (VmHWM), recorded so memory claims can be checked."""
    try:
        with open('/proc/self/status') as handle:
            for line in handle:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def set_child_subreaper() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


# ---------------------------------------------------------------------------
# Process trees


def _children(pid: int) -> list:
    """Direct children of ``pid``, from /proc/PID/task/*/children (no full /proc scan)."""
    found = []
    try:
        tasks = os.listdir('/proc/%d/task' % pid)
    except OSError:
        return found
    for tid in tasks:
        try:
            with open('/proc/%d/task/%s/children' % (pid, tid)) as handle:
                found.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return found


def process_tree(root: int) -> list:
    """Live descendants of ``root`` as ``[pid, start_time]`` pairs (zombies left out)."""
    tree = []
    pending = _children(root)
    seen = set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        info = read_proc_stat(pid)
        if info is None:
            continue
        if info['state'] != 'Z':
            tree.append([pid, info['start_time']])
        pending.extend(_children(pid))
    return tree


def live_processes(recorded) -> list:
    """Those of the recorded ``[pid, start_time]`` pairs that still run, plus their descendants."""
    found = {}
    for entry in recorded or ():
        try:
            pid, start_time = int(entry[0]), int(entry[1])
        except (TypeError, ValueError, IndexError):
            continue
        info = read_proc_stat(pid)
        if info is None or info['start_time'] != start_time or info['state'] == 'Z':
            continue
        found[pid] = start_time
        for child, child_start in process_tree(pid):
            found[child] = child_start
    return [[pid, start] for pid, start in sorted(found.items())]


def signal_processes(processes, signum: int) -> None:
    for pid, start_time in processes:
        info = read_proc_stat(pid)
        if info is None or info['start_time'] != start_time:
            continue
        try:
            os.kill(pid, signum)
        except OSError:
            pass


def stop_processes(list_processes, grace: float, reap=None) -> str | None:
    """TERM everything ``list_processes()`` returns, wait up to ``grace``, then KILL until none is left.

    Returns the name of the last signal sent, or None if nothing was running.
    ``reap`` is called while waiting so that a parent can collect its children.
    """
    processes = list_processes()
    if not processes:
        return None
    signal_processes(processes, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if reap:
            reap()
        if not list_processes():
            return 'SIGTERM'
        time.sleep(0.05)
    for _attempt in range(200):
        processes = list_processes()
        if not processes:
            break
        signal_processes(processes, signal.SIGKILL)
        if reap:
            reap()
        time.sleep(0.02)
    return 'SIGKILL'


# ---------------------------------------------------------------------------
# Starting a job


class JobSpec:
    """What to run as one job and under which limits.

    A module job's result is the JSON its process prints. A command job
    (``command`` given: ``{'cmd': ..., 'output_limit': bytes}``) gets a result
    shaped like ``ansible.builtin.command``'s, built from its output files.
    ``stdin_data`` is fed from a file that is unlinked as soon as it is open,
    so nothing of it (a module payload with its arguments) stays on disk.
    """

    def __init__(self, job_dir: str, jid: str, argv: list, time_limit: int, grace: float,
                 remove_dir: str | None = None, extra_meta: dict | None = None, cwd: str | None = None,
                 env: dict | None = None, stdin_data: bytes | None = None, command: dict | None = None):
        self.job_dir = job_dir
        self.jid = jid
        self.argv = argv
        self.time_limit = time_limit
        self.grace = grace
        self.remove_dir = remove_dir
        self.extra_meta = extra_meta or {}
        self.cwd = cwd
        self.env = env
        self.stdin_data = stdin_data
        self.command = command


def start_job(spec: JobSpec) -> None:
    """Start ``spec`` under a detached supervisor; return once its job file says it runs.

    Raises JobError if the job could not be started. The caller may exit at
    once afterwards: the supervisor does not depend on it.
    """
    confirm_start(begin_start(spec))


def begin_start(spec: JobSpec) -> tuple:
    """Fork ``spec``'s supervisor and return without waiting for it; pass the result to confirm_start.

    Starting many jobs this way lets their supervisors set up side by side.
    """
    path = job_path(spec.job_dir, spec.jid)
    if os.path.lexists(path):
        raise JobError('job %s already exists in %s' % (spec.jid, spec.job_dir))
    read_fd, write_fd = os.pipe()
    first = os.fork()
    if first == 0:
        # Intermediate child: new session, fork the supervisor, leave, so the
        # supervisor is nobody's child here and outlives the SSH session.
        code = 1
        try:
            os.close(read_fd)
            os.setsid()
            if os.fork() == 0:
                code = _run_supervisor(spec, write_fd)
            else:
                code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    return first, read_fd


def confirm_start(started: tuple) -> None:
    """Wait for the supervisor forked by begin_start to say the job runs; raise JobError if it does not."""
    first, read_fd = started
    os.waitpid(first, 0)
    reply = _read_reply(read_fd)
    if not reply.get('ok'):
        raise JobError(reply.get('msg') or 'the job supervisor ended before the job started')


def _read_reply(read_fd: int) -> dict:
    data = b''
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while time.monotonic() < deadline:
            ready, _w, _x = select.select([read_fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(read_fd, 65536)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(read_fd)
    try:
        return json.loads(data.decode('utf-8')) if data else {}
    except ValueError:
        return {}


def _send_reply(write_fd: int, reply: dict) -> None:
    try:
        os.write(write_fd, json.dumps(reply).encode('utf-8'))
    finally:
        os.close(write_fd)


def _redirect_stdio() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    if devnull > 2:
        os.close(devnull)


def _spawn(argv: list, stdin_fd: int, stdout_fd: int, stderr_fd: int, env) -> int:
    """Start ``argv`` in a session of its own with our files as stdin/stdout/stderr."""
    actions = [
        (os.POSIX_SPAWN_DUP2, stdin_fd, 0),
        (os.POSIX_SPAWN_DUP2, stdout_fd, 1),
        (os.POSIX_SPAWN_DUP2, stderr_fd, 2),
    ]
    try:
        return os.posix_spawnp(argv[0], argv, env, file_actions=actions, setsid=True,
                               setsigmask=(), setsigdef=_RESET_SIGNALS)
    except NotImplementedError:
        pass
    # libc without POSIX_SPAWN_SETSID: the same by hand.
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.dup2(stdin_fd, 0)
            os.dup2(stdout_fd, 1)
            os.dup2(stderr_fd, 2)
            for signum in _RESET_SIGNALS:
                signal.signal(signum, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, ())
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    return pid


class _Supervisor:
    def __init__(self, spec: JobSpec):
        self.spec = spec
        self.path = job_path(spec.job_dir, spec.jid)
        self.stdout_path, self.stderr_path = output_paths(spec.job_dir, spec.jid)
        self.pid = os.getpid()
        self.module_pid = None
        self.module_status = None
        self.processes = []
        self.started_at = time.time()
        self.started_mono = time.monotonic()
        self.meta = {}

    # -- records ----------------------------------------------------------

    def running_record(self) -> dict:
        return {'started': True, 'finished': False, 'ansible_job_id': self.spec.jid,
                'results_file': self.path, META_KEY: self.meta}

    def write_running(self) -> None:
        self.meta['processes'] = self.processes
        write_record(self.path, self.running_record())

    def _stdin_fd(self) -> int:
        if self.spec.stdin_data is None:
            return os.open(os.devnull, os.O_RDONLY)
        path = job_path(self.spec.job_dir, self.spec.jid) + '.stdin'
        fd = open_new_private(path)
        try:
            with os.fdopen(os.dup(fd), 'wb') as handle:
                handle.write(self.spec.stdin_data)
            read_fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        finally:
            os.close(fd)
            os.unlink(path)
        self.spec.stdin_data = None
        return read_fd

    def start(self) -> None:
        if self.spec.cwd:
            os.chdir(self.spec.cwd)
        env = os.environ
        if self.spec.env:
            env = dict(os.environ)
            env.update(self.spec.env)
        stdin_fd = self._stdin_fd()
        try:
            stdout_fd = open_new_private(self.stdout_path)
            stderr_fd = open_new_private(self.stderr_path)
            try:
                self.module_pid = _spawn(self.spec.argv, stdin_fd, stdout_fd, stderr_fd, env)
            except BaseException:
                for path in (self.stdout_path, self.stderr_path):
                    os.unlink(path)
                raise
            finally:
                os.close(stdout_fd)
                os.close(stderr_fd)
        finally:
            os.close(stdin_fd)
        self.meta.update(self.spec.extra_meta)
        self.meta.update({
            'format': RECORD_FORMAT,
            'started_at': self.started_at,
            'time_limit': self.spec.time_limit,
            'grace': self.spec.grace,
            'boot_id': read_boot_id(),
            'supervisor': process_identity(self.pid),
            'job': process_identity(self.module_pid) or {'pid': self.module_pid, 'start_time': None},
            'session': self.module_pid,
            'stdout_file': self.stdout_path,
            'stderr_file': self.stderr_path,
        })
        self.processes = process_tree(self.pid)
        self.write_running()

    # -- the watch ----------------------------------------------------------

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.module_pid:
                self.module_status = status

    def tree(self) -> list:
        return process_tree(self.pid)

    def watch(self) -> tuple:
        """Wait for the job to end, the deadline to pass or a stop request. Returns (outcome, signal)."""
        limit = self.spec.time_limit
        deadline = self.started_mono + limit if limit > 0 else None
        while True:
            self.reap()
            if self.module_status is not None:
                return 'completed', None
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return JobState.TIMED_OUT, stop_processes(self.tree, self.spec.grace, self.reap)
            wait = REFRESH_INTERVAL if deadline is None else min(REFRESH_INTERVAL, deadline - now)
            info = signal.sigtimedwait(_WATCHED_SIGNALS, max(0.001, wait))
            if info is not None and info.si_signo in (signal.SIGTERM, signal.SIGINT):
                return JobState.KILLED, stop_processes(self.tree, self.spec.grace, self.reap)
            current = self.tree()
            if current != self.processes:
                self.processes = current
                self.write_running()

    def finish(self, outcome: str, sent: str | None) -> None:
        # Make sure the job's own process has been collected before judging it.
        while self.module_status is None:
            try:
                _pid, self.module_status = os.waitpid(self.module_pid, 0)
            except ChildProcessError:
                break
        ended_at = time.time()
        self.meta.update({'ended_at': ended_at, 'outcome': outcome, 'processes': []})
        elapsed = round(ended_at - self.started_at, 3)
        status = self.module_status
        rc = None
        if status is not None:
            rc = os.waitstatus_to_exitcode(status) if hasattr(os, 'waitstatus_to_exitcode') else (
                -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
        self.meta['rc'] = rc
        trailer = {'started': True, 'finished': True, 'ansible_job_id': self.spec.jid, META_KEY: self.meta}

        keep = ()
        if self.spec.command is not None:
            result, keep = command_result(self.spec.command, self.stdout_path, self.stderr_path, rc,
                                          self.started_at, ended_at)
            if outcome != 'completed':
                self.meta['signal'] = sent
                result.update(failed=True, signal=sent, elapsed=elapsed, msg=_stopped_message(
                    outcome, elapsed, self.spec.time_limit, sent))
                result[outcome] = True
        elif outcome == 'completed':
            result = module_result(self.stdout_path, self.stderr_path, rc)
        else:
            msg = _stopped_message(outcome, elapsed, self.spec.time_limit, sent)
            self.meta['signal'] = sent
            result = {'failed': True, 'msg': msg, 'rc': rc, 'signal': sent, 'elapsed': elapsed, outcome: True}
            result.update(_output_tails(self.stdout_path, self.stderr_path))
        # Taken once the result is built: that is where a wrapper that buffers output peaks.
        self.meta['supervisor_peak_rss'] = peak_rss()
        chunks = result_chunks(result, self.stdout_path, trailer)
        write_atomic(self.path, chunks)
        for leftover in (self.stdout_path, self.stderr_path):
            if leftover in keep:
                continue
            try:
                os.unlink(leftover)
            except OSError:
                pass

    def fail(self, msg: str) -> None:
        """Record a failure of the supervisor itself, after stopping what it started."""
        stop_processes(self.tree, self.spec.grace, self.reap)
        self.meta.update({'ended_at': time.time(), 'outcome': 'completed', 'processes': []})
        write_record(self.path, {'failed': True, 'msg': msg, 'started': True, 'finished': True,
                                 'ansible_job_id': self.spec.jid, META_KEY: self.meta})


def _stopped_message(outcome: str, elapsed: float, time_limit: int, sent) -> str:
    if outcome == JobState.TIMED_OUT:
        return 'Timed out after %.1f s (limit %d s): ended with %s' % (elapsed, time_limit, sent)
    return 'Killed on request after %.1f s: ended with %s' % (elapsed, sent)


def _run_supervisor(spec: JobSpec, write_fd: int) -> int:
    _redirect_stdio()
    supervisor = _Supervisor(spec)
    try:
        set_child_subreaper()
        signal.pthread_sigmask(signal.SIG_BLOCK, _WATCHED_SIGNALS)
        supervisor.start()
    except Exception as exc:  # reported to the caller, who reports it to the controller
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        _send_reply(write_fd, {'ok': False, 'msg': 'could not start job %s: %s' % (spec.jid, reason)})
        return 1
    _send_reply(write_fd, {'ok': True})
    try:
        outcome, sent = supervisor.watch()
        supervisor.finish(outcome, sent)
    except Exception as exc:
        supervisor.fail('the job supervisor failed: %s' % exc)
    finally:
        if spec.remove_dir:
            shutil.rmtree(spec.remove_dir, ignore_errors=True)
    return 0


# ---------------------------------------------------------------------------
# The module's result


def _output_tails(stdout_path: str, stderr_path: str) -> dict:
    tails = {}
    for key, path in (('module_stdout', stdout_path), ('module_stderr', stderr_path)):
        text, _cut = read_tail(path, OUTPUT_TAIL)
        if text:
            tails[key] = text
    return tails


def _json_bounds(path: str, size: int) -> tuple:
    """Offsets of the first '{' that starts a line and of the last '}' in a file, read in chunks.

    Text before the JSON (a MOTD, a warning) and after it is skipped, as core
    does for module output.
    """
    start = end = None
    with open(path, 'rb') as handle:
        offset, carry = 0, b''
        while start is None:
            chunk = handle.read(COPY_CHUNK)
            if not chunk:
                break
            data = carry + chunk
            match = _JSON_START.search(data)
            if match:
                start = offset - len(carry) + match.end() - 1
                break
            offset += len(chunk)
            # Keep the unfinished last line only while it is blank so far:
            # a '{' after other text on a line does not start the JSON.
            partial = data[data.rfind(b'\n') + 1:]
            carry = partial if not partial.strip() else b'x'
        # The JSON ends at the last '}' that ends a line: a '}' in trailing
        # text such as "closed {x} ok" is not it.
        position, later = size, b''
        while end is None and position > (start or 0):
            step = min(COPY_CHUNK, position)
            handle.seek(position - step)
            chunk = handle.read(step)
            data = chunk + later[:later.find(b'\n') + 1 if b'\n' in later else len(later)]
            for match in _JSON_END.finditer(data):
                if match.start() < len(chunk):
                    end = position - step + match.start()
            position -= step
            later = chunk
    return start, end


def module_result(stdout_path: str, stderr_path: str, rc):
    """A finished module's result: the parsed dict when its output is small, else the (start, end)
    offsets of its JSON in ``stdout_path``, to be spliced into the job file without loading it."""
    size = os.path.getsize(stdout_path)
    if size > PARSE_LIMIT:
        start, end = _json_bounds(stdout_path, size)
        if start is not None and end is not None and end > start:
            if _only_space_between(stdout_path, start, end):
                return {}
            return start, end
        result = None
    else:
        with open(stdout_path, 'rb') as handle:
            result = _parse_module_output(handle.read().decode('utf-8', errors='surrogateescape'))
    if result is None:
        result = {'failed': True, 'rc': rc, 'msg': 'the module ended (rc=%s) without printing a JSON result' % rc}
        result.update(_output_tails(stdout_path, stderr_path))
    else:
        stderr_text, _cut = read_tail(stderr_path, OUTPUT_TAIL)
        if stderr_text and 'module_stderr' not in result:
            result['module_stderr'] = stderr_text
    return result


def _timestamp(when: float) -> str:
    return datetime.datetime.fromtimestamp(when).strftime('%Y-%m-%d %H:%M:%S.%f')


def command_result(command: dict, stdout_path: str, stderr_path: str, rc, started_at: float, ended_at: float) -> tuple:
    """A command job's result, shaped like ``ansible.builtin.command``'s, and the output files to keep.

    At most ``output_limit`` bytes of each stream go into the result (the end
    of the output, cut at a line start); when a stream is longer its file is
    kept and named in ``stdout_file``/``stderr_file``.
    """
    limit = command['output_limit']
    result = {'cmd': command['cmd'], 'rc': rc, 'changed': True, 'start': _timestamp(started_at),
              'end': _timestamp(ended_at), 'delta': str(datetime.timedelta(seconds=round(ended_at - started_at, 6)))}
    keep = []
    for key, path in (('stdout', stdout_path), ('stderr', stderr_path)):
        text, cut = read_tail(path, limit) if limit > 0 else ('', _size(path) > 0)
        result[key] = text[:-1] if text.endswith('\n') else text
        result[key + '_truncated'] = cut
        if cut:
            result[key + '_file'] = path
            keep.append(path)
    if rc != 0:
        result['failed'] = True
        result['msg'] = 'non-zero return code' if rc is None or rc > 0 else 'killed by %s' % signal_name(-rc)
    return result, tuple(keep)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _only_space_between(path: str, start: int, end: int) -> bool:
    """True if nothing but whitespace lies between the braces at ``start`` and ``end``: an empty object."""
    with open(path, 'rb') as handle:
        handle.seek(start + 1)
        while handle.tell() < end:
            chunk = handle.read(min(COPY_CHUNK, end - handle.tell()))
            if not chunk or chunk.strip():
                return not chunk
    return True


def result_chunks(result, stdout_path: str, trailer: dict):
    """The bytes of a job file: ``result`` (a dict, or offsets from module_result) with ``trailer``'s keys merged."""
    if isinstance(result, dict):
        record = dict(result)
        record.update(trailer)
        return [json.dumps(record).encode('utf-8', errors='surrogateescape')]
    start, end = result
    # Later duplicate keys win in JSON readers: our keys go last.
    return _splice(stdout_path, start, end, b', ' + json.dumps(trailer).encode('utf-8')[1:])


def _splice(path: str, start: int, end: int, tail: bytes):
    with open(path, 'rb') as handle:
        handle.seek(start)
        remaining = end - start
        while remaining > 0:
            chunk = handle.read(min(COPY_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    yield tail


def _parse_module_output(text: str) -> dict | None:
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.lstrip().startswith('{'):
            candidate = '\n'.join(lines[index:])
            try:
                result, _end = json.JSONDecoder().raw_decode(candidate.lstrip())
            except ValueError:
                return None
            return result if isinstance(result, dict) else None
    return None


__all__ = (
    'GRACE_DEFAULT', 'GRACE_ENV', 'JobSpec', 'parse_grace', 'signal_name', 'set_child_subreaper',
    'process_tree', 'live_processes', 'signal_processes', 'stop_processes', 'start_job', 'begin_start',
    'confirm_start', 'peak_rss',
    'module_result', 'command_result', 'result_chunks', 'stop_job',
)


# ---------------------------------------------------------------------------
# Stopping a job from outside


def stop_job(job_dir: str, jid: str, grace: float | None = None, settle: float = 10.0) -> JobStatus:
    """Stop a job's whole process tree (TERM, grace, KILL) and return its state afterwards (``killed``).

    A running job is stopped by its own supervisor, which records the outcome.
    A lost job's recorded processes are stopped here, and its record says so.
    Jobs that have ended are left as they are.
    """
    status = read_job(job_dir, jid)
    meta = status.meta
    if status.state == JobState.RUNNING:
        supervisor = meta.get('supervisor')
        if not meta or not isinstance(supervisor, dict):
            raise JobError("job %s was started by ansible-core's wrapper, which records no pid: it cannot be stopped"
                           % jid)
        try:
            os.kill(supervisor['pid'], signal.SIGTERM)
        except OSError as exc:
            raise JobError('cannot signal the supervisor of job %s (pid %s): %s' % (jid, supervisor['pid'], exc.strerror))
        job_grace = meta.get('grace') if isinstance(meta.get('grace'), (int, float)) else GRACE_DEFAULT
        deadline = time.monotonic() + job_grace + settle
        while time.monotonic() < deadline:
            status = read_job(job_dir, jid)
            if status.ended:
                return status
            time.sleep(0.05)
        return status
    if status.state == JobState.LOST:
        wait = GRACE_DEFAULT if grace is None else grace
        sent = stop_processes(lambda: live_processes(meta.get('processes')), wait)
        ended_at = time.time()
        meta.update({'outcome': JobState.KILLED, 'ended_at': ended_at, 'processes': [], 'signal': sent})
        started_at = meta.get('started_at') if isinstance(meta.get('started_at'), (int, float)) else ended_at
        elapsed = round(ended_at - started_at, 3)
        msg = ('Killed on request after its supervisor was lost: ended with %s' % sent if sent
               else 'Marked killed on request: its supervisor was lost and none of its processes was left')
        write_record(status.path, {'failed': True, 'killed': True, 'msg': msg, 'signal': sent, 'elapsed': elapsed,
                                   'started': True, 'finished': True, 'ansible_job_id': jid, META_KEY: meta})
        return read_job(job_dir, jid)
    return status
