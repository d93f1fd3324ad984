# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""A job's result, built from its output files once it has ended.

A module job's result is the JSON it printed: parsed and merged when small,
spliced into the job file in chunks when large, so memory stays flat. A
command job's result is shaped like ``ansible.builtin.command``'s.
"""

from __future__ import annotations

import datetime
import json
import re

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import JobKind, Outcome
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.store import file_size, open_regular, read_tail
from ansible_collections.parallel.jobs.plugins.module_utils._messages import first_line
from ansible_collections.parallel.jobs.plugins.module_utils._proctree import signal_name

# Module results up to this size are parsed and merged; larger ones are
# spliced into the job file in chunks.
PARSE_LIMIT = 1024 * 1024
# How much of a module's stdout/stderr a failure record carries.
MODULE_OUTPUT_TAIL = 64 * 1024
COPY_CHUNK = 1024 * 1024
_JSON_START = re.compile(rb'(?m)^[ \t\r]*\{')
_JSON_END = re.compile(rb'\}(?=[ \t\r]*(?:\n|\Z))')


def _open_output(path: str):
    handle = open_regular(path)
    if handle is None:
        raise JobError('the output file %s is missing' % path)
    return handle


def output_tails(stdout_path: str, stderr_path: str) -> dict:
    """``module_stdout``/``module_stderr``: the end of what a module printed, for a record without its result."""
    tails = {}
    for key, path in (('module_stdout', stdout_path), ('module_stderr', stderr_path)):
        text, _cut = read_tail(path, MODULE_OUTPUT_TAIL)
        if text:
            tails[key] = text
    return tails


def stopped_message(outcome: str, elapsed: float, time_limit: int, sent, why: str | None = None) -> str:
    if outcome == Outcome.TIMED_OUT:
        return 'Timed out after %.1f s (limit %d s): ended with %s' % (elapsed, time_limit, sent)
    if why:
        return 'Killed after %.1f s, %s: ended with %s' % (elapsed, why, sent)
    return 'Killed on request after %.1f s: ended with %s' % (elapsed, sent)


# What core's wrapper records when the time limit ends a job (kept word for word).
CORE_TIMEOUT_MSG = 'Timeout exceeded'


def stopped_result(outcome: str, elapsed: float, time_limit: int, sent, rc, core_pid: int | None = None,
                   why: str | None = None) -> dict:
    """What a module job that the supervisor stopped (time limit, kill request) ends with.

    ``core_pid`` (the job's pid) is given for jobs of the drop-in wrapper: a
    timed-out one then reads as core's record does (its ``msg`` and
    ``child_pid``), our account of it being the job's reason.
    """
    result = {'failed': True, 'msg': stopped_message(outcome, elapsed, time_limit, sent, why), 'rc': rc, 'signal': sent,
              'elapsed': elapsed, outcome: True}
    if core_pid is not None and outcome == Outcome.TIMED_OUT:
        result.update(msg=CORE_TIMEOUT_MSG, child_pid=core_pid)
    return result


def _json_bounds(path: str, size: int) -> tuple:
    """Offsets of the first '{' that starts a line and of the last '}' in a file, read in chunks.

    Text before the JSON (a MOTD, a warning) and after it is skipped, as core
    does for module output.
    """
    start = end = None
    with _open_output(path) as handle:
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


# What core's wrapper warns of when a module prints more after its JSON (kept word for word).
JUNK_WARNING = 'Module invocation had junk after the JSON data: %s'


def stderr_fields(stderr_path: str) -> dict:
    """``stderr``: what a module printed to stderr, as core's wrapper puts it in the result (when not empty)."""
    text, cut = read_tail(stderr_path, PARSE_LIMIT)
    if not text:
        return {}
    fields = {'stderr': text}
    if cut:
        fields['stderr_truncated'] = True
    return fields


def module_result(stdout_path: str, stderr_path: str, rc, cmd: str):
    """A finished module's result: the parsed dict when its output is small, else the (start, end)
    offsets of its JSON in ``stdout_path``, to be spliced into the job file without loading it.

    As with core's wrapper: text before the JSON is dropped, text after it
    becomes a warning, non-empty stderr goes under ``stderr`` (for spliced
    results the caller adds ``stderr_fields`` to the trailer), and output
    with no JSON object makes a failure record with ``data``, ``stderr`` and ``cmd``.
    """
    size = file_size(stdout_path)
    if size > PARSE_LIMIT:
        start, end = _json_bounds(stdout_path, size)
        if start is not None and end is not None and end > start:
            if _only_space_between(stdout_path, start, end):
                return stderr_fields(stderr_path)
            return start, end
        parsed = None
    else:
        with _open_output(stdout_path) as handle:
            parsed = _parse_module_output(handle.read().decode('utf-8', errors='surrogateescape'))
    if parsed is None:
        data, _cut = read_tail(stdout_path, MODULE_OUTPUT_TAIL)
        stderr, _cut = read_tail(stderr_path, MODULE_OUTPUT_TAIL)
        how = 'was killed by %s (rc=%d)' % (signal_name(-rc), rc) if isinstance(rc, int) and rc < 0 else \
            'ended (rc=%s)' % rc
        return {'failed': True, 'rc': rc, 'cmd': cmd, 'data': data, 'stderr': stderr,
                'msg': 'the module %s without printing a JSON result' % how}
    result, junk = parsed
    if junk:
        warnings = result.get('warnings')
        warnings = list(warnings) if isinstance(warnings, list) else ([] if warnings is None else [warnings])
        result['warnings'] = warnings + [JUNK_WARNING % junk]
    result.update(stderr_fields(stderr_path))
    return result


def _timestamp(when: float) -> str:
    return datetime.datetime.fromtimestamp(when).strftime('%Y-%m-%d %H:%M:%S.%f')


def _command_times(started_at: float, ended_at: float) -> dict:
    return {'start': _timestamp(started_at), 'end': _timestamp(ended_at),
            'delta': str(datetime.timedelta(seconds=round(ended_at - started_at, 6)))}


def command_result(cmd: str, output_limit: int, stdout_path: str, stderr_path: str, rc, started_at: float,
                   ended_at: float) -> tuple:
    """A command job's result, shaped like ``ansible.builtin.command``'s, and the output files to keep.

    At most ``output_limit`` bytes of each stream go into the result (the end
    of the output, cut at a line start); when a stream is longer its file is
    kept and named in ``stdout_file``/``stderr_file``.
    """
    result = {'cmd': cmd, 'rc': rc, 'changed': True}
    result.update(_command_times(started_at, ended_at))
    keep = []
    for key, path in (('stdout', stdout_path), ('stderr', stderr_path)):
        text, cut = read_tail(path, output_limit) if output_limit > 0 else ('', file_size(path) > 0)
        result[key] = text[:-1] if text.endswith('\n') else text
        result[key + '_truncated'] = cut
        if cut:
            result[key + '_file'] = path
            keep.append(path)
    if rc != 0:
        result['failed'] = True
        result['msg'] = 'non-zero return code' if rc is None or rc > 0 else 'killed by %s' % signal_name(-rc)
    return result, tuple(keep)


def step_result(step: dict, output_limit: int, stdout_path: str, stderr_path: str, rc, started_at: float,
                ended_at: float) -> dict:
    """One step's result, from the output files it wrote: a command's as ``command_result`` shapes it (its output
    files are the next step's, so none is kept), a module's as it printed it. Under ``name``, the step's."""
    if step['kind'] == JobKind.MODULE:
        result = module_result(stdout_path, stderr_path, rc, step['module'])
        if not isinstance(result, dict):
            # Too big to parse by default: a step's result is held with the others, so it is read whole.
            start, end = result
            with _open_output(stdout_path) as handle:
                handle.seek(start)
                result = json.loads(handle.read(end + 1 - start).decode('utf-8', errors='surrogateescape'))
            result.update(stderr_fields(stderr_path))
        result['module'] = step['module']
    else:
        result, _keep = command_result(step['cmd'], output_limit, stdout_path, stderr_path, rc, started_at, ended_at)
        for key in ('stdout_file', 'stderr_file'):
            result.pop(key, None)
    result['name'] = step['name']
    return result


def step_failed(result: dict) -> bool:
    # command_result marks a non-zero rc failed, as a module marks its own failure.
    return bool(result.get('failed'))


def steps_result(steps: list, results: list, stopped: dict | None = None) -> dict:
    """A job of steps' result: each step's in order (the steps after a failure that stops it marked skipped), and
    the job failed when a step failed that does not ignore errors. ``stopped`` is the result of a job stopped in a
    step (its limit, a kill): that step's partial result is the last of ``results``."""
    listed = list(results)
    failed_at = None
    for index, result in enumerate(results if stopped is None else ()):
        if step_failed(result) and not steps[index].get('ignore_errors'):
            failed_at = index
            break
    why = 'not run: the job was stopped' if stopped is not None else 'not run: an earlier step failed'
    listed.extend({'name': step['name'], 'skipped': True, 'msg': why} for step in steps[len(results):])
    result = {'changed': any(item.get('changed') for item in results), 'steps': listed}
    if results and 'rc' in results[-1]:
        result['rc'] = results[-1]['rc']
    if stopped is not None:
        result.update(stopped)
        return result
    if failed_at is not None:
        name = steps[failed_at]['name']
        why = first_line(results[failed_at].get('msg') or 'rc=%s' % results[failed_at].get('rc'))
        result.update(failed=True, msg='step %d of %d (%s) failed: %s' % (failed_at + 1, len(steps), name, why))
    else:
        result['msg'] = 'all %d steps ran' % len(steps)
        ignored = [steps[index]['name'] for index, item in enumerate(results) if step_failed(item)]
        if ignored:
            result['msg'] += ' (failed, ignored: %s)' % ', '.join(ignored)
    return result


def skipped_command_result(cmd: str, reason: str) -> dict:
    """A command that ``creates``/``removes`` says not to run: unchanged, as core's command reports it."""
    return {'changed': False, 'rc': 0, 'cmd': cmd, 'msg': 'Did not run command since %s' % reason,
            'stdout': 'skipped, since %s' % reason, 'stderr': '', 'skipped_run': True}


def _only_space_between(path: str, start: int, end: int) -> bool:
    """True if nothing but whitespace lies between the braces at ``start`` and ``end``: an empty object."""
    with _open_output(path) as handle:
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
    with _open_output(path) as handle:
        handle.seek(start)
        remaining = end - start
        while remaining > 0:
            chunk = handle.read(min(COPY_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    yield tail


def _parse_module_output(text: str):
    """``(result, junk)``: the JSON object a module printed and the text after it (None if only blank),
    or None when there is no JSON object."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line.lstrip().startswith('{'):
            candidate = '\n'.join(lines[index:]).lstrip()
            try:
                result, end = json.JSONDecoder().raw_decode(candidate)
            except ValueError:
                return None
            if not isinstance(result, dict):
                return None
            trailing = candidate[end:].split('\n')
            # The rest of the JSON's own last line, then whole lines.
            junk = ([trailing[0]] if trailing[0].strip() else []) + trailing[1:]
            while junk and not junk[-1].strip():
                junk.pop()
            return result, ('\n'.join(junk) if any(line.strip() for line in junk) else None)
    return None


__all__ = ('PARSE_LIMIT', 'MODULE_OUTPUT_TAIL', 'JUNK_WARNING', 'CORE_TIMEOUT_MSG', 'output_tails', 'stopped_message', 'stopped_result',
           'stderr_fields', 'module_result', 'command_result', 'step_result', 'step_failed', 'steps_result',
           'skipped_command_result', 'result_chunks')
