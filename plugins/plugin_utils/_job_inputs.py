# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Controller side: turn what users have at hand into a list of job ids, and shape wait results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError, validate_jid
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import JobState
from ansible_collections.parallel.jobs.plugins.module_utils._messages import describe_value, shorten


class JobInputError(ValueError):
    """The jobs given cannot be read as a list of job ids; the message says which entry and why."""


def normalize_jobs(value, option: str = 'jobs', allow_empty: bool = False) -> list:
    """Job references from a jid, a registered async result, a loop's registered results, an
    async_start result, or a list mixing them, as ``[{'jid': ..., 'name': ...}, ...]``.

    Order is kept and repeats are dropped. Loop items that were skipped started no
    job and are left out; an item whose start failed is an error naming it.
    """
    found = []
    _collect(value, option, found)
    if not found and not allow_empty:
        raise JobInputError('%s: no job ids found in %s' % (option, describe_value(value)))
    seen, unique = set(), []
    for ref in found:
        if ref['jid'] not in seen:
            seen.add(ref['jid'])
            unique.append(ref)
    return unique


def _collect(value, where: str, found: list) -> None:
    if isinstance(value, str):
        found.append({'jid': _valid(value, where), 'name': None})
    elif isinstance(value, Mapping):
        if 'ansible_job_id' in value:
            name = value.get('job_name', value.get('name'))
            name = name if isinstance(name, str) else None
            found.append({'jid': _valid(value['ansible_job_id'], where + '.ansible_job_id'), 'name': name})
        elif isinstance(value.get('jobs'), Sequence) and not isinstance(value.get('jobs'), str):
            for index, item in enumerate(value['jobs']):
                # async_start names the jobs that did not start (and fails); the others are waited for.
                if isinstance(item, Mapping) and item.get('started') is False and 'ansible_job_id' not in item:
                    continue
                _collect(item, '%s.jobs[%d]' % (where, index), found)
        elif isinstance(value.get('results'), Sequence) and not isinstance(value.get('results'), str):
            for index, item in enumerate(value['results']):
                if isinstance(item, Mapping) and item.get('skipped') and 'ansible_job_id' not in item:
                    continue
                _collect(item, '%s.results[%d]' % (where, index), found)
        elif value.get('skipped'):
            return
        elif value.get('failed'):
            raise JobInputError('%s: the task that should have started this job failed, so there is no job id '
                                '(%s)' % (where, describe_value(value.get('msg', 'no message'))))
        else:
            raise JobInputError('%s: %s has no ansible_job_id, jobs or results' % (where, describe_value(value)))
    elif isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        for index, item in enumerate(value):
            _collect(item, '%s[%d]' % (where, index), found)
    else:
        raise JobInputError('%s: expected a job id, a registered async result or a list of them, not %s %s'
                            % (where, kind_of(value), describe_value(value)))


def kind_of(value) -> str:
    # Ansible 2.19 wraps templated values in tagged subclasses: name the plain type users wrote.
    for kind, name in ((bool, 'a boolean'), (int, 'an integer'), (float, 'a number'), (bytes, 'bytes')):
        if isinstance(value, kind):
            return name
    return 'null' if value is None else type(value).__name__


def _valid(jid, where: str) -> str:
    try:
        return validate_jid(jid)
    except JobError as exc:
        raise JobInputError('%s: %s' % (where, exc))


def check_bounds(values: Mapping, bounds: Mapping, where: str = '', unit: str = '') -> None:
    """Refuse any of ``values`` outside its ``(low, high)`` in ``bounds`` (missing or None values pass)."""
    for key, (low, high) in bounds.items():
        value = values.get(key)
        if value is not None and not low <= value <= high:
            raise JobInputError('%s%s=%s must be between %s and %s%s' % (where, key, value, low, high, unit))


def name_entries(entries, names: Mapping) -> list:
    """Give job entries the names they were started or asked for, and ``*_lines`` for their output.

    The name goes to ``job_name``, and to ``name`` unless the module returned
    its own ``name`` (``user``, ``group``...). A name the job file records
    (async_start) is already there and is kept.
    """
    for entry in entries:
        add_output_lines(entry)
        name = names.get(entry.get('ansible_job_id'))
        if name and 'job_name' not in entry:
            entry['job_name'] = name
            entry.setdefault('name', name)
    return entries


def add_output_lines(entry: dict) -> dict:
    """Split ``stdout``/``stderr`` into ``*_lines`` as Ansible does for a task's own result, so a job
    entry reads like the result of the task that started the job (``job.stdout_lines[-1]``)."""
    for key in ('stdout', 'stderr'):
        if isinstance(entry.get(key), str) and key + '_lines' not in entry:
            entry[key + '_lines'] = entry[key].splitlines()
    return entry


def last_output_line(entry: Mapping, limit: int = 200) -> str:
    """The last non-blank line a running job printed (stdout, else stderr), shortened to ``limit`` characters."""
    for key in ('stdout', 'stderr'):
        text = entry.get(key)
        if isinstance(text, str):
            for line in reversed(text.splitlines()):
                if line.strip():
                    return shorten(line.rstrip(), limit)
    return ''


def job_label(entry: Mapping) -> str:
    jid = entry.get('ansible_job_id', '?')
    name = entry.get('job_name')
    return '%s (%s)' % (name, jid) if name else jid


def outcome_message(entries: Sequence, fail_on: Sequence) -> str:
    """One line on how the jobs ended, naming each one that ended badly and why; those that
    ``fail_on`` leaves out are named too, as not failing the task."""
    bad = [entry for entry in entries if entry.get('job_state') in fail_on]
    tolerated = [entry for entry in entries
                 if entry.get('job_state') in JobState.BAD and entry.get('job_state') not in fail_on]
    total = len(entries)
    if bad:
        msg = '%d of %d jobs failed: %s' % (len(bad), total, _details(bad))
    else:
        ended = sum(1 for entry in entries if entry.get('finished'))
        msg = 'all %d jobs ended' % total if ended == total else '%d of %d jobs ended' % (ended, total)
    if tolerated:
        msg += '; ended badly but not failing the task (fail_on): %s' % _details(tolerated)
    return msg


def _details(entries: Sequence) -> str:
    return ', '.join('%s %s' % (job_label(entry), _reason(entry)) for entry in entries)


def _reason(entry: Mapping) -> str:
    state, reason = entry.get('job_state'), entry.get('job_reason') or ''
    if state == JobState.FAILED:
        return reason
    label = str(state).replace('_', ' ')
    return '%s (%s)' % (label, reason) if reason else label


def progress_line(host: str, counts: Mapping, total: int) -> str:
    """``web1: 7/10 jobs ended, 1 failed`` — what the user sees once per window when something changed."""
    ended = total - counts.get(JobState.RUNNING, 0)
    parts = ['%s: %d/%d jobs ended' % (host, ended, total)]
    for state in JobState.BAD:
        if counts.get(state):
            parts.append('%d %s' % (counts[state], state.replace('_', ' ')))
    return ', '.join(parts)


__all__ = ('JobInputError', 'normalize_jobs', 'kind_of', 'check_bounds',
           'name_entries', 'add_output_lines',
           'last_output_line', 'job_label', 'outcome_message',
           'progress_line')
