# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""parallel.jobs.async_wait over real SSH: many jobs and hosts, one wait, every outcome named."""

from __future__ import annotations

import json
import subprocess
import time

from tests.integration.support import PLAYBOOKS
from tests.sshlab import child_pids, tool

HOSTS = ('host1', 'host2', 'host3')


def test_mixed_outcomes_are_each_reported_in_one_wait(run_playbook):
    outcome = run_playbook('wait_mixed.yml')
    for host in HOSTS:
        waited = outcome.result('waited', host)
        assert waited['failed'] is True
        states = [job['job_state'] for job in waited['jobs']]
        assert states == ['finished', 'failed', 'timed_out', 'lost', 'corrupt']
        ok, rc, slow, orphan, corrupt = waited['jobs']
        assert ok['stdout'] == 'all good' and ok['rc'] == 0
        assert rc['rc'] == 2 and rc['stderr'] == 'broken'
        assert slow['signal'] == 'SIGTERM'
        assert 'supervisor' in orphan['job_reason']
        assert 'not valid JSON' in corrupt['job_reason']
        assert waited['counts']['finished'] == 1 and waited['counts']['lost'] == 1
        # The message names each bad job and why.
        msg = waited['msg']
        assert msg.startswith('4 of 5 jobs failed: ')
        assert '%s rc=2' % rc['ansible_job_id'] in msg
        assert '%s lost (' % orphan['ansible_job_id'] in msg
        assert 'j4242.4242 corrupt (the job file is not valid JSON' in msg
        assert '%s timed out (Timed out after' % slow['ansible_job_id'] in msg
        # The target waited: a lost or corrupt job did not hold the wait, the slow one ended at its 2 s limit.
        assert waited['rounds'] == 1
        assert waited['elapsed'] < 10

        killed = outcome.result('killed_orphan', host)
        assert killed['job_state'] == 'killed'
        assert outcome.result('orphan_left', host) == []
        # Collected jobs' files were set aside (no longer jobs of the host); the lost job's record was kept.
        assert outcome.result('files_after', host) == [False, False, False, True]
    assert 'host1: 5/5 jobs ended, 1 failed, 1 timed out, 1 lost, 1 corrupt' in outcome.output


def test_seed_monitoring_phase_with_async_wait(run_playbook):
    outcome = run_playbook('wait_seed.yml')
    for host in HOSTS:
        monitors = outcome.result('monitors', host)
        assert monitors['failed'] is False
        assert [job['job_state'] for job in monitors['jobs']] == ['finished', 'finished']
        webapp, database = monitors['jobs']
        assert webapp['stdout_lines'] == ['webapp check 1/3: healthy', 'webapp check 2/3: healthy',
                                          'webapp check 3/3: healthy', 'webapp stable']
        assert database['stdout_lines'][-1] == 'database stable'
        assert monitors['msg'] == 'all 2 jobs ended'
        # Both monitors ran side by side: the wait took about one monitor's time, in one round trip.
        assert monitors['rounds'] == 1
        assert monitors['counts']['finished'] == 2
        assert '%s: 2/2 jobs ended' % host in outcome.output
    assert 'pj_monitor_webapp.py: finished, last line: webapp stable' in outcome.output


def test_timeout_list_cleanup_and_kill(run_playbook):
    outcome = run_playbook('wait_timeout.yml')
    jid = outcome.result('long_job')['ansible_job_id']
    short = outcome.result('short_wait')
    assert short['failed'] is True
    assert short['msg'].startswith('timed out after 2.0 s with 1 of 1 jobs still running: %s' % jid)
    assert short['jobs'][0]['job_state'] == 'running'
    assert 2.0 <= short['elapsed'] < 5.0

    listed = {job['ansible_job_id']: job for job in outcome.result('listed')['jobs']}
    assert listed[jid]['job_state'] == 'running' and listed[jid]['module'] == 'command'
    assert listed[jid]['age'] >= 2.0

    refused = outcome.result('refused_cleanup')
    assert refused['failed'] is True and jid in refused['msg'] and refused['erased'] == []

    killed = outcome.result('killed')
    assert killed['jobs'][0]['job_state'] == 'killed' and killed['changed'] is True
    assert killed['jobs'][0]['signal'] == 'SIGTERM'
    assert outcome.result('left') == []

    forced = outcome.result('forced')
    assert forced['job_state'] == 'killed' and forced['erased'] == '/root/.ansible_async/' + forced['ansible_job_id']
    assert forced['erased_files'] == [forced['erased']]
    after = outcome.result('after_force')
    assert after['job_state'] == 'not_found'


def test_become_and_delegate_to_find_their_jobs(run_playbook):
    from tests.integration.support import TEST_USER

    outcome = run_playbook('wait_become_delegate.yml', '-e', 'user=%s' % TEST_USER)
    become_wait = outcome.result('become_wait')
    assert become_wait['jobs'][0]['stdout'] == TEST_USER
    delegated = outcome.result('delegated_wait')
    assert delegated['jobs'][0]['job_state'] == 'finished'
    assert delegated['jobs'][0]['stdout'].split()[2] == '127.0.0.12'  # ran on host2


def test_bad_inputs_are_refused_clearly(run_playbook):
    from tests.integration.support import OTHER_USER, TEST_USER

    outcome = run_playbook('wait_bad_inputs.yml', '-e', 'user=%s' % TEST_USER, '-e', 'other_user=%s' % OTHER_USER)
    msgs = outcome.result('bad')
    assert all(outcome.result('bad_failed'))
    expected = [
        'jobs: expected a job id, a registered async result or a list of them, not an integer 5',
        'jobs: no job ids found in []',
        'jobs: {} has no ansible_job_id, jobs or results',
        'not found',
        "jobs: invalid job id '../../etc/passwd'",
        "jobs[1]: invalid job id '/etc/passwd'",
        'poll=-1.0 must be between',
        'window=0.0 must be between',
        'timeout',
        'fail_on',
        'unknown_option',
    ]
    for msg, part in zip(msgs, expected):
        assert part in msg, (part, msg)
    assert msgs[3].startswith('1 of 1 jobs failed: j123456.789 not found (')
    other = outcome.result('other_users_job')
    assert other['failed'] is True and other['jobs'][0]['job_state'] == 'not_found'


def test_a_dropped_ssh_connection_during_a_window_is_retried(lab, tmp_path):
    """Kill host1's sshd session processes (children of the sshd we started, by pid) mid-window."""
    results_dir = tmp_path / 'results'
    results_dir.mkdir()
    env = lab.env()
    proc = subprocess.Popen([tool('ansible-playbook'), str(PLAYBOOKS / 'wait_reconnect.yml'), '-e',
                             'results_dir=%s' % results_dir], env=env, cwd=str(lab.dir), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    sshd = lab.hosts[0].process.pid
    marker = results_dir / 'host1-window_started.json'
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    # Drop the connection only once the window's module runs on the host (a Python process in an ssh
    # session: the job itself runs detached, outside sshd's tree), not before it was sent.
    while not _runs_under(sshd, b'python') and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert _runs_under(sshd, b'python'), 'the wait never ran its window on the host'
    sessions = child_pids(sshd)
    assert sessions, 'no ssh session to drop'
    for pid in sessions:
        subprocess.run(['kill', '-KILL', str(pid)], check=False)
    output = proc.communicate(timeout=120)[0]
    assert proc.returncode == 0, output[-6000:]
    waited = json.loads((results_dir / 'host1-waited.json').read_text())
    assert waited['jobs'][0]['job_state'] == 'finished'
    assert waited['reconnects'] >= 1 and waited['rounds'] >= 1


def _runs_under(root: int, needle: bytes) -> bool:
    """Whether a descendant of ``root`` has ``needle`` in its command line."""
    pending = child_pids(root)
    while pending:
        pid = pending.pop()
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as handle:
                if needle in handle.read():
                    return True
        except OSError:
            continue
        pending.extend(child_pids(pid))
    return False


def test_a_running_jobs_entry_shows_its_output_so_far(run_playbook):
    outcome = run_playbook('output_so_far.yml')
    early = outcome.result('early')
    assert early['job_state'] == 'running' and early['finished'] is False
    assert early['stderr_lines'][:2] == ['progress 1/6', 'progress 2/6']
    assert 'progress 6/6' not in early['stderr']
    done = outcome.result('done')
    assert done['job_state'] == 'finished' and done['steps'] == 6
    # Once it ended, the module's stderr is in its result under stderr, as core's wrapper puts it.
    assert done['stderr'].splitlines()[-1] == 'progress 6/6'


def test_module_defaults_for_the_action_group_reach_each_member(run_playbook):
    outcome = run_playbook('module_defaults.yml')
    read = outcome.result('read')
    assert read['failed'] is False
    assert [job['job_time_limit'] for job in read['jobs']] == [30, 30]
    waited = outcome.result('waited')
    assert waited['failed'] is False and waited['counts']['finished'] == 2
    # A 6 s job in 2 s windows: the group's window applied, not the 30 s default.
    assert waited['rounds'] >= 2


def _start_outage_play(lab, results_dir, *extra):
    """Start wait_outage.yml; return the process once host1 runs the wait's first window."""
    proc = subprocess.Popen([tool('ansible-playbook'), str(PLAYBOOKS / 'wait_outage.yml'), '-e',
                             'results_dir=%s' % results_dir, *extra], env=lab.env(), cwd=str(lab.dir),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    marker, sshd = results_dir / 'host1-window_started.json', lab.hosts[0].process.pid
    deadline = time.monotonic() + 60
    while not (marker.exists() and _runs_under(sshd, b'python')) and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    assert _runs_under(sshd, b'python'), 'the wait never ran its window on the host:\n%s' % proc.communicate()[0]
    return proc


def _wait_through_outage(lab, tmp_path, max_reconnects: int, down_for: float | None):
    """Run wait_outage.yml with host1 taken down during its first window, for ``down_for`` seconds (None:
    until the play ends); return its exit code, its output and its results dir."""
    results_dir = tmp_path / 'results'
    results_dir.mkdir()
    proc = _start_outage_play(lab, results_dir, '-e', 'max_reconnects=%d' % max_reconnects)
    host, output = lab.hosts[0], None
    try:
        lab.take_down(host)
        if down_for is None:
            output = proc.communicate(timeout=120)[0]
        else:
            time.sleep(down_for)
    finally:
        lab.bring_up(host)
    if output is None:
        output = proc.communicate(timeout=120)[0]
    return proc.returncode, output, results_dir


def test_an_outage_longer_than_a_window_is_ridden_out_and_each_job_reported_once(lab, tmp_path):
    rc, output, results_dir = _wait_through_outage(lab, tmp_path, 10, down_for=6)  # three windows of 2 s
    assert rc == 0, output[-6000:]
    waited = json.loads((results_dir / 'host1-waited.json').read_text())
    assert [job['job_name'] for job in waited['jobs']] == ['first', 'second']
    assert [job['job_state'] for job in waited['jobs']] == ['finished', 'finished']
    assert waited['reconnects'] >= 2, waited


def test_an_outage_past_max_reconnects_ends_the_wait_as_unreachable_saying_so(lab, tmp_path):
    rc, output, results_dir = _wait_through_outage(lab, tmp_path, 1, down_for=None)
    # ansible-playbook's exit code for an unreachable host
    assert rc == 4, output[-6000:]
    assert 'gave up waiting after 2 connection failures in a row (the jobs run on' in output
    # The jobs ran on: they are read, and removed, once the host is back.
    jids = json.loads((results_dir / 'host1-window_started.json').read_text())
    removed = subprocess.run([tool('ansible'), 'host1', '-m', 'parallel.jobs.async_status', '-a',
                              json.dumps({'jids': jids, 'mode': 'cleanup', 'force': True})], env=lab.env(),
                             cwd=str(lab.dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             stdin=subprocess.DEVNULL, timeout=120, check=False)
    assert removed.returncode == 0, removed.stdout
