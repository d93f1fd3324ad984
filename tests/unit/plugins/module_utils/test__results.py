# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for building a job's result from its output (``module_utils/_results.py``)."""

from __future__ import annotations

import json

import pytest
from ansible_collections.parallel.jobs.plugins.module_utils import _results
from ansible_collections.parallel.jobs.plugins.module_utils._jobs.records import META_KEY
from ansible_collections.parallel.jobs.plugins.module_utils._results import (
    _json_bounds,
    _parse_module_output,
    command_result,
    module_result,
    result_chunks,
    stderr_fields,
)

JID = 'j123.456'
TRAILER = {'started': True, 'finished': True, 'ansible_job_id': JID,
           META_KEY: {'format': 1, 'outcome': 'completed', 'rc': 0, 'processes': []}}


# ---------------------------------------------------------------------------
# The module's result


def _job_file_bytes(tmp_path, stdout: bytes, stderr: bytes = b'', rc=0, trailer=None):
    """What the supervisor writes as the job file for a module that printed ``stdout``."""
    out = tmp_path / (JID + '.stdout')
    err = tmp_path / (JID + '.stderr')
    out.write_bytes(stdout)
    err.write_bytes(stderr)
    result = module_result(str(out), str(err), rc, 'python3 AnsiballZ_x.py')
    trailer = dict(TRAILER if trailer is None else trailer)
    if not isinstance(result, dict):
        trailer = dict(stderr_fields(str(err)), **trailer)
    return result, b''.join(result_chunks(result, str(out), trailer))


MODULE = {'changed': True, 'rc': 0, 'stdout': 'hi {there}', 'stdout_lines': ['hi {there}'], 'finished': False,
          'invocation': {'module_args': {'_raw_params': 'echo "}"'}}}


def test_module_result_small_drops_a_motd_and_warns_of_junk_after_the_json_as_core_does(tmp_path):
    stdout = (b'Welcome to host.example\nLast login: yesterday\n'
              + json.dumps(MODULE).encode() + b'\nShared connection to host closed.\n\n')
    result, data = _job_file_bytes(tmp_path, stdout)
    assert isinstance(result, dict)
    record = json.loads(data)
    expected = dict(MODULE, warnings=['Module invocation had junk after the JSON data: Shared connection to host closed.'])
    expected.update(TRAILER)
    assert record == expected
    # The trailer wins: the job file says the job finished even if the module said otherwise.
    assert record['finished'] is True
    assert 'stderr' not in record


def test_the_junk_warning_comes_after_the_modules_own_warnings(tmp_path):
    _result, data = _job_file_bytes(tmp_path, b'{"warnings": ["mine"]}\ntrailing one\ntrailing two\n')
    assert json.loads(data)['warnings'] == ['mine', 'Module invocation had junk after the JSON data: trailing one\n'
                                                    'trailing two']


def test_blank_lines_after_the_json_are_not_junk(tmp_path):
    _result, data = _job_file_bytes(tmp_path, b'{"changed": false}\n\n   \n')
    assert 'warnings' not in json.loads(data)


def test_module_result_small_puts_stderr_under_stderr_as_core_does(tmp_path):
    _result, data = _job_file_bytes(tmp_path, b'{"changed": false}\n', stderr=b'printed to stderr\n')
    record = json.loads(data)
    assert record['changed'] is False
    assert record['stderr'] == 'printed to stderr\n'


def test_non_empty_stderr_replaces_the_modules_own_stderr_key_as_core_does(tmp_path):
    _result, data = _job_file_bytes(tmp_path, b'{"stderr": "mine"}\n', stderr=b'other\n')
    assert json.loads(data)['stderr'] == 'other\n'
    _result, data = _job_file_bytes(tmp_path, b'{"stderr": "mine"}\n')
    assert json.loads(data)['stderr'] == 'mine'


def test_module_result_empty_object(tmp_path):
    _result, data = _job_file_bytes(tmp_path, b'{}\n')
    assert json.loads(data) == TRAILER


@pytest.mark.parametrize('stdout', [
    b'',
    b'Traceback (most recent call last):\n  boom\n',
    b'[1, 2, 3]\n',
    b'{"broken": \n',
    b'text before {"a": 1} on the same line\n',
])
def test_module_result_without_json(tmp_path, stdout):
    _result, data = _job_file_bytes(tmp_path, stdout, stderr=b'boom\n', rc=3)
    record = json.loads(data)
    assert record['failed'] is True
    assert record['rc'] == 3
    assert 'rc=3' in record['msg']
    # Core's failure record: what was printed as data, stderr, and the command.
    assert record['stderr'] == 'boom\n'
    assert record['data'] == stdout.decode()
    assert record['cmd'] == 'python3 AnsiballZ_x.py'
    for key, value in TRAILER.items():
        assert record[key] == value


LARGE_MODULE = {'changed': True, 'rc': 0, 'finished': False, 'stdout': 'x' * 500,
                'nested': {'a': [1, 2, {'b': '}'}], 'c': '{'}}


@pytest.mark.parametrize('module', [
    pytest.param(LARGE_MODULE, id='module-dict'),
    pytest.param({'msg': 'x' * 300}, id='one-key'),
    pytest.param({}, id='empty-object'),
])
def test_module_result_large_is_spliced(tmp_path, monkeypatch, module):
    monkeypatch.setattr(_results, 'PARSE_LIMIT', 100)
    monkeypatch.setattr(_results, 'COPY_CHUNK', 64)
    stdout = (b'MOTD: welcome {user}\n' * 10 + json.dumps(module, indent=1).encode()
              + b'\nShared connection to host closed.\n')
    assert len(stdout) > 100
    result, data = _job_file_bytes(tmp_path, stdout, stderr=b'to stderr\n')
    # The splice path ran: the result was located, not loaded (an empty object needs no splice).
    assert isinstance(result, tuple) or module == {}
    expected = dict(module, stderr='to stderr\n')
    expected.update(TRAILER)
    assert json.loads(data) == expected


def test_module_result_large_without_json(tmp_path, monkeypatch):
    monkeypatch.setattr(_results, 'PARSE_LIMIT', 100)
    stdout = b'no json here, only text {inline}\n' * 10
    _result, data = _job_file_bytes(tmp_path, stdout, stderr=b'err\n', rc=1)
    record = json.loads(data)
    assert record['failed'] is True
    assert 'rc=1' in record['msg']
    assert record['stderr'] == 'err\n' and record['data'].startswith('no json here')
    assert record['finished'] is True


@pytest.mark.parametrize('text, expected', [
    ('{"a": 1}', ({'a': 1}, None)),
    ('  {"a": 1}\n', ({'a': 1}, None)),
    ('motd\n\n{"a": {"b": [1]}}\njunk } after\n', ({'a': {'b': [1]}}, 'junk } after')),
    ('{"a": 1}{"b": 2}', ({'a': 1}, '{"b": 2}')),
    ('text {"a": 1}', None),
    ('[1, 2]', None),
    ('{"a": ', None),
    ('', None),
])
def test_parse_module_output(text, expected):
    assert _parse_module_output(text) == expected


# ---------------------------------------------------------------------------
# Finding the JSON in a large output


@pytest.mark.parametrize('chunk', [1, 3, 7, 1024 * 1024])
@pytest.mark.parametrize('data, start_marker', [
    pytest.param(b'{"a": 1}\n', 0, id='json-first'),
    pytest.param(b'Welcome to the host\n{"a": {"b": 1}}\ntrailing text\n', b'\n{', id='leading-line'),
    pytest.param(b'note: {not this}\n  \t{"a": 1}\n', b'\t{', id='indented-after-text-brace'),
    pytest.param(b'a\r\n{"a": 1}\r\n', b'\n{', id='crlf'),
    pytest.param(b'x' * 20 + b' {"a": 1}\n{"b": 2}\n', b'\n{', id='long-line-brace'),
])
def test_json_bounds(tmp_path, monkeypatch, chunk, data, start_marker):
    monkeypatch.setattr(_results, 'COPY_CHUNK', chunk)
    path = tmp_path / 'out'
    path.write_bytes(data)
    start, end = _json_bounds(str(path), len(data))
    expected_start = 0 if start_marker == 0 else data.index(start_marker) + len(start_marker) - 1
    assert data[expected_start:expected_start + 1] == b'{'
    assert (start, end) == (expected_start, data.rindex(b'}'))


@pytest.mark.parametrize('chunk', [1, 4, 1024 * 1024])
@pytest.mark.parametrize('data', [
    b'text then {"a": 1}\n',
    b'text then {"a": 1}',
    b'no braces at all\n',
    b'',
])
def test_json_bounds_no_line_starting_brace(tmp_path, monkeypatch, chunk, data):
    monkeypatch.setattr(_results, 'COPY_CHUNK', chunk)
    path = tmp_path / 'out'
    path.write_bytes(data)
    start, _end = _json_bounds(str(path), len(data))
    assert start is None


# ---------------------------------------------------------------------------
# Command jobs' results


def _outputs(tmp_path, stdout: bytes, stderr: bytes = b''):
    out, err = tmp_path / 'j1.1.stdout', tmp_path / 'j1.1.stderr'
    out.write_bytes(stdout)
    err.write_bytes(stderr)
    return str(out), str(err)


def test_a_command_result_reads_like_the_command_modules(tmp_path):
    out, err = _outputs(tmp_path, b'hello\nworld\n', b'a warning\n')
    result, keep = command_result('echo hello', 1024, out, err, 0, 1795435200.0, 1795435201.5)
    assert result['stdout'] == 'hello\nworld' and result['stderr'] == 'a warning'
    assert result['rc'] == 0 and result['changed'] is True and 'failed' not in result
    assert result['cmd'] == 'echo hello'
    assert result['delta'] == '0:00:01.500000'
    assert result['stdout_truncated'] is False and 'stdout_file' not in result
    assert keep == ()


def test_a_command_result_keeps_the_end_of_long_output_and_its_file(tmp_path):
    out, err = _outputs(tmp_path, b''.join(b'line %d\n' % n for n in range(1000)))
    result, keep = command_result('seq', 100, out, err, 0, 0.0, 1.0)
    assert result['stdout'].endswith('line 999')
    assert len(result['stdout']) <= 100
    assert result['stdout'].splitlines()[0].startswith('line ')  # cut at a line start
    assert result['stdout_truncated'] is True and result['stdout_file'] == out
    assert keep == (out,)


def test_a_zero_output_limit_keeps_nothing_in_the_result_but_the_file(tmp_path):
    out, err = _outputs(tmp_path, b'data\n')
    result, keep = command_result('cat', 0, out, err, 0, 0.0, 1.0)
    assert result['stdout'] == '' and result['stdout_truncated'] is True and keep == (out,)
    assert result['stderr_truncated'] is False


@pytest.mark.parametrize('rc, msg', [(2, 'non-zero return code'), (-9, 'killed by SIGKILL')])
def test_a_failed_command_says_why(tmp_path, rc, msg):
    out, err = _outputs(tmp_path, b'')
    result, _keep = command_result('x', 10, out, err, rc, 0.0, 1.0)
    assert result['failed'] is True and result['msg'] == msg and result['rc'] == rc


# ---------------------------------------------------------------------------
# Jobs of steps

STEPS = [{'name': 'a'}, {'name': 'b', 'ignore_errors': True}, {'name': 'c'}, {'name': 'd'}]


def test_steps_result_of_a_job_whose_steps_all_ran():
    results = [{'name': 'a', 'rc': 0, 'changed': False}, {'name': 'b', 'rc': 2, 'failed': True, 'changed': True},
               {'name': 'c', 'changed': False}, {'name': 'd', 'rc': 0, 'changed': False}]
    result = _results.steps_result(STEPS, results)
    assert result == {'changed': True, 'steps': results, 'rc': 0, 'msg': 'all 4 steps ran (failed, ignored: b)'}


def test_steps_result_stops_at_the_first_failure_not_ignored():
    results = [{'name': 'a', 'rc': 0}, {'name': 'b', 'rc': 0}, {'name': 'c', 'failed': True, 'msg': 'boom\nmore'}]
    result = _results.steps_result(STEPS, results)
    assert result['failed'] is True and result['msg'] == 'step 3 of 4 (c) failed: boom'
    assert result['steps'][3] == {'name': 'd', 'skipped': True, 'msg': 'not run: an earlier step failed'}
    assert result['changed'] is False and 'rc' not in result


def test_steps_result_of_a_stopped_job_keeps_the_stop_and_lists_the_rest_as_not_run():
    results = [{'name': 'a', 'rc': 0, 'changed': True}, {'name': 'b', 'rc': -15, 'failed': True, 'timed_out': True}]
    stopped = {'failed': True, 'timed_out': True, 'msg': 'timed out'}
    result = _results.steps_result(STEPS, results, stopped)
    assert result['msg'] == 'timed out' and result['timed_out'] is True and result['changed'] is True
    assert [step.get('msg') for step in result['steps'][2:]] == ['not run: the job was stopped'] * 2
