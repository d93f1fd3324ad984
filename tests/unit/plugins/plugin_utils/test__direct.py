# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A direct run's script runs the collection's target code on a real interpreter (``plugin_utils/_direct.py``).

The script goes to a local Python on stdin, as the connection sends it to the
target's; its reply is what the action plugins read.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from ansible_collections.parallel.jobs.plugins.plugin_utils import _direct


def _run(request: dict, python: str = sys.executable) -> dict:
    """The one JSON line the script prints (the action plugins read it as core reads a module's reply)."""
    proc = subprocess.run([python], input=_direct.script(request), capture_output=True, timeout=60, check=False)
    lines = proc.stdout.decode().strip().splitlines()
    assert proc.returncode == 0 and lines, proc.stderr.decode()
    return json.loads(lines[-1])


def _status(job_dir: str, **params) -> dict:
    full = {'jid': None, 'jids': None, 'mode': 'status', 'force': False, '_async_dir': job_dir, '_wait': 0.0,
            '_poll': 0.1}
    full.update(params)
    return {'op': 'status', 'params': full}


def test_a_status_read_runs_the_same_code_as_the_module(tmp_path):
    job_dir = str(tmp_path / 'jobs')
    os.mkdir(job_dir, 0o700)
    reply = _run(_status(job_dir, jid='j1.2'))
    assert reply['job_state'] == 'not_found' and reply['msg'] == 'could not find job'
    assert reply['ansible_job_id'] == 'j1.2' and reply['finished'] is True


def test_a_started_batch_is_read_back_and_collected(tmp_path):
    job_dir = str(tmp_path / 'jobs')
    plan = {'jobs': [{'name': 'hello', 'kind': 'command', 'argv': ['echo', 'hello'], 'cmd': 'echo hello',
                      'timeout': 30, 'grace': 1.0, 'output_limit': 1024, 'environment': {}}], 'payloads': []}
    started = _run({'op': 'start', 'async_dir': job_dir, 'plan': plan})
    assert started['changed'] is True and started['jobs'][0]['started'] is True
    jid = started['jobs'][0]['ansible_job_id']
    waited = _run(_status(job_dir, jids=[jid], _wait=10.0))
    assert waited['finished'] is True
    [entry] = waited['jobs']
    assert entry['job_state'] == 'finished' and entry['stdout'] == 'hello' and entry['job_name'] == 'hello'


def test_a_bad_request_is_refused_in_the_modules_words(tmp_path):
    reply = _run(_status(str(tmp_path), jid='../etc/passwd'))
    assert reply['failed'] is True and 'invalid job id' in reply['msg']


@pytest.mark.skipif(not glob.glob(os.path.expanduser('~/.pyenv/versions/3.7*/bin/python3.7')),
                    reason='needs a Python 3.7 from pyenv to stand for a too old target')
def test_a_python_too_old_is_named_not_a_traceback(tmp_path):
    old = sorted(glob.glob(os.path.expanduser('~/.pyenv/versions/3.7*/bin/python3.7')))[-1]
    reply = _run(_status(str(tmp_path), jid='j1.2'), python=old)
    assert reply['failed'] is True
    assert reply['msg'].startswith('parallel.jobs needs Python 3.8 or later on the target; ') and '3.7' in reply['msg']


def _connection(pipelining=True, become=None, shell='sh'):
    return SimpleNamespace(_shell=SimpleNamespace(SHELL_FAMILY=shell), has_pipelining=pipelining, transport='ssh',
                           become=become, is_pipelining_enabled=lambda: False)


@pytest.mark.parametrize('connection, task_vars, reason', [
    (_connection(), {}, None),
    (_connection(), {'parallel_jobs_direct': False}, 'parallel_jobs_direct is false'),
    (_connection(shell='powershell'), {}, 'a PowerShell host'),
    (_connection(pipelining=False), {}, 'the ssh connection cannot send data on stdin'),
    (_connection(become=SimpleNamespace(name='su', pipelining=False)), {}, 'become method su does not allow pipelining'),
    (_connection(become=SimpleNamespace(name='sudo', pipelining=True)), {}, 'become is used and pipelining is not enabled'),
])
def test_a_direct_run_is_used_where_pipelining_could_be(connection, task_vars, reason):
    assert _direct.unavailable_reason(connection, task_vars) == reason
