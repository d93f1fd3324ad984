# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for reading async_start's ``jobs`` option (``plugin_utils/_job_specs.py``)."""

from __future__ import annotations

import pytest
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import JobInputError
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_specs import parse_job_specs

DEFAULTS = {'timeout': 3600, 'grace': 5.0, 'output_limit': 1048576}


def test_a_command_string_is_split_like_the_command_module():
    [spec] = parse_job_specs([{'name': 'copy', 'cmd': "cp 'a file' /tmp/b"}], DEFAULTS)
    assert spec['kind'] == 'command'
    assert spec['argv'] == ['cp', 'a file', '/tmp/b']
    assert spec['cmd'] == "cp 'a file' /tmp/b"
    assert (spec['timeout'], spec['grace'], spec['output_limit']) == (3600, 5.0, 1048576)


def test_shell_runs_the_string_through_sh_or_the_given_executable():
    specs = parse_job_specs([{'name': 'a', 'cmd': 'echo $HOME | wc -c', 'shell': True},
                             {'name': 'b', 'cmd': 'echo hi', 'shell': 'yes', 'executable': '/bin/bash'}], DEFAULTS)
    assert specs[0]['argv'] == ['/bin/sh', '-c', 'echo $HOME | wc -c']
    assert specs[1]['argv'] == ['/bin/bash', '-c', 'echo hi']


def test_argv_is_kept_and_shown_quoted():
    [spec] = parse_job_specs([{'name': 'a', 'argv': ['echo', 'two words', "it's"]}], DEFAULTS)
    assert spec['argv'] == ['echo', 'two words', "it's"]
    assert spec['cmd'] == "echo 'two words' 'it'\"'\"'s'"


def test_per_job_limits_override_the_defaults_and_numbers_may_be_strings():
    [spec] = parse_job_specs([{'name': 'a', 'cmd': 'true', 'timeout': '30', 'grace': 0, 'output_limit': 10}], DEFAULTS)
    assert (spec['timeout'], spec['grace'], spec['output_limit']) == (30, 0.0, 10)


def test_a_module_job_keeps_its_arguments():
    [spec] = parse_job_specs([{'name': 'get', 'module': 'ansible.builtin.get_url',
                               'args': {'url': 'http://127.0.0.1/x', 'dest': '/tmp/x'}}], DEFAULTS)
    assert spec['kind'] == 'module'
    assert spec['module'] == 'ansible.builtin.get_url'
    assert spec['args'] == {'url': 'http://127.0.0.1/x', 'dest': '/tmp/x'}
    assert spec['argv'] is None


def test_values_are_converted_as_ansible_converts_module_options():
    [spec] = parse_job_specs([{'name': 'a', 'argv': ['sleep', 3], 'stdin': 5, 'shell': 'no'}], DEFAULTS)
    assert spec['argv'] == ['sleep', '3'] and spec['stdin'] == '5' and spec['shell'] is False


def test_environment_values_are_strings():
    [spec] = parse_job_specs([{'name': 'a', 'cmd': 'env', 'environment': {'PORT': '8080'}}], DEFAULTS)
    assert spec['environment'] == {'PORT': '8080'}


@pytest.mark.parametrize('jobs, message', [
    ('echo hi', "jobs: expected a list of job definitions, not str"),
    ([], 'jobs: the list is empty'),
    (['echo hi'], "jobs[0]: expected a mapping with a name and a cmd, argv, module or steps, not str 'echo hi'"),
    ([{'cmd': 'true'}], 'jobs[0]: missing required arguments: name'),
    ([{'name': '', 'cmd': 'true'}], 'jobs[0]: a name is one line of 1 to 200 characters'),
    ([{'name': 'a\nb', 'cmd': 'true'}], "jobs[0] 'a\\nb': a name is one line"),
    ([{'name': 'a', 'cmd': 'true'}, {'name': 'a', 'cmd': 'false'}],
     "jobs[1]: the name 'a' is already used by jobs[0]; names must be unique"),
    ([{'name': 'a'}], "jobs[0] 'a': give exactly one of cmd, argv, module or steps (none given)"),
    ([{'name': 'a', 'cmd': 'true', 'module': 'ping'}], "jobs[0] 'a': give exactly one of cmd, argv, module or steps (got cmd and module)"),
    ([{'name': 'a', 'cmd': 'true', 'argv': ['true']}], "(got cmd and argv)"),
    ([{'name': 'a', 'cmd': 'true', 'chdri': '/tmp'}], "jobs[0] 'a': unknown key chdri"),
    ([{'name': 'a', 'cmd': '   '}], "jobs[0] 'a': cmd must be a non-empty string"),
    ([{'name': 'a', 'cmd': 'echo "unclosed'}], "jobs[0] 'a': cannot split cmd into arguments"),
    ([{'name': 'a', 'argv': []}], "jobs[0] 'a': argv must be a non-empty list of strings"),
    ([{'name': 'a', 'argv': 'echo hi'}], "jobs[0] 'a': argv must be a non-empty list of strings"),
    ([{'name': 'a', 'argv': ['true'], 'shell': True}], "shell: true takes cmd (a string), not argv"),
    ([{'name': 'a', 'cmd': 'true', 'executable': '/bin/bash'}], 'executable only applies with shell: true'),
    ([{'name': 'a', 'cmd': 'true', 'shell': 'maybe'}],
     "jobs[0] 'a': argument 'shell' is of type str and we were unable to convert to bool: The value 'maybe' is not"),
    ([{'name': 'a', 'cmd': 'true', 'args': {'x': 1}}], "jobs[0] 'a': args belongs to module jobs"),
    ([{'name': 'a', 'module': 'ping', 'chdir': '/tmp', 'creates': '/x'}], "jobs[0] 'a': creates belongs to command jobs"),
    ([{'name': 'a', 'module': 'not a module'}], "jobs[0] 'a': module must be a module name"),
    ([{'name': 'a', 'module': 'ping', 'args': ['x']}],
     "jobs[0] 'a': argument 'args' is of type list and we were unable to convert to dict"),
    ([{'name': 'a', 'cmd': 'env', 'environment': {'PORT': 8080}}],
     "jobs[0] 'a': environment PORT must be a string, not an integer 8080 (quote it in YAML)"),
    ([{'name': 'a', 'cmd': 'env', 'environment': {'DEBUG': True}}], "environment DEBUG must be a string, not a boolean"),
    ([{'name': 'a', 'cmd': 'env', 'environment': {'A=B': 'x'}}], "environment variable name 'A=B' is not valid"),
    ([{'name': 'a', 'cmd': 'env', 'environment': ['A=B']}],
     "jobs[0] 'a': argument 'environment' is of type list and we were unable to convert to dict"),
    ([{'name': 'a', 'cmd': 'true', 'chdir': ''}], "jobs[0] 'a': chdir must be a non-empty string"),
    ([{'name': 'a', 'cmd': 'true', 'timeout': -1}], "jobs[0] 'a': timeout=-1 must be between 0 and 604800"),
    ([{'name': 'a', 'cmd': 'true', 'timeout': 1.5}],
     "jobs[0] 'a': argument 'timeout' is of type float and we were unable to convert to int"),
    ([{'name': 'a', 'cmd': 'true', 'timeout': 'soon'}],
     "jobs[0] 'a': argument 'timeout' is of type str and we were unable to convert to int"),
    ([{'name': 'a', 'cmd': 'true', 'grace': 7200}], "jobs[0] 'a': grace=7200.0 must be between 0.0 and 3600.0"),
    ([{'name': 'a', 'cmd': 'true', 'output_limit': -5}], "output_limit=-5 must be between 0"),
])
def test_bad_input_is_refused_naming_the_entry(jobs, message):
    with pytest.raises(JobInputError) as caught:
        parse_job_specs(jobs, DEFAULTS)
    assert message in str(caught.value)


def test_a_job_of_steps_checks_each_step_as_a_job_and_names_the_unnamed():
    [spec] = parse_job_specs([{'name': 'deploy', 'chdir': '/srv', 'environment': {'STAGE': 'prod'}, 'steps': [
        {'name': 'fetch', 'cmd': 'git pull --ff-only'},
        {'cmd': 'make build | tee build.log', 'shell': True},
        {'module': 'ansible.builtin.ping', 'ignore_errors': True},
    ]}], DEFAULTS)
    assert spec['kind'] == 'steps' and spec['chdir'] == '/srv' and spec['timeout'] == DEFAULTS['timeout']
    fetch, build, ping = spec['steps']
    assert (fetch['name'], fetch['kind'], fetch['argv']) == ('fetch', 'command', ['git', 'pull', '--ff-only'])
    assert (build['name'], build['argv']) == ('step 2', ['/bin/sh', '-c', 'make build | tee build.log'])
    assert (ping['name'], ping['kind'], ping['args'], ping['ignore_errors']) == ('step 3', 'module', {}, True)
    assert fetch['ignore_errors'] is False


@pytest.mark.parametrize('steps, message', [
    ([], "jobs[0] 'd': steps must list 1 to 100 steps"),
    ([{'cmd': 'true'}] * 101, "jobs[0] 'd': steps must list 1 to 100 steps"),
    ([{'name': 'x'}], "jobs[0] 'd' steps[0] 'x': give exactly one of cmd, argv or module (none given)"),
    ([{'cmd': 'true'}, {'cmd': 'true', 'chdir': '/tmp'}], "jobs[0] 'd' steps[1]: unknown key chdir"),
    ([{'cmd': 'true', 'module': 'ping'}], "jobs[0] 'd' steps[0]: give exactly one of cmd, argv or module (got cmd and module)"),
    ([{'argv': 'echo hi'}], "jobs[0] 'd' steps[0]: argv must be a non-empty list of strings"),
    ([{'module': 'ping', 'stdin': 'x'}], "jobs[0] 'd' steps[0]: stdin belongs to command jobs"),
    ([{'cmd': 'true', 'ignore_errors': 'sometimes'}], "argument 'ignore_errors' is of type str"),
    ([{'name': '', 'cmd': 'true'}], "jobs[0] 'd' steps[0]: a name is one line of 1 to 200 characters"),
])
def test_bad_steps_are_refused_naming_the_step(steps, message):
    with pytest.raises(JobInputError) as caught:
        parse_job_specs([{'name': 'd', 'steps': steps}], DEFAULTS)
    assert message in str(caught.value)


def test_a_job_of_steps_takes_no_command_of_its_own():
    with pytest.raises(JobInputError, match="jobs\\[0\\] 'd': give exactly one of cmd, argv, module or steps"):
        parse_job_specs([{'name': 'd', 'cmd': 'true', 'steps': [{'cmd': 'true'}]}], DEFAULTS)
    with pytest.raises(JobInputError, match="jobs\\[0\\] 'd': creates belongs in the steps"):
        parse_job_specs([{'name': 'd', 'creates': '/x', 'steps': [{'cmd': 'true'}]}], DEFAULTS)


def test_bad_task_level_defaults_are_refused():
    with pytest.raises(JobInputError, match='timeout=-3 must be between 0 and 604800'):
        parse_job_specs([{'name': 'a', 'cmd': 'true'}], dict(DEFAULTS, timeout=-3))
