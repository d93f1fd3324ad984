# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Controller side of async_start: read the ``jobs`` list into checked job definitions.

Everything here is pure, so every refusal is unit-tested; each message names
the entry (``jobs[3] 'backup'``) and what is wrong with it. Nothing starts
unless every entry passes.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence

from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import (
    JobInputError,
    check_bounds,
    describe_value,
    kind_of,
)

COMMAND_KEYS = ('cmd', 'argv', 'shell', 'executable', 'stdin', 'stdin_add_newline', 'creates', 'removes')
MODULE_KEYS = ('module', 'args')
COMMON_KEYS = ('name', 'chdir', 'environment', 'timeout', 'grace', 'output_limit')
KNOWN_KEYS = frozenset(COMMAND_KEYS + MODULE_KEYS + COMMON_KEYS)

# Limits on the common options, checked on their defaults and on every entry.
LIMITS = {
    'timeout': (0, 7 * 24 * 3600),
    'grace': (0.0, 3600.0),
    'output_limit': (0, 1024 ** 3),
}
NAME_MAX = 200


def parse_job_specs(jobs, defaults: Mapping) -> list:
    """Checked job definitions from the ``jobs`` option, in order.

    ``defaults`` holds the task-level ``timeout``, ``grace`` and
    ``output_limit``. Each definition is a plain dict: ``name``, ``kind``
    (``command`` or ``module``), the limits, and either ``argv``/``cmd``
    (commands) or ``module``/``args`` (modules).
    """
    if isinstance(jobs, (str, bytes)) or not isinstance(jobs, Sequence):
        raise JobInputError('jobs: expected a list of job definitions, not %s' % kind_of(jobs))
    if not jobs:
        raise JobInputError('jobs: the list is empty; give at least one job')
    check_bounds(defaults, LIMITS)
    specs, names = [], {}
    for index, entry in enumerate(jobs):
        spec = _parse_entry(index, entry, defaults)
        if spec['name'] in names:
            raise JobInputError("jobs[%d]: the name %r is already used by jobs[%d]; names must be unique"
                                % (index, spec['name'], names[spec['name']]))
        names[spec['name']] = index
        specs.append(spec)
    return specs


def _label(index: int, entry) -> str:
    name = entry.get('name') if isinstance(entry, Mapping) else None
    return 'jobs[%d] %r' % (index, str(name)) if isinstance(name, str) and name else 'jobs[%d]' % index


def _parse_entry(index: int, entry, defaults: Mapping) -> dict:
    if not isinstance(entry, Mapping):
        raise JobInputError('jobs[%d]: expected a mapping with a name and a cmd, argv or module, not %s %s'
                            % (index, kind_of(entry), describe_value(entry)))
    where = _label(index, entry)
    unknown = sorted(str(key) for key in entry if key not in KNOWN_KEYS)
    if unknown:
        raise JobInputError('%s: unknown key%s %s (known: %s)' % (
            where, 's' if len(unknown) > 1 else '', ', '.join(unknown), ', '.join(sorted(KNOWN_KEYS))))
    name = entry.get('name')
    if not isinstance(name, str) or not name.strip():
        raise JobInputError('%s: every job needs a name (a non-empty string), to find its result by' % where)
    if len(name) > NAME_MAX or '\0' in name or '\n' in name:
        raise JobInputError('%s: a name is one line of at most %d characters' % (where, NAME_MAX))

    given = [key for key in ('cmd', 'argv', 'module') if entry.get(key) is not None]
    if len(given) != 1:
        raise JobInputError('%s: give exactly one of cmd, argv or module (%s)' % (
            where, 'none given' if not given else 'got ' + ' and '.join(given)))
    spec = {'name': str(name), 'kind': 'module' if given[0] == 'module' else 'command'}

    for key, kind in (('timeout', int), ('grace', float), ('output_limit', int)):
        value = entry.get(key, defaults.get(key))
        spec[key] = _number(where, key, value, kind)
    check_bounds(spec, LIMITS, where + ': ')

    spec['chdir'] = _optional_str(where, entry, 'chdir')
    spec['environment'] = _environment(where, entry.get('environment'))

    if spec['kind'] == 'module':
        misplaced = [key for key in COMMAND_KEYS if entry.get(key) is not None]
        if misplaced:
            raise JobInputError('%s: %s belong%s to command jobs; a module job takes module and args'
                                % (where, ', '.join(misplaced), 's' if len(misplaced) == 1 else ''))
        module = entry['module']
        if not isinstance(module, str) or not module.strip() or any(ch.isspace() for ch in module):
            raise JobInputError('%s: module must be a module name such as ansible.builtin.copy, not %s'
                                % (where, describe_value(module)))
        args = entry.get('args')
        if args is None:
            args = {}
        if not isinstance(args, Mapping):
            raise JobInputError('%s: args must be a mapping of the module\'s options, not %s' % (where, kind_of(args)))
        spec.update(module=module, args=dict(args))
        return spec

    if entry.get('args') is not None:
        raise JobInputError('%s: args belongs to module jobs; a command job takes cmd or argv' % where)
    shell = _flag(where, entry, 'shell', False)
    executable = _optional_str(where, entry, 'executable')
    if executable and not shell:
        raise JobInputError('%s: executable only applies with shell: true' % where)
    if 'argv' in given:
        argv = entry['argv']
        if shell:
            raise JobInputError('%s: shell: true takes cmd (a string), not argv' % where)
        if isinstance(argv, (str, bytes)) or not isinstance(argv, Sequence) or not argv:
            raise JobInputError('%s: argv must be a non-empty list of strings' % where)
        for position, item in enumerate(argv):
            if not isinstance(item, str) or '\0' in item:
                raise JobInputError('%s: argv[%d] must be a string, not %s %s'
                                    % (where, position, kind_of(item), describe_value(item)))
        argv = [str(item) for item in argv]
        cmd = ' '.join(shlex.quote(item) for item in argv)
    else:
        cmd = entry['cmd']
        if not isinstance(cmd, str) or not cmd.strip() or '\0' in cmd:
            raise JobInputError('%s: cmd must be a non-empty string, not %s' % (where, describe_value(cmd)))
        cmd = str(cmd)
        if shell:
            argv = [executable or '/bin/sh', '-c', cmd]
        else:
            try:
                argv = shlex.split(cmd)
            except ValueError as exc:
                raise JobInputError('%s: cannot split cmd into arguments (%s); quote it properly or use argv'
                                    % (where, exc))
    stdin = entry.get('stdin')
    if stdin is not None and not isinstance(stdin, str):
        raise JobInputError('%s: stdin must be a string, not %s' % (where, kind_of(stdin)))
    spec.update(argv=argv, cmd=cmd, shell=shell, stdin=None if stdin is None else str(stdin),
                stdin_add_newline=_flag(where, entry, 'stdin_add_newline', True),
                creates=_optional_str(where, entry, 'creates'), removes=_optional_str(where, entry, 'removes'))
    return spec


def _number(where: str, key: str, value, kind):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, str):
            try:
                return kind(value.strip())
            except ValueError:
                pass
        raise JobInputError('%s: %s must be %s, not %s %s' % (
            where, key, 'a whole number' if kind is int else 'a number', kind_of(value), describe_value(value)))
    if kind is int and value != int(value):
        raise JobInputError('%s: %s must be a whole number, not %s' % (where, key, value))
    return kind(value)


def _flag(where: str, entry: Mapping, key: str, default: bool) -> bool:
    value = entry.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ('yes', 'true', 'on', '1', 'no', 'false', 'off', '0'):
        return value.strip().lower() in ('yes', 'true', 'on', '1')
    raise JobInputError('%s: %s must be true or false, not %s' % (where, key, describe_value(value)))


def _optional_str(where: str, entry: Mapping, key: str):
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value or '\0' in value:
        raise JobInputError('%s: %s must be a non-empty string, not %s %s'
                            % (where, key, kind_of(value), describe_value(value)))
    return str(value)


def _environment(where: str, value) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise JobInputError('%s: environment must be a mapping of variable names to strings, not %s'
                            % (where, kind_of(value)))
    env = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key or '=' in key or '\0' in key:
            raise JobInputError('%s: environment variable name %s is not valid' % (where, describe_value(key)))
        if not isinstance(item, str) or '\0' in item:
            raise JobInputError('%s: environment %s must be a string, not %s %s (quote it in YAML)'
                                % (where, key, kind_of(item), describe_value(item)))
        env[str(key)] = str(item)
    return env


__all__ = ('LIMITS', 'KNOWN_KEYS', 'parse_job_specs')
