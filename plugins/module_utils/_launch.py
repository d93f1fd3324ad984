# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Starting a batch of jobs in one module run: what async_start does on the target.

The controller sends one launch plan: each job's command or module payload
and its limits. Payloads of jobs that use the same module differ only in the
line that carries the arguments, so the plan carries each distinct payload
once and, for the other jobs, the lines that differ (``payload_delta``).

Every target-side check (directories, ``creates``/``removes``) runs for all
jobs before the first one starts; a job that then fails to start (its program
is missing, say) is reported by name and the others still start. Each job
runs under the same supervisor as the replacement wrapper.
"""

from __future__ import annotations

import glob
import os
import shutil
import time

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError, random_jid
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import (
    JobKind,
    JobMeta,
    Outcome,
    final_record,
    running_record,
)
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.liveness import read_boot_id, require_proc
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import (
    ensure_job_dir,
    expand_home,
    expand_job_dir,
    home_dir,
    job_exists,
    job_path,
    write_record,
)
from ansible_collections.parallel.jobs.plugins.module_utils._messages import entry_label
from ansible_collections.parallel.jobs.plugins.module_utils._results import skipped_command_result
from ansible_collections.parallel.jobs.plugins.module_utils._supervisor import JobSpec, begin_start, confirm_start

# A delta larger than this share of the base is not worth it: the payload goes whole.
DELTA_MAX_SHARE = 0.5
# How many supervisors are forked before they are confirmed (one reply pipe each is open meanwhile).
LAUNCH_ROUND = 256


class LaunchError(JobError):
    """The launch plan cannot be carried out; nothing has been started."""


# ---------------------------------------------------------------------------
# Payload deltas (pure; the controller makes them, the target applies them)


def payload_delta(base: str, other: str):
    """The lines in which ``other`` differs from ``base``, as ``[[index, line], ...]``, or None
    when the two do not line up (different line counts) or differ too much to be worth it."""
    base_lines, other_lines = base.split('\n'), other.split('\n')
    if len(base_lines) != len(other_lines):
        return None
    delta, size = [], 0
    for index, (old, new) in enumerate(zip(base_lines, other_lines)):
        if old != new:
            delta.append([index, new])
            size += len(new)
    if size > len(other) * DELTA_MAX_SHARE:
        return None
    return delta


def apply_payload_delta(base: str, delta) -> str:
    lines = base.split('\n')
    for entry in delta:
        if not isinstance(entry, (list, tuple)) or len(entry) != 2:
            raise LaunchError('malformed payload delta entry %r' % (entry,))
        index, line = entry
        if not isinstance(index, int) or not 0 <= index < len(lines) or not isinstance(line, str):
            raise LaunchError('payload delta line %r is out of range' % (index,))
        lines[index] = line
    return '\n'.join(lines)


def job_payload(plan_payloads: list, ref) -> str:
    """One module job's payload from the plan's distinct payloads and the job's reference to them."""
    if not isinstance(ref, dict) or not isinstance(ref.get('base'), int) or not 0 <= ref['base'] < len(plan_payloads):
        raise LaunchError('malformed payload reference %r' % (ref,))
    base = plan_payloads[ref['base']]
    return apply_payload_delta(base, ref['delta']) if ref.get('delta') else base


# ---------------------------------------------------------------------------
# Checks on the target, before anything starts


def resolve_dir(path: str, home: str) -> str:
    """``chdir`` as the job will use it: ``~`` expanded and relative paths taken from ``home``."""
    return os.path.normpath(os.path.join(home, expand_home(path, home)))


def check_dir(label: str, path: str) -> None:
    if not os.path.isdir(path):
        raise LaunchError('%s: chdir %s is not a directory on the target' % (label, path))
    if not os.access(path, os.R_OK | os.X_OK):
        raise LaunchError('%s: chdir %s cannot be entered and read by uid %d' % (label, path, os.geteuid()))


def find_program(program: str, env_path) -> str | None:
    """The executable a command job runs, looked up in the job's own PATH."""
    if '/' in program:
        return program if os.access(program, os.X_OK) and not os.path.isdir(program) else None
    return shutil.which(program, path=env_path)


def skip_reason(job: dict, cwd: str) -> str | None:
    """Why ``creates``/``removes`` say a command job should not run (None: it should)."""
    creates, removes = job.get('creates'), job.get('removes')
    if creates and glob.glob(os.path.join(cwd, os.path.expanduser(creates))):
        return '%s exists' % creates
    if removes and not glob.glob(os.path.join(cwd, os.path.expanduser(removes))):
        return '%s does not exist' % removes
    return None


def prepare(plan: dict) -> list:
    """Check every job of ``plan`` on the target; raise LaunchError (nothing started) on the first problem."""
    home = home_dir()
    prepared = []
    for index, job in enumerate(plan['jobs']):
        cwd = resolve_dir(job['chdir'], home) if job.get('chdir') else None
        if cwd:
            check_dir(entry_label(index, job['name']), cwd)
        item = {'job': job, 'cwd': cwd, 'skip': None, 'lease': plan.get('lease')}
        if job['kind'] == JobKind.COMMAND:
            item['skip'] = skip_reason(job, cwd or home)
        elif job['kind'] == JobKind.STEPS:
            item['payloads'] = [job_payload(plan['payloads'], step['payload']) if step['kind'] == JobKind.MODULE
                                else None for step in job['steps']]
        else:
            item['payload'] = job_payload(plan['payloads'], job['payload'])
        prepared.append(item)
    return prepared


# ---------------------------------------------------------------------------
# Starting


def _new_jid(job_dir: str) -> str:
    for _attempt in range(100):
        jid = random_jid()
        if not job_exists(job_dir, jid):
            return jid
    raise JobError('could not find a free job id in %s' % job_dir)


def _record_skipped(job_dir: str, jid: str, job: dict, reason: str) -> float:
    """A command that ``creates``/``removes`` says not to run ends at once, as core's command does."""
    now = time.time()
    meta = JobMeta(kind=JobKind.COMMAND, name=job['name'], cmd=job['cmd'], started_at=now, ended_at=now,
                   outcome=Outcome.COMPLETED, rc=0)
    write_record(job_path(job_dir, jid), final_record(skipped_command_result(job['cmd'], reason), jid, meta))
    return now


def _job_spec(job_dir: str, jid: str, item: dict) -> JobSpec:
    job = item['job']
    common = {'job_dir': job_dir, 'jid': jid, 'kind': job['kind'], 'time_limit': job['timeout'], 'grace': job['grace'],
              'name': job['name'], 'cwd': item['cwd'], 'env': job.get('environment') or None,
              'lease': item.get('lease')}
    if job['kind'] == JobKind.STEPS:
        steps = []
        for step, payload in zip(job['steps'], item.pop('payloads')):
            run = {'name': step['name'], 'kind': step['kind'], 'ignore_errors': step.get('ignore_errors', False)}
            if step['kind'] == JobKind.COMMAND:
                run.update(argv=_command_argv(step, job, 'step %r: ' % step['name']), cmd=step['cmd'],
                           stdin_data=_stdin_bytes(step))
            else:
                run.update(argv=step['interpreter'], module=step['module'],
                           stdin_data=payload.encode('utf-8', errors='surrogateescape'))
            steps.append(run)
        return JobSpec(argv=[], steps=steps, output_limit=job['output_limit'], **common)
    if job['kind'] == JobKind.COMMAND:
        return JobSpec(argv=_command_argv(job, job), cmd=job['cmd'], output_limit=job['output_limit'],
                       stdin_data=_stdin_bytes(job), **common)
    # The payload goes in as the interpreter's stdin, as with pipelining.
    return JobSpec(argv=job['interpreter'], module=job['module'],
                   stdin_data=item.pop('payload').encode('utf-8', errors='surrogateescape'), **common)


def _commands(item: dict) -> list:
    """The commands a prepared job will run: itself, or its command steps (none if creates/removes skip it)."""
    job = item['job']
    if job['kind'] == JobKind.COMMAND:
        return [] if item['skip'] else [job]
    return [step for step in job.get('steps') or () if step['kind'] == JobKind.COMMAND]


def _program(command: dict, job: dict) -> str | None:
    """The executable a command (a job's, or a step's) runs, looked up in the job's own PATH (None: not found)."""
    return find_program(command['argv'][0], (job.get('environment') or {}).get('PATH', os.environ.get('PATH')))


def _command_argv(command: dict, job: dict, where: str = '') -> list:
    """A command's argv with its program looked up; JobError if it is not found."""
    program = _program(command, job)
    if program is None:
        raise JobError('%s%s: command not found' % (where, command['argv'][0]))
    return [program] + command['argv'][1:]


def begin_one(job_dir: str, item: dict) -> dict:
    """Fork one prepared job's supervisor; return its entry for the result, with the pending start
    under ``_pending`` (or ``started`` false and a ``msg`` if it could not start)."""
    job = item['job']
    entry = {'name': job['name']}
    try:
        jid = _new_jid(job_dir)
        entry.update(ansible_job_id=jid, results_file=job_path(job_dir, jid))
        if item['skip']:
            entry.update(started=True, started_at=_record_skipped(job_dir, jid, job, item['skip']), skipped_run=True)
            return entry
        spec = _job_spec(job_dir, jid, item)
        entry['started_at'] = round(time.time(), 6)
        entry['_pending'] = begin_start(spec)
    except (JobError, OSError) as exc:
        _not_started(entry, job['name'], exc)
    return entry


def confirm_one(entry: dict) -> dict:
    """Wait until the supervisor forked by begin_one says the job runs."""
    pending = entry.pop('_pending', None)
    if pending is not None:
        try:
            confirm_start(pending)
            entry['started'] = True
        except JobError as exc:
            _not_started(entry, entry['name'], exc)
    return entry


def _not_started(entry: dict, name: str, exc: Exception) -> None:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    entry.update(started=False, failed=True, msg='job %s did not start: %s' % (name, reason))
    for key in ('results_file', 'ansible_job_id', 'started_at'):
        entry.pop(key, None)


def _stdin_bytes(job: dict) -> bytes | None:
    data = job.get('stdin')
    if data is None:
        return None
    if job.get('stdin_add_newline', True) and not data.endswith('\n'):
        data += '\n'
    return data.encode('utf-8', errors='surrogateescape')


def launch(job_dir: str, plan: dict) -> list:
    """Check all jobs of ``plan``, then start them; return one entry per job, in order.

    All supervisors are forked first and confirmed afterwards, so they set up
    (job file written and synced, job spawned) side by side. With a ``queue``
    in the plan (``name``, ``max_running``) the jobs are queued instead.
    """
    entries = []
    prepared = prepare(plan)
    if plan.get('queue'):
        return queue_jobs(job_dir, prepared, plan['queue']['name'], plan['queue']['max_running'])
    # In rounds, so that the launcher never holds more reply pipes than a default descriptor limit allows.
    for first in range(0, len(prepared), LAUNCH_ROUND):
        pending = [begin_one(job_dir, item) for item in prepared[first:first + LAUNCH_ROUND]]
        entries.extend(confirm_one(entry) for entry in pending)
    return entries


def queue_jobs(job_dir: str, prepared: list, queue: str, max_running: int) -> list:
    """Give every prepared job its id and a queued record, and hand them to the queue's runner (``_queue``)."""
    from ansible_collections.parallel.jobs.plugins.module_utils import _queue

    _queue.check_queue_name(queue)
    for index, item in enumerate(prepared):
        job = item['job']
        for command in _commands(item):
            # Checked now, before any job is queued: a queued job must not fail later for a typo.
            if _program(command, job) is None:
                raise LaunchError('%s: %s: command not found' % (entry_label(index, job['name']), command['argv'][0]))
    entries, items = [], []
    now = time.time()
    for item in prepared:
        job = item['job']
        jid = _new_jid(job_dir)
        entry = {'name': job['name'], 'ansible_job_id': jid, 'results_file': job_path(job_dir, jid)}
        entries.append(entry)
        if item['skip']:
            entry.update(started=True, started_at=_record_skipped(job_dir, jid, job, item['skip']), skipped_run=True)
            continue
        meta = JobMeta(kind=job['kind'], name=job['name'], cmd=job.get('cmd'), module=job.get('module'),
                       time_limit=job['timeout'], grace=job['grace'], boot_id=read_boot_id(), queue=queue,
                       queued_at=now)
        items.append((jid, running_record(jid, job_path(job_dir, jid), meta), item))
        entry.update(started=True, queued=True, queue=queue)
    _queue.enqueue(job_dir, queue, max_running, items)
    return entries


def begin_queued(job_dir: str, jid: str, item: dict, queue: str):
    """Fork the supervisor of a job the queue's runner took out of the queue, as the runner's child; pass the
    result to confirm_queued. None if it could not be forked (its record then says why)."""
    try:
        spec = _job_spec(job_dir, jid, item)
        spec.queue = queue
        return begin_start(spec, child=True)
    except (JobError, OSError) as exc:
        _record_not_started(job_dir, jid, item['job'], exc)
        return None


def confirm_queued(job_dir: str, jid: str, item: dict, pending) -> int | None:
    """The supervisor's pid once it says the job runs; None if it did not start (its record then says why)."""
    try:
        confirm_start(pending)
        return pending[0]
    except (JobError, OSError) as exc:
        _record_not_started(job_dir, jid, item['job'], exc)
        return None


def _record_not_started(job_dir: str, jid: str, job: dict, exc: Exception) -> None:
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    now = time.time()
    meta = JobMeta(kind=job['kind'], name=job['name'], cmd=job.get('cmd'), module=job.get('module'),
                   started_at=now, ended_at=now, outcome=Outcome.COMPLETED)
    write_record(job_path(job_dir, jid), final_record({'failed': True, 'msg': 'job %s did not start: %s' % (
        job['name'], reason)}, jid, meta))


def start_jobs(async_dir: str, plan: dict) -> dict:
    """async_start's whole target side, for the module and the direct run alike.

    Starts the plan's jobs in ``async_dir`` and removes the jobs there that
    ended more than the plan's ``retention`` seconds ago; if the plan has a ``watch``
    (``window``, ``poll``, ``collect``: async_start's ``wait``), reads the jobs
    that started in the same run until they end or the window passes, as
    async_wait's first window would, so a start that waits costs one run.
    """
    require_proc()
    job_dir = ensure_job_dir(expand_job_dir(async_dir))
    entries = launch(job_dir, plan)
    result = {'changed': any(entry.get('started') for entry in entries), 'jobs': entries, 'job_dir': job_dir}
    # Housekeeping only after a start that did something: a start that failed (a full disk) leaves nothing.
    if plan.get('retention') and result['changed']:
        from ansible_collections.parallel.jobs.plugins.module_utils._control import sweep_in_background

        sweep_in_background(job_dir, plan['retention'])
    watch = plan.get('watch')
    jids = [entry['ansible_job_id'] for entry in entries if entry.get('ansible_job_id')]
    if watch and jids:
        # Only a start that waits pays for importing the reading side.
        from ansible_collections.parallel.jobs.plugins.module_utils._control import Request, status_mode

        request = Request('status', job_dir, True, jids, False, wait=float(watch['window']),
                          poll=float(watch['poll']), collect=bool(watch['collect']))
        result['watched'] = status_mode(request)[0]
    return result


__all__ = ('LaunchError', 'payload_delta', 'apply_payload_delta', 'job_payload', 'resolve_dir', 'check_dir',
           'find_program', 'skip_reason', 'prepare', 'begin_one', 'confirm_one', 'launch', 'queue_jobs',
           'begin_queued', 'confirm_queued', 'start_jobs')
