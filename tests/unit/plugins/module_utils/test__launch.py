# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the pure parts of starting a batch (``module_utils/_launch.py``)."""

from __future__ import annotations

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils._launch import (
    LaunchError,
    apply_payload_delta,
    find_program,
    job_payload,
    payload_delta,
    prepare,
    resolve_dir,
    skip_reason,
)

BASE = '#!/usr/bin/python3\ncode = 1\n\nparams=\'{"ANSIBLE_MODULE_ARGS": {"dest": "/tmp/a"}}\',\nzip_data="%s"\n' % ('QUJD' * 200)


def test_a_payload_that_differs_in_its_arguments_line_travels_as_that_line():
    other = BASE.replace('/tmp/a', '/tmp/b')
    delta = payload_delta(BASE, other)
    assert delta == [[3, 'params=\'{"ANSIBLE_MODULE_ARGS": {"dest": "/tmp/b"}}\',']]
    assert apply_payload_delta(BASE, delta) == other


def test_an_identical_payload_has_an_empty_delta():
    assert payload_delta(BASE, BASE) == []
    assert apply_payload_delta(BASE, []) == BASE


def test_payloads_that_do_not_line_up_or_differ_mostly_are_sent_whole():
    assert payload_delta(BASE, BASE + 'extra\n') is None
    assert payload_delta('a\nb', 'x\ny') is None


@pytest.mark.parametrize('delta', [[[99, 'x']], [[-1, 'x']], [['1', 'x']], [[1]], ['junk'], [[1, 5]]])
def test_a_malformed_delta_is_refused(delta):
    with pytest.raises(LaunchError):
        apply_payload_delta(BASE, delta)


def test_job_payload_checks_its_reference():
    assert job_payload([BASE], {'base': 0, 'delta': []}) == BASE
    for ref in ({'base': 1, 'delta': []}, {'base': '0'}, None):
        with pytest.raises(LaunchError, match='malformed payload reference'):
            job_payload([BASE], ref)


@pytest.mark.parametrize('raw, expected', [
    ('/srv/app', '/srv/app'),
    ('/srv/app/../www', '/srv/www'),
    ('reports', '/home/deploy/reports'),
    ('~', '/home/deploy'),
    ('~/reports', '/home/deploy/reports'),
])
def test_chdir_is_taken_from_the_running_users_home(raw, expected):
    assert resolve_dir(raw, '/home/deploy') == expected


def test_creates_and_removes_decide_whether_a_command_runs(tmp_path):
    (tmp_path / 'done.flag').write_text('')
    assert skip_reason({'creates': 'done.flag'}, str(tmp_path)) == 'done.flag exists'
    assert skip_reason({'creates': str(tmp_path / '*.flag')}, '/') == '%s exists' % (tmp_path / '*.flag')
    assert skip_reason({'creates': 'missing.flag'}, str(tmp_path)) is None
    assert skip_reason({'removes': 'missing.flag'}, str(tmp_path)) == 'missing.flag does not exist'
    assert skip_reason({'removes': 'done.flag'}, str(tmp_path)) is None
    assert skip_reason({}, str(tmp_path)) is None


def test_programs_are_found_in_the_jobs_own_path(tmp_path):
    program = tmp_path / 'tool'
    program.write_text('#!/bin/sh\n')
    program.chmod(0o755)
    assert find_program('tool', str(tmp_path)) == str(program)
    assert find_program('tool', '/nonexistent') is None
    assert find_program(str(program), '') == str(program)
    assert find_program(str(tmp_path), '') is None


def test_prepare_refuses_a_missing_chdir_before_anything_starts(tmp_path):
    plan = {'payloads': [], 'jobs': [
        {'name': 'ok', 'kind': 'command', 'chdir': str(tmp_path)},
        {'name': 'bad', 'kind': 'command', 'chdir': str(tmp_path / 'missing')},
    ]}
    with pytest.raises(LaunchError, match=r"jobs\[1\] 'bad': chdir .*missing is not a directory on the target"):
        prepare(plan)


def test_prepare_rebuilds_module_payloads(tmp_path):
    other = BASE.replace('/tmp/a', '/tmp/b')
    plan = {'payloads': [BASE], 'jobs': [
        {'name': 'a', 'kind': 'module', 'payload': {'base': 0, 'delta': []}},
        {'name': 'b', 'kind': 'module', 'payload': {'base': 0, 'delta': payload_delta(BASE, other)}},
    ]}
    first, second = prepare(plan)
    assert first['payload'] == BASE and second['payload'] == other
