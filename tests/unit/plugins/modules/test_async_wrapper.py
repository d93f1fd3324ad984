# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the command line of the drop-in async wrapper (``modules/async_wrapper.py``)."""

from __future__ import annotations

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError
from ansible_collections.parallel.jobs.plugins.modules.async_wrapper import parse_argv


def _module(directory, shebang=b'#!/usr/bin/python3\n', name='AnsiballZ_command.py') -> str:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(shebang + b'print("{}")\n')
    return str(path)


@pytest.fixture
def ansible_tmp(tmp_path):
    return tmp_path / 'ansible-tmp-1-2-3'


# ---------------------------------------------------------------------------
# ansible-core 2.19 and 2.20: jid limit module_path argsfile|_ [-preserve_tmp]


def test_parse_argv_2_19_without_args_file(ansible_tmp):
    path = _module(ansible_tmp)
    assert parse_argv(['j1', '10', path, '_']) == {
        'jid_base': 'j1',
        'time_limit': 10,
        'preserve_tmp': False,
        'module_path': path,
        'command': ['/usr/bin/python3', path],
    }


def test_parse_argv_2_19_with_args_file(ansible_tmp):
    path = _module(ansible_tmp)
    args_file = str(ansible_tmp / 'args')
    call = parse_argv(['j42', '0', path, args_file])
    assert call['time_limit'] == 0
    assert call['preserve_tmp'] is False
    assert call['command'] == ['/usr/bin/python3', path, args_file]


def test_parse_argv_2_19_preserve_tmp(ansible_tmp):
    path = _module(ansible_tmp)
    call = parse_argv(['j1', '10', path, '_', '-preserve_tmp'])
    assert call['preserve_tmp'] is True
    assert call['command'] == ['/usr/bin/python3', path]


def test_parse_argv_2_19_dir_without_tmp_marker_is_preserved(tmp_path):
    directory = tmp_path / 'modules'
    assert '-tmp-' not in str(directory)
    path = _module(directory)
    call = parse_argv(['j1', '10', path, '_'])
    assert call['preserve_tmp'] is True
    assert call['command'] == ['/usr/bin/python3', path]


@pytest.mark.parametrize('shebang, interpreter', [
    (b'#!/usr/bin/env python3\n', ['/usr/bin/env', 'python3']),
    (b'#! /usr/libexec/platform-python -E\r\n', ['/usr/libexec/platform-python', '-E']),
    (b'# no shebang\n', []),
    (b'', []),
])
def test_parse_argv_2_19_reads_the_shebang(ansible_tmp, shebang, interpreter):
    path = _module(ansible_tmp, shebang=shebang)
    assert parse_argv(['j1', '10', path, '_'])['command'] == interpreter + [path]


# ---------------------------------------------------------------------------
# ansible-core 2.21: jid limit preserve_tmp module_path command...


@pytest.mark.parametrize('flag, preserve', [('false', False), ('true', True), ('True', True), ('FALSE', False)])
def test_parse_argv_2_21(flag, preserve):
    path = '/tmp/ansible-tmp-1-2-3/AnsiballZ_command.py'
    assert parse_argv(['j1', '10', flag, path, '/usr/bin/python3', path]) == {
        'jid_base': 'j1',
        'time_limit': 10,
        'preserve_tmp': preserve,
        'module_path': path,
        'command': ['/usr/bin/python3', path],
    }


def test_parse_argv_2_21_with_args_file():
    path = '/tmp/ansible-tmp-1-2-3/AnsiballZ_command.py'
    call = parse_argv(['j1', '5', 'false', path, '/usr/bin/python3', path, '/tmp/ansible-tmp-1-2-3/args'])
    assert call['command'] == ['/usr/bin/python3', path, '/tmp/ansible-tmp-1-2-3/args']


# ---------------------------------------------------------------------------
# Refusals


@pytest.mark.parametrize('argv', [
    [],
    ['j1'],
    ['j1', '10'],
    ['j1', '10', '/tmp/ansible-tmp-1-2-3/AnsiballZ_command.py'],
    ['j1', '10', 'false', '/tmp/ansible-tmp-1-2-3/AnsiballZ_command.py'],
])
def test_parse_argv_too_few_arguments(argv):
    with pytest.raises(JobError, match='usage'):
        parse_argv(argv)


@pytest.mark.parametrize('limit', ['ten', '1.5', '', '10s'])
def test_parse_argv_non_integer_limit(limit):
    with pytest.raises(JobError) as info:
        parse_argv(['j1', limit, 'false', '/x/AnsiballZ_command.py', '/usr/bin/python3'])
    assert repr(limit) in str(info.value)


@pytest.mark.parametrize('limit', ['-1', '-3600'])
def test_parse_argv_negative_limit(limit):
    with pytest.raises(JobError, match='negative'):
        parse_argv(['j1', limit, 'false', '/x/AnsiballZ_command.py', '/usr/bin/python3'])
