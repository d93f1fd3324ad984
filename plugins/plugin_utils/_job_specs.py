# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Controller side of async_start: read the ``jobs`` list into checked job definitions.

Each entry is validated with ansible's own ArgumentSpecValidator against
``JOB_OPTIONS`` (the one definition of a job's options; the module's
documentation is checked against it by a unit test), then by the few checks
that span fields. Every message names the entry (``jobs[3] 'backup'``).
Nothing starts unless every entry passes.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import JobKind
from ansible_collections.parallel.jobs.plugins.module_utils._messages import describe_value, entry_label
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import JobInputError, check_bounds, kind_of

# One job's options. timeout, grace and output_limit default to the task's own.
JOB_OPTIONS = {
    'name': {'type': 'str', 'required': True},
    'cmd': {'type': 'str'},
    'argv': {'type': 'list', 'elements': 'str'},
    'shell': {'type': 'bool', 'default': False},
    'executable': {'type': 'str'},
    'chdir': {'type': 'str'},
    'environment': {'type': 'dict', 'default': {}},
    'stdin': {'type': 'str'},
    'stdin_add_newline': {'type': 'bool', 'default': True},
    'creates': {'type': 'str'},
    'removes': {'type': 'str'},
    'module': {'type': 'str'},
    'args': {'type': 'dict'},
    'timeout': {'type': 'int'},
    'grace': {'type': 'float'},
    'output_limit': {'type': 'int'},
    'steps': {'type': 'list', 'elements': 'dict'},
}
# One step of a job made of steps: a command or a module, as a job's, run in the job's directory and environment.
STEP_OPTIONS = {
    'name': {'type': 'str'},
    'cmd': {'type': 'str'},
    'argv': {'type': 'list', 'elements': 'str'},
    'shell': {'type': 'bool', 'default': False},
    'executable': {'type': 'str'},
    'stdin': {'type': 'str'},
    'stdin_add_newline': {'type': 'bool', 'default': True},
    'module': {'type': 'str'},
    'args': {'type': 'dict'},
    'ignore_errors': {'type': 'bool', 'default': False},
}
STEPS_MAX = 100
TASK_DEFAULTS = ('timeout', 'grace', 'output_limit')
COMMAND_ONLY = ('cmd', 'argv', 'shell', 'executable', 'stdin', 'stdin_add_newline', 'creates', 'removes')
# What the controller uses and the target does not need in the launch plan.
CONTROLLER_ONLY = ('args', 'shell', 'executable')

_VALIDATOR = ArgumentSpecValidator(JOB_OPTIONS)
_STEP_VALIDATOR = ArgumentSpecValidator(STEP_OPTIONS)

# Limits on the common options, checked on the task's values and on every entry.
LIMITS = {
    'timeout': (0, 7 * 24 * 3600),
    'grace': (0.0, 3600.0),
    'output_limit': (0, 1024 ** 3),
}
NAME_MAX = 200


def parse_job_specs(jobs, defaults: Mapping) -> list:
    """Checked job definitions from the ``jobs`` option, in order.

    ``defaults`` holds the task-level ``timeout``, ``grace`` and
    ``output_limit``. Each definition is the entry's validated options plus
    ``kind`` (``command`` or ``module``) and, for commands, ``argv``.
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


def plan_entry(spec: Mapping) -> dict:
    """What the target needs of a checked definition (the launch plan's entry, before any payload)."""
    return {key: value for key, value in spec.items() if key not in CONTROLLER_ONLY}


def _validate(where: str, entry: Mapping, validator=_VALIDATOR, known: tuple = tuple(JOB_OPTIONS)) -> dict:
    result = validator.validate(dict(entry))
    if result.unsupported_parameters:
        unknown = sorted(str(key) for key in result.unsupported_parameters)
        raise JobInputError('%s: unknown key%s %s (known: %s)' % (
            where, 's' if len(unknown) > 1 else '', ', '.join(unknown), ', '.join(sorted(known))))
    problems = [str(error) for error in result.errors if not isinstance(error, UnsupportedError)]
    if problems:
        raise JobInputError('%s: %s' % (where, '; '.join(problems)))
    return dict(result.validated_parameters)


def _parse_entry(index: int, entry, defaults: Mapping) -> dict:
    if not isinstance(entry, Mapping):
        raise JobInputError('jobs[%d]: expected a mapping with a name and a cmd, argv, module or steps, not %s %s'
                            % (index, kind_of(entry), describe_value(entry)))
    where = entry_label(index, entry.get('name'))
    spec = _validate(where, entry)
    _exactly_one(where, spec, ('cmd', 'argv', 'module', 'steps'))
    _check_name(where, spec['name'])
    for key in TASK_DEFAULTS:
        if spec[key] is None:
            spec[key] = defaults.get(key)
    check_bounds(spec, LIMITS, where + ': ')
    for key in ('chdir', 'creates', 'removes'):
        _check_text(where, spec, key)
    _check_environment(where, spec['environment'])
    if spec['steps'] is not None:
        return _parse_steps(where, entry, spec)
    return _parse_run(where, entry, spec)


def _exactly_one(where: str, spec: Mapping, keys: tuple) -> None:
    given = [key for key in keys if spec[key] is not None]
    if len(given) != 1:
        raise JobInputError('%s: give exactly one of %s or %s (%s)' % (
            where, ', '.join(keys[:-1]), keys[-1], 'none given' if not given else 'got ' + ' and '.join(given)))


def _check_name(where: str, name: str) -> None:
    if not name.strip() or len(name) > NAME_MAX or '\0' in name or '\n' in name:
        raise JobInputError('%s: a name is one line of 1 to %d characters' % (where, NAME_MAX))


def _check_text(where: str, spec: Mapping, key: str) -> None:
    if spec[key] is not None and (not spec[key].strip() or '\0' in spec[key]):
        raise JobInputError('%s: %s must be a non-empty string, not %s' % (where, key, describe_value(spec[key])))


def _parse_steps(where: str, entry: Mapping, spec: dict) -> dict:
    """A job made of steps: each step checked as a job's command or module would be."""
    misplaced = [key for key in COMMAND_ONLY + ('args',) if entry.get(key) is not None]
    if misplaced:
        raise JobInputError('%s: %s belong%s in the steps of a job made of steps' % (
            where, ', '.join(misplaced), 's' if len(misplaced) == 1 else ''))
    steps = spec['steps']
    if not steps or len(steps) > STEPS_MAX:
        raise JobInputError('%s: steps must list 1 to %d steps' % (where, STEPS_MAX))
    spec['kind'] = JobKind.STEPS
    checked = []
    for index, step in enumerate(steps):
        label = '%s steps[%d]' % (where, index)
        if isinstance(step.get('name'), str) and step['name'].strip():
            label += ' %r' % step['name']
        item = _validate(label, step, _STEP_VALIDATOR, tuple(STEP_OPTIONS))
        _exactly_one(label, item, ('cmd', 'argv', 'module'))
        if item['name'] is None:
            item['name'] = 'step %d' % (index + 1)
        _check_name(label, item['name'])
        checked.append(_parse_run(label, step, item))
    spec['steps'] = checked
    return spec


def _parse_run(where: str, entry: Mapping, spec: dict) -> dict:
    """What runs (a job's or a step's): ``kind`` and, for a command, ``argv`` and ``cmd``."""
    for key in ('cmd', 'executable'):
        _check_text(where, spec, key)
    if spec['module'] is not None:
        spec['kind'] = JobKind.MODULE
        misplaced = [key for key in COMMAND_ONLY if entry.get(key) is not None]
        if misplaced:
            raise JobInputError('%s: %s belong%s to command jobs; a module job takes module and args'
                                % (where, ', '.join(misplaced), 's' if len(misplaced) == 1 else ''))
        if any(char.isspace() for char in spec['module']) or not spec['module']:
            raise JobInputError('%s: module must be a module name such as ansible.builtin.copy, not %s'
                                % (where, describe_value(spec['module'])))
        spec['args'] = spec['args'] or {}
        return spec

    spec['kind'] = JobKind.COMMAND
    if isinstance(entry.get('argv'), str):
        # Ansible would split it at commas into one odd program name; a command line belongs in cmd.
        raise JobInputError('%s: argv must be a non-empty list of strings; give a command line as cmd' % where)
    if spec['args'] is not None:
        raise JobInputError('%s: args belongs to module jobs; a command job takes cmd or argv' % where)
    if spec['executable'] and not spec['shell']:
        raise JobInputError('%s: executable only applies with shell: true' % where)
    if spec['argv'] is not None:
        if spec['shell']:
            raise JobInputError('%s: shell: true takes cmd (a string), not argv' % where)
        if not spec['argv'] or any('\0' in item for item in spec['argv']):
            raise JobInputError('%s: argv must be a non-empty list of strings' % where)
        spec['cmd'] = ' '.join(shlex.quote(item) for item in spec['argv'])
    elif spec['shell']:
        spec['argv'] = [spec['executable'] or '/bin/sh', '-c', spec['cmd']]
    else:
        try:
            spec['argv'] = shlex.split(spec['cmd'])
        except ValueError as exc:
            raise JobInputError('%s: cannot split cmd into arguments (%s); quote it properly or use argv'
                                % (where, exc))
    return spec


def _check_environment(where: str, env: Mapping) -> None:
    # The values are checked by hand: a dict option keeps them as written, and an unquoted
    # YAML number or boolean here is almost always a mistake, not a string.
    for key, item in env.items():
        if not isinstance(key, str) or not key or '=' in key or '\0' in key:
            raise JobInputError('%s: environment variable name %s is not valid' % (where, describe_value(key)))
        if not isinstance(item, str) or '\0' in item:
            raise JobInputError('%s: environment %s must be a string, not %s %s (quote it in YAML)'
                                % (where, key, kind_of(item), describe_value(item)))


__all__ = ('JOB_OPTIONS', 'STEP_OPTIONS', 'STEPS_MAX', 'LIMITS', 'parse_job_specs', 'plan_entry')
