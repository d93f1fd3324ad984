# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Faults survived and nothing lost: what an unlucky operator or a hostile job would try, over SSH.

Where it tells, the same case runs with core's wrapper (no activation) too, and
the test asserts the difference.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time

import pytest

from tests.sshlab import target_python


def _run_id() -> str:
    return str(random.randint(100000, 999999))


def _marked(marker: str) -> list:
    """Pids of the processes whose command line holds ``marker``."""
    found = []
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                with open('/proc/%s/cmdline' % name, 'rb') as handle:
                    # Arguments are NUL-separated: joined with spaces, a marker may span them.
                    if marker.encode() in handle.read().replace(b'\0', b' '):
                        found.append(int(name))
            except OSError:
                continue
    return found


def _stop_hoppers(marker: str) -> None:
    """Stop what core's wrapper left of a hopper: freeze every hop found until 100 scans in a row (at least
    half a second, many hops) find nothing new, since one scan of /proc can miss a pid that hops; then kill."""
    frozen, empty, deadline = set(), 0, time.monotonic() + 60
    while empty < 100 and time.monotonic() < deadline:
        found = [pid for pid in _marked(marker) if pid not in frozen]
        if not found:
            empty += 1
            time.sleep(0.005)
            continue
        empty = 0
        for pid in found:
            try:
                os.kill(pid, signal.SIGSTOP)
            except OSError:
                pass
        frozen.update(found)
    for pid in frozen:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.mark.target_side
def test_a_job_whose_pid_hops_is_stopped_at_its_limit_where_cores_wrapper_lets_it_run(run_playbook):
    ours = run_playbook('hopper.yml', '-e', 'run_id=%s' % _run_id())
    ended = ours.result('ended')
    assert ended['job_state'] == 'timed_out'
    assert ours.result('survivors') == [], 'a hop outlived the limit and the grace period'

    run_id = _run_id()
    try:
        core = run_playbook('hopper.yml', '-e', 'run_id=%s' % run_id, activate=False)
        survivors = core.result('survivors')
    finally:
        _stop_hoppers('hop%s' % run_id)
    # Core's wrapper kills one process group; the hops left it.
    assert survivors, "core's wrapper stopped the hopper too: this test no longer shows a difference"


def test_lost_jobs_are_stopped_whole_and_not_cleaned_up_while_they_run(run_playbook):
    outcome = run_playbook('lost_session.yml', '-e', 'run_id=%s' % _run_id())
    refused = outcome.result('refused_cleanup')
    assert refused['failed'] is True and 'still running' in refused['msg']
    assert refused['job_state'] == 'lost'
    forced = outcome.result('forced_cleanup')
    assert forced['job_state'] == 'killed' and forced['erased'].endswith(forced['ansible_job_id'])
    killed = outcome.result('killed')
    assert killed['job_state'] == 'killed' and killed['failed'] is False
    # The detached sleep started after the supervisor died (in the job's session) went too.
    assert outcome.result('survivors') == []
    typo = outcome.result('typo')
    assert typo['failed'] is True and typo['job_state'] == 'not_found'
    assert 'could not find job' in typo['msg']


@pytest.fixture
def full_disk(tmp_path):
    """A 96 KiB tmpfs for a job directory, mounted for the test and unmounted after it."""
    mount_point = tmp_path / 'small-disk'
    mount_point.mkdir()
    subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=96k,mode=0700', 'tmpfs', str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(['umount', '-l', str(mount_point)], check=False)


@pytest.mark.target_side
def test_a_full_disk_neither_starts_jobs_unsupervised_nor_stops_healthy_ones_nor_fakes_a_result(
        run_playbook, full_disk):
    run_id = _run_id()
    outcome = run_playbook('disk_full.yml', '-e', 'job_dir=%s' % full_disk, '-e', 'run_id=%s' % run_id)
    # On the full disk nothing starts, each way of starting says why, and nothing is left behind.
    started = outcome.result('full_start')
    assert started['failed'] is True and 'No space left on device' in started['msg']
    assert started['jids'] == {}
    wrapper = outcome.result('full_wrapper')
    assert wrapper['failed'] is True and 'No space left on device' in wrapper['msg']
    assert outcome.result('full_leftovers') == ['filler'], 'a job ran, or left a file, though it did not start'
    # Three seconds of a full disk while a job runs: the job finishes as if nothing happened.
    steady = outcome.result('steady_wait')['jobs'][0]
    assert steady['job_state'] == 'finished', steady
    assert steady['rc'] == 0 and steady['stdout'] == 'done'
    # A result too big for what is left: a failure that says so and keeps the output, never a success.
    big = outcome.result('big_wait')['jobs'][0]
    assert big['job_state'] == 'failed', big
    assert 'could not be written' in big['msg'] and 'its output is kept in' in big['msg']
    kept = big['msg'].rsplit('its output is kept in ', 1)[1].split(' and ')[0]
    assert os.path.getsize(kept) == 61440


@pytest.mark.target_side
def test_kill_signals_nothing_that_is_not_the_jobs_and_never_reports_a_stop_that_did_not_happen(run_playbook):
    outcome = run_playbook('planted_records.yml', '-e', 'run_id=%s' % _run_id())
    rebooted = outcome.result('rebooted')
    assert rebooted['job_state'] == 'lost' and 'rebooted' in rebooted['job_reason']
    reused, rebooted_killed = outcome.result('killed_planted')['jobs']
    assert reused['job_state'] == 'killed' and rebooted_killed['job_state'] == 'killed'
    # The newer session leader whose pid the first record named was left alone.
    assert outcome.result('victim_alive') is True
    frozen = outcome.result('killed_frozen')
    assert frozen['failed'] is True and frozen['job_state'] == 'running'
    assert 'still running' in frozen['msg'] and 'is stopped' in frozen['msg']
    # Resumed, the supervisor stopped the job as it was asked to.
    assert outcome.result('frozen_end')['jobs'][0]['job_state'] == 'killed'


@pytest.mark.target_side
def test_a_killed_process_of_a_job_shows_in_its_state_at_the_next_read(run_playbook):
    outcome = run_playbook('kill_each.yml', '-e', 'run_id=%s' % _run_id())
    command, grandchild, module = outcome.result('after_kill')['jobs']
    # The job's own process killed: the job failed, with the signal as its return code.
    assert command['job_state'] == 'failed' and command['rc'] == -9, command
    # A child killed: the job's shell went on, and the job finished as it ended.
    assert grandchild['job_state'] == 'finished' and grandchild['stdout'] == 'after the child', grandchild
    # The module's process killed: failed, saying it was killed, not finished and not lost.
    assert module['job_state'] == 'failed', module
    assert 'killed by SIGKILL' in module['msg'], module['msg']


@pytest.mark.target_side
def test_a_thousand_jobs_start_in_one_call_and_are_collected_under_a_1024_file_limit(run_playbook):
    outcome = run_playbook('thousand_jobs.yml', '-e', 'run_id=%s' % _run_id(), '-e', 'target_python=%s' % target_python())
    assert outcome.result('started') == {'msg': 'started 1000 jobs', 'count': 1000}
    waited = outcome.result('waited')
    assert waited['counts']['finished'] == 1000, waited['counts']
    assert waited['stdout'] == [str(n) for n in range(1000)]
    # Collected in the wait: none of them is left among the directory's jobs.
    assert outcome.result('still_listed') == []


@pytest.mark.target_side
def test_plays_that_wait_read_kill_and_clean_up_the_same_jobs_at_once_each_see_a_consistent_state(
        run_playbook, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    jids_file = tmp_path / 'jids.json'
    common = ('-e', 'jids_file=%s' % jids_file, '-e', 'run_id=%s' % _run_id())
    run_playbook('concurrent.yml', '-e', 'part=start', *common)
    parts = ('wait', 'read', 'kill', 'cleanup')
    with ThreadPoolExecutor(len(parts)) as pool:
        outcomes = dict(zip(parts, pool.map(lambda part: run_playbook('concurrent.yml', '-e', 'part=%s' % part,
                                                                      *common), parts)))
    ended = run_playbook('concurrent.yml', '-e', 'part=end', *common)
    jids = __import__('json').loads(jids_file.read_text())

    waited = outcomes['wait'].result('wait')['jobs']
    assert [job['ansible_job_id'] for job in waited] == jids
    assert [job['job_state'] for job in waited] == ['killed'] * 4 + ['finished'] * 8
    assert all(job['rc'] == 0 for job in waited[4:])
    # Every read saw every job, in a state it could have been in: never corrupt, never missing.
    for states in outcomes['read'].result('read'):
        assert len(states) == 12 and set(states) <= {'running', 'killed', 'finished'}, states
        assert set(states[4:]) <= {'running', 'finished'}
    assert [job['job_state'] for job in outcomes['kill'].result('kill')['jobs']] == ['killed'] * 4
    refused = outcomes['cleanup'].result('cleanup')
    assert refused['failed'] is True and 'still running' in refused['msg'] and refused['erased'] == []
    assert ended.result('end')['failed'] is False


@pytest.mark.target_side
@pytest.mark.parametrize('retention, activate, left', [('', True, 1), ('0', True, 10001), ('', False, 10001)],
                         ids=['ours', 'ours-retention-off', 'core'])
def test_ten_thousand_old_uncollected_jobs_go_when_the_next_job_starts(
        run_playbook, tmp_path, retention, activate, left):
    job_dir = tmp_path / 'jobs'
    outcome = run_playbook('retention.yml', '-e', 'job_dir=%s' % job_dir, '-e', 'retention=%s' % retention,
                           activate=activate)
    found = outcome.result('left')
    # Ours: the eight-day-old jobs went with the next start, the new one stays; core's wrapper keeps them all.
    assert found['count'] == left, found
    if left == 1:
        assert found['names'] == [found['new']]


def test_a_leased_job_nobody_reads_is_stopped_and_one_that_is_read_lives_on(run_playbook):
    run_id = _run_id()
    outcome = run_playbook('lease.yml', '-e', 'run_id=%s' % run_id)
    unread, read = outcome.result('after_lease')['jobs']
    assert unread['job_state'] == 'killed', unread
    assert 'lease of 3 s expired' in unread['msg']
    assert read['job_state'] == 'running', read
    assert _marked('sleep 61%s' % run_id) == [] and _marked('sleep 62%s' % run_id) == []


def test_a_leased_job_stops_soon_after_the_play_waiting_for_it_is_killed(lab, tmp_path):
    import json

    from tests.integration.support import PLAYBOOKS
    from tests.sshlab import tool

    run_id = _run_id()
    results_dir = tmp_path / 'results'
    results_dir.mkdir()
    proc = subprocess.Popen([tool('ansible-playbook'), str(PLAYBOOKS / 'lease_orphaned.yml'), '-e',
                             'results_dir=%s' % results_dir, '-e', 'run_id=%s' % run_id], env=lab.env(),
                            cwd=str(lab.dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL)
    marker = results_dir / 'host1-window_started.json'
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert marker.exists(), proc.communicate()[0]
    time.sleep(1)
    if not _marked('sleep 7%s' % run_id):
        proc.kill()
        raise AssertionError('the job is not running:\n%s' % proc.communicate()[0])
    proc.kill()  # SIGKILL of ansible-playbook, as a crash or an OOM kill would end it
    proc.wait()
    killed_at = time.monotonic()
    # Its worker ends the window it is in (2 s), then sees its controller gone; the lease (8 s) runs out after that.
    while _marked('sleep 7%s' % run_id) and time.monotonic() - killed_at < 30:
        time.sleep(0.2)
    stopped_after = time.monotonic() - killed_at
    assert not _marked('sleep 7%s' % run_id), 'the job outlived its lease by far'
    assert stopped_after < 25, stopped_after
    jid = json.loads(marker.read_text())
    read = subprocess.run([tool('ansible'), 'host1', '-m', 'parallel.jobs.async_status', '-a',
                           json.dumps({'jid': jid, 'mode': 'cleanup'})], env=lab.env(), cwd=str(lab.dir),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL,
                          timeout=120, check=False)
    assert '"job_state": "killed"' in read.stdout, read.stdout


@pytest.mark.target_side
def test_planted_and_broken_job_files_stay_contained_and_a_shared_dir_keeps_its_mode(run_playbook, tmp_path):
    job_dir, shared_dir = tmp_path / 'jobs', tmp_path / 'shared'
    job_dir.mkdir(mode=0o700)
    shared_dir.mkdir()
    os.chmod(shared_dir, 0o1777)
    run_id = _run_id()
    decoy = tmp_path / 'decoy'
    decoy.write_text('decoy %s\n' % run_id)
    outcome = run_playbook('planted_files.yml', '-e', 'run_id=%s' % run_id, '-e', 'job_dir=%s' % job_dir,
                           '-e', 'shared_dir=%s' % shared_dir, '-e', 'decoy=%s' % decoy)
    # A job file another user owns is not trusted: the process it names is not signalled.
    foreign = outcome.result('foreign_kill')
    assert foreign['job_state'] == 'corrupt' and 'refusing to trust it' in foreign['job_reason']
    assert outcome.result('victim_alive') is True
    # Each broken file is corrupt (or read as far as it can be) on its own; the batch and the wait go on.
    assert outcome.result('batch') == ['running', 'corrupt', 'finished']
    assert 'too deep' in outcome.result('deep_reason')
    assert outcome.result('waited') == ['corrupt', 'finished']
    cleaned = outcome.result('cleaned')
    assert cleaned['failed'] is True and 'j4%s.1: cannot remove' % run_id in cleaned['msg'], cleaned
    # The wait collected the finished one (set aside as .collected); cleanup removes it either way.
    erased = sorted(os.path.basename(path).replace('.collected', '') for path in cleaned['erased'])
    assert erased == ['j2%s.1' % run_id, 'j3%s.1' % run_id]
    assert (job_dir / ('j4%s.1' % run_id)).is_dir()
    # The shared sticky directory keeps its mode; the job went in a private subdirectory of it.
    assert oct(shared_dir.stat().st_mode & 0o7777) == '0o1777'
    results_file = outcome.result('in_shared')
    assert os.path.dirname(os.path.dirname(results_file)) == str(shared_dir)
    assert oct(os.stat(os.path.dirname(results_file)).st_mode & 0o777) == '0o700'
    # Output files swapped for symlinks while the job runs: the links are never followed (the decoy is neither
    # returned nor written), and the result is the job's own output, kept through the supervisor's descriptors.
    swapped = outcome.result('swapped')
    assert swapped['job_state'] == 'finished' and swapped['rc'] == 0, swapped
    assert swapped['stdout'] == 'real output' and swapped['stderr'] == 'real error', swapped
    assert any('was replaced while the job ran' in warning for warning in swapped.get('warnings', [])), swapped
    assert decoy.read_text() == 'decoy %s\n' % run_id
    assert 'decoy %s' % run_id not in json.dumps(swapped)
