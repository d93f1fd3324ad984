# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""parallel.jobs.async_start over real SSH: many jobs per call, collected with async_wait."""

from __future__ import annotations

import functools
import http.server
import os
import threading
import uuid

import pytest
from tests.integration.support import TEST_USER


@pytest.fixture
def http_url(tmp_path):
    """A file served over HTTP on loopback for get_url jobs."""
    served = tmp_path / 'served'
    served.mkdir()
    (served / 'payload.txt').write_text('downloaded body\n')
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d/payload.txt' % server.server_address[1]
    server.shutdown()
    server.server_close()


# The target side runs directly (the job code on the interpreter's stdin) where the connection allows,
# else as a module: both paths must give the same results.
TARGET_PATHS = {'direct': (), 'module': ('-e', 'parallel_jobs_direct=false')}
MODULE_PATH_NOTE = 'parallel.jobs: running the module, not a direct run: parallel_jobs_direct is false'


@pytest.mark.parametrize('path', sorted(TARGET_PATHS))
def test_fifty_commands_and_three_modules_start_in_one_call_per_host(run_playbook, http_url, path):
    outcome = run_playbook('start_many.yml', '-v', '-e', 'http_url=%s' % http_url, *TARGET_PATHS[path])
    assert (MODULE_PATH_NOTE in outcome.output) is (path == 'module')
    for host in ('host1', 'host2', 'host3'):
        started = outcome.result('started', host)
        names = ['cmd%d' % n for n in range(50)] + ['say', 'copy_file', 'download']
        assert [job['name'] for job in started['jobs']] == names
        assert all(job['started'] for job in started['jobs'])
        assert set(started['jids']) == set(names)
        assert len(set(started['jids'].values())) == 53
        assert started['msg'] == 'started 53 jobs'

        waited = outcome.result('waited', host)
        assert waited['counts']['finished'] == 53, waited['msg']
        by_name = {job['job_name']: job for job in waited['jobs']}
        assert [job['job_name'] for job in waited['jobs']] == names
        for n in range(50):
            job = by_name['cmd%d' % n]
            assert job['stdout'].startswith('job %d on ' % n)
            assert job['rc'] == 0 and job['ansible_job_id'] == started['jids']['cmd%d' % n]
        assert by_name['say']['stdout'] == 'from the command module'
        assert by_name['copy_file']['changed'] is True
        assert by_name['copy_file']['dest'] == '/tmp/pj-start-%s.copy' % host
        assert by_name['download']['status_code'] == 200
        assert outcome.result('downloaded', host) == 'downloaded body\n'


def test_command_output_is_streamed_limited_and_kept_in_a_file(run_playbook):
    outcome = run_playbook('start_output.yml')
    talking = outcome.result('talking')
    assert talking['job_state'] == 'running'
    assert 'step 2' in talking['stdout'] and 'note 1' in talking['stderr']

    big, talker, small = outcome.result('waited')['jobs']
    assert big['job_state'] == 'finished' and big['rc'] == 0
    assert big['stdout'].endswith('x' * 99 + '\nlast line')
    assert len(big['stdout']) <= 4096 and big['stdout_truncated'] is True
    assert int(outcome.result('big_file_size')) == 200000 * 100 + len('last line\n')
    assert outcome.result('big_file_after') is False  # cleanup removed the kept output file
    # The supervisor streamed 20 MB to a file; its own memory stayed small.
    assert outcome.result('big_meta')['supervisor_peak_rss'] < 30 * 1024 * 1024

    assert talker['job_state'] == 'timed_out' and talker['timed_out'] is True
    assert talker['stdout'] == 'step 1\nstep 2\nstep 3' and talker['stderr'] == 'note 1\nnote 2\nnote 3'
    assert talker['msg'].startswith('Timed out after 6.')

    assert small['stdout'] == '' and small['stdout_truncated'] is True  # output_limit 0 for this job
    assert small['stdout_file'].endswith(small['ansible_job_id'] + '.stdout')


def test_bad_input_is_refused_before_anything_starts(run_playbook):
    outcome = run_playbook('start_bad_inputs.yml', '-e', 'user=%s' % TEST_USER)
    assert all(outcome.result('bad_failed'))
    assert outcome.result('bad') == [
        "jobs[1]: the name 'twin' is already used by jobs[0]; names must be unique",
        "jobs[0] 'nothing': give exactly one of cmd, argv, module or steps (none given)",
        "jobs[0] 'both': give exactly one of cmd, argv, module or steps (got cmd and module)",
        "jobs[0] 'nosuch': cannot run module nosuch.collection.module: "
        "The module nosuch.collection.module was not found in configured module paths",
        "jobs[0] 'env': environment PORT must be a string, not an integer 8080 (quote it in YAML)",
        "jobs[0] 'where': chdir /nonexistent/dir is not a directory on the target",
        "jobs[0] 'mixed': shell belongs to command jobs; a module job takes module and args",
        'jobs[0]: missing required arguments: name',
        "jobs[0] 'late': timeout=-1 must be between 0 and 604800",
        "jobs[0]: expected a mapping with a name and a cmd, argv, module or steps, not str 'not a list'",
        'jobs: the list is empty; give at least one job',
        "jobs[0] 'typo': unknown key chdri (known: args, argv, chdir, cmd, creates, environment, executable, grace, "
        "module, name, output_limit, removes, shell, stdin, stdin_add_newline, steps, timeout)",
    ]
    assert len(outcome.result('with_marker')) == 4
    unreadable = outcome.result('unreadable')
    assert unreadable['failed'] is True
    assert "jobs[1] 'private': chdir /tmp/pj-start-private cannot be entered and read by uid" in unreadable['msg']
    # Every refused call had a valid job that would have left this marker: none started.
    assert outcome.result('marker_exists') is False

    partial = outcome.result('partial')
    assert partial['failed'] is True
    assert partial['msg'] == ('1 of 3 jobs did not start (the other 2 did): '
                              'job missing did not start: /nonexistent/program: command not found')
    assert [job['started'] for job in partial['jobs']] == [True, False, True]
    assert set(partial['jids']) == {'first', 'third'}
    waited = outcome.result('partial_wait')
    assert [(job['job_name'], job['stdout']) for job in waited['jobs']] == [('first', 'first'), ('third', 'third')]


@pytest.mark.parametrize('path', sorted(TARGET_PATHS))
def test_become_delegate_to_check_mode_and_command_options(run_playbook, path):
    outcome = run_playbook('start_become_delegate.yml', '-v', '-e', 'user=%s' % TEST_USER, *TARGET_PATHS[path])
    assert (MODULE_PATH_NOTE in outcome.output) is (path == 'module')
    become_wait = outcome.result('become_wait')
    stdout = {job['job_name']: job['stdout'] for job in become_wait['jobs']}
    assert stdout == {'whoami': TEST_USER, 'home': '/home/%s' % TEST_USER, 'module_user': TEST_USER}
    assert all(job['results_file'].startswith('/home/%s/.ansible_async/' % TEST_USER) for job in become_wait['jobs'])

    delegated = outcome.result('delegated_wait')['jobs'][0]
    assert delegated['stdout'].split()[2] == '127.0.0.12'  # sshd on host2 ran it

    checked = outcome.result('checked')
    assert checked['msg'] == 'would start 1 jobs' and checked['jids'] == {}
    assert outcome.result('check_marker') is False

    jobs = {job['job_name']: job for job in outcome.result('features_wait')['jobs']}
    assert jobs['in_tmp']['stdout'] == '/tmp'
    assert jobs['env']['stdout'] == 'hello from job env'
    assert jobs['task_env']['stdout'] == 'from the task'
    assert jobs['fed']['stdout'] == 'SHOUT THIS'
    assert jobs['already_done']['changed'] is False and jobs['already_done']['skipped_run'] is True
    assert jobs['already_done']['msg'] == 'Did not run command since /etc/hostname exists'


@pytest.mark.parametrize('path', sorted(TARGET_PATHS))
def test_wait_starts_and_waits_in_one_task_and_one_run_when_the_jobs_end_in_its_first_window(run_playbook, path):
    outcome = run_playbook('start_wait.yml', '-e', 'run_id=%d' % (os.getpid() % 100000), *TARGET_PATHS[path])
    waited = outcome.result('waited')
    hello, uptime, broken = waited['jobs']
    assert [job['name'] for job in waited['jobs']] == ['hello', 'uptime', 'broken']
    assert hello['job_state'] == 'finished' and hello['stdout'] == 'hello'
    assert uptime['job_state'] == 'finished' and uptime['rc'] == 0 and uptime['stdout']
    assert broken['job_state'] == 'failed' and broken['rc'] == 3 and broken['stderr'] == 'bad'
    # One run: the start, whose first window saw every job end.
    assert waited['rounds'] == 1
    assert waited['failed'] is True and 'broken' in waited['msg']
    assert waited['counts']['finished'] == 2 and waited['counts']['failed'] == 1
    assert set(waited['jids']) == {'hello', 'uptime', 'broken'}

    gave_up = outcome.result('gave_up')
    assert gave_up['failed'] is True
    assert gave_up['msg'].startswith('timed out after 2.0 s with 1 of 1 jobs still running: long')
    assert gave_up['counts']['running'] == 1
    # Giving up waiting leaves the job running.
    assert outcome.result('still_running')['job_state'] == 'running'


def test_a_queue_runs_at_most_max_running_jobs_in_order_and_outlives_the_controller(run_playbook, tmp_path):
    common = ('-e', 'run_id=%d' % (os.getpid() % 100000), '-e', 'jids_file=%s' % (tmp_path / 'jids.json'))
    started = run_playbook('queue.yml', '-e', 'part=start', *common)
    queued = started.result('queued')
    assert queued['msg'].startswith('queued 7 jobs in q') and queued['msg'].endswith('at most 2 run at a time')
    assert all(job['queued'] and job['ansible_job_id'] for job in queued['jobs'])
    first = started.result('first_read')['jobs']
    states = [job['job_state'] for job in first]
    assert states.count('running') <= 2 and set(states) <= {'queued', 'running'}, states
    # Waiting jobs have their place in line; one the runner is starting this instant has none any more.
    waiting = [job for job in first if 'job_queue_position' in job]
    assert all(job['job_state'] == 'queued' for job in waiting)
    # In line in the order given, the next to start first.
    assert [job['job_queue_position'] for job in waiting] == list(range(1, len(waiting) + 1))
    assert [job['name'] for job in waiting] == [job['name'] for job in first][-len(waiting):]
    killed = started.result('killed_queued')
    assert killed['job_state'] == 'killed' and 'never started' in killed['msg']

    # The play that queued them has ended: a later one finds the queue went on without it.
    waited = run_playbook('queue.yml', '-e', 'part=wait', *common).result('waited')
    jobs = {job['name']: job for job in waited['jobs']}
    assert jobs['job6']['job_state'] == 'killed'
    ran = [jobs[name] for name in ['job%d' % n for n in range(6)] + ['late0', 'late1']]
    assert all(job['job_state'] == 'finished' and job['rc'] == 0 for job in ran), ran
    # Never more than two at once, and started in the order they were queued: two jobs the runner starts in the
    # same instant (their supervisors set up side by side) may record their starts a few ms either way.
    spans = [(job['job_started_at'], job['job_ended_at']) for job in ran]
    starts = [start for start, _end in spans]
    assert all(later >= earlier - 0.5 for index, earlier in enumerate(starts) for later in starts[index + 1:]), starts
    for start, _end in spans:
        assert sum(1 for other_start, other_end in spans if other_start <= start < other_end) <= 2
    # Each job's time limit counted from its own start: the last began about 8 s after the first.
    assert spans[-1][0] - spans[0][0] >= 6


def test_a_job_of_steps_runs_them_in_order_shows_its_progress_and_stops_at_a_failure_or_its_limit(run_playbook):
    run_id = str(uuid.uuid4().int % 10 ** 9)
    outcome = run_playbook('start_steps.yml', '-e', 'run_id=%s' % run_id)
    started = outcome.result('started')
    assert [job.get('steps') for job in started['jobs']] == [
        ['fetch', 'configure', 'migrate', 'optional', 'step 5'], ['first', 'broken', 'never'], ['quick', 'slow', 'after']]

    # While the third step runs: its output so far, and the steps so far with their states.
    midway = outcome.result('midway')
    assert midway['job_state'] == 'running' and midway['stdout'].strip() == 'migrating', midway
    assert [(step['name'], step['state']) for step in midway['job_steps']] == [
        ('fetch', 'finished'), ('configure', 'finished'), ('migrate', 'running')]

    deploy, stops, limited = outcome.result('waited')['jobs']
    # All five ran in order, in the job's directory and environment; the ignored failure does not fail the job.
    assert deploy['job_state'] == 'finished' and not deploy.get('failed'), deploy
    assert [step['name'] for step in deploy['steps']] == ['fetch', 'configure', 'migrate', 'optional', 'step 5']
    fetch, configure, migrate, optional, last = deploy['steps']
    assert fetch['stdout'] == 'fetched in /tmp for prod-%s' % run_id and fetch['stderr'] == 'a note'
    assert configure['module'] == 'ansible.builtin.lineinfile' and configure['changed'] is True
    assert configure['msg'].startswith('line added')
    assert migrate['stdout'] == 'migrating\nmigrated' and migrate['rc'] == 0
    assert optional['rc'] == 3 and optional['failed'] is True
    assert last['stdout'] == 'configured %s' % run_id
    assert deploy['changed'] is True and deploy['rc'] == 0
    assert deploy['msg'] == 'all 5 steps ran (failed, ignored: optional)'

    # The first failure ends the job: the step after it never runs, and the job fails naming the step.
    assert stops['job_state'] == 'failed' and stops['rc'] == 1, stops
    assert stops['msg'] == 'step 2 of 3 (broken) failed: non-zero return code'
    assert [step.get('skipped', False) for step in stops['steps']] == [False, False, True]

    # One limit for all steps: the second step is stopped at it, the third never runs.
    assert limited['job_state'] == 'timed_out', limited
    quick, slow, after = limited['steps']
    assert quick['rc'] == 0 and slow['timed_out'] is True and slow['failed'] is True
    assert after['skipped'] is True and after['msg'] == 'not run: the job was stopped'

    # A step whose program is missing is found before anything of its job runs.
    missing = outcome.result('missing')
    assert missing['failed'] is True
    assert "did not start: step 'step 2': no-such-program-%s: command not found" % run_id in missing['msg'], missing
    assert outcome.result('leftovers') == [False, False, False]
