# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark: parallel.jobs against core's async and Mitogen, side by side in one run on the same loopback hosts.

Every figure is measured in the same run for every side, alternating the order
from one repetition to the next, and reported as median (min-max) with ratios:
absolute seconds on a shared 2-core machine move from run to run. Timings come
from the play's own task timings (callback_plugins/bench_timer.py); ssh/sftp
spawns are counted by wrapping the ssh and sftp executables; module runs are
counted from the results (async_status attempts, async_wait rounds).

Sides of the job scenarios:
  core          core's seed pattern: a launch loop of async poll-0 tasks, then async_status + until + delay 1 in a loop
  mitogen       the same seed pattern under Mitogen's mitogen_linear strategy
  ours-loop     the same launch loop through our activated wrapper, then parallel.jobs.async_wait
  ours          parallel.jobs.async_start (all of a host's jobs in one run), then parallel.jobs.async_wait
  ours-wait     parallel.jobs.async_start with wait: true (start and wait in one task, one run when the jobs end
                within the first window)
  ours-queue    async_start with max_running (a per-host queue), then parallel.jobs.async_wait
  ours-modules  ours without direct runs (parallel_jobs_direct=false: every run is an AnsiballZ module run)
  ours-0.1      ours as 0.1.0 ran it: module runs, and the wait's cleanup in a run of its own

Every play logs in as a neutral user (/bin/sh, an empty home: no login shell start-up per session) and
starts with no ssh connection open. The fleet scenarios' floor (benchmarks/floors.py) is measured in the
same run.

    scripts/bench.sh [--quick] [--repeat N] [--only SCENARIO ...] [--sides SIDE ...]    (or: make bench)
    .venv-bench/bin/python benchmarks/run.py --render benchmarks/results/bench-*.json  (docs from saved results)
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import floors  # noqa: E402
from tests.sshlab import SshLab, target_python, tool  # noqa: E402

RESULTS_DIR = HERE / 'results'
MARKDOWN = HERE.parent / 'docs' / 'benchmarks.md'
FORMAT_VERSION = 2

SIDES = ('core', 'mitogen', 'ours-loop', 'ours', 'ours-wait', 'ours-queue', 'ours-modules', 'ours-0.1')
# playbook, whether our wrapper is activated, whether Mitogen's strategy runs the play
SIDE_SETUP = {
    'core': ('jobs_core.yml', False, False),
    'mitogen': ('jobs_core.yml', False, True),
    'ours-loop': ('jobs_ours_loop.yml', True, False),
    'ours': ('jobs_ours.yml', False, False),
    'ours-wait': ('jobs_ours_wait.yml', False, False),
    'ours-queue': ('jobs_ours_queue.yml', False, False),
    'ours-modules': ('jobs_ours.yml', False, False),
    'ours-0.1': ('jobs_ours_0_1.yml', False, False),
}
# Extra variables of a side: what it turns off.
SIDE_VARS = {'ours-modules': {'parallel_jobs_direct': False}, 'ours-0.1': {'parallel_jobs_direct': False}}
FLEET_SIDES = ('core', 'mitogen', 'ours', 'ours-wait')
# What each change bought: ours against itself without it, in the fleet scenarios that the issue names.
ABLATION_SIDES = ('ours-modules', 'ours-0.1')
LOGIN_USER = 'pjbench'
SEED_SIDES = ('core', 'mitogen')
# Sides that launch with one task per job take 5 to 100 times as long as the others: they run --repeat-slow times
# (default 1), the others --repeat times (default 3), so that the close contest (Mitogen against ours) gets the
# repetitions and the whole run stays near 25 minutes on a 2-core machine.
SLOW_SIDES = ('core', 'ours-loop')
# ours-loop is there to compare the waits after the same launch loop; scenario 1 (one host, N jobs) needs it.
SCENARIO_2_3_SIDES = ('core', 'mitogen', 'ours')

# Figures measured with Mitogen before this benchmark existed (issue 7), shown next to ours for reference.
MITOGEN_REFERENCE = {'one50': 4.5, 'shuf50': 11.9}

METRICS = {
    'launch': 'launch (s)',
    'wait': 'wait (s)',
    'total': 'total (s)',
    'ideal': 'ideal: longest job (s)',
    'total_over_ideal': 'total / ideal',
    'floor': 'floor (s)',
    'total_over_floor': 'total / floor',
    'launch_per_job': 'launch per job (s)',
    'lag_mean': 'detection lag, mean (s)',
    'lag_max': 'detection lag, max (s)',
    'result_lag_mean': 'result-in-hand lag, mean (s)',
    'result_lag_max': 'result-in-hand lag, max (s)',
    'spawns_launch': 'ssh+sftp spawns, launch',
    'spawns_wait': 'ssh+sftp spawns, wait',
    'spawns_total': 'ssh+sftp spawns, launch to end of wait',
    'module_runs_launch_per_host': 'module runs per host, launch',
    'module_runs_wait_per_host': 'module runs per host, wait',
    'wrapper_peak_rss_mb': 'wrapper/supervisor peak RSS on the target (MB)',
    'read_result_s': 'time to read the finished result (s)',
    'kill_to_lost_s': 'kill to reported lost (s)',
}
NO_RATIO = ('ideal', 'floor')


def _shuffled(values: list, seed: int = 7) -> list:
    values = list(values)
    random.Random(seed).shuffle(values)
    return values


def scenarios(quick: bool) -> dict:
    """Every scenario: kind, description and size. ``--quick`` keeps the names with tiny sizes, for smoke tests."""
    def jobs(description, durations, hosts=1, forks=5, group='1', sides=None, base=None):
        if sides is None:
            sides = SIDES[:4] if group == '1' else SCENARIO_2_3_SIDES
        return {'kind': 'jobs', 'description': description, 'durations': durations, 'hosts': hosts, 'forks': forks,
                'group': group, 'sides': list(sides), 'extrapolate_from': base}

    def fleet(hosts, per_host, forks, core=True, ablation=False, base=None):
        sides = [side for side in FLEET_SIDES if core or side != 'core'] + list(ABLATION_SIDES if ablation else ())
        return dict(jobs('%d job%s of 2 s on each of %d host%s (forks %d)' % (
            per_host, 's' if per_host > 1 else '', hosts, 's' if hosts > 1 else '', forks), [2] * per_host,
            hosts=hosts, forks=forks, group='fleet', sides=sides, base=base), floor=True)

    if quick:
        return {
            'one1': jobs('1 job of 2 s on one host', [2]),
            'one10': jobs('QUICK: 3 jobs of 2 s on one host', [2] * 3),
            'one50': jobs('QUICK: 5 jobs of 2 s on one host', [2] * 5),
            'asc10': jobs('QUICK: 3 jobs of 1..3 s, ascending', [1, 2, 3], group='2'),
            'desc10': jobs('QUICK: 3 jobs of 3..1 s, descending', [3, 2, 1], group='2'),
            'shuf50': jobs('QUICK: 6 jobs of 1..3 s, shuffled', _shuffled([1, 2, 3] * 2), group='2'),
            'hosts1x1': fleet(1, 1, 20),
            'hosts3x2': fleet(3, 2, 3, ablation=True),
            'hosts6x2': fleet(6, 2, 6, core=False, base='hosts3x2'),
            'output': {'kind': 'output', 'description': 'QUICK: one job whose module prints about 5 MB',
                       'megabytes': 5, 'sides': ['core', 'ours']},
            'lost': {'kind': 'lost', 'description': 'a job whose supervisor is SIGKILLed mid-run', 'sides': ['ours']},
            'scale500': jobs('QUICK: 20 jobs of 2 s on one host', [2] * 20, group='6', sides=['ours'],
                             base='one50'),
            'queue200': dict(jobs('QUICK: 12 jobs of 0.5 s on one host, at most 4 at a time', [0.5] * 12,
                                  group='queue', sides=['ours-queue']), max_running=4),
        }
    return {
        'one1': jobs('1 job of 2 s on one host', [2]),
        'one10': jobs('10 jobs of 2 s on one host', [2] * 10),
        'one50': jobs('50 jobs of 2 s on one host', [2] * 50),
        'asc10': jobs('10 jobs of 1..10 s on one host, ascending', list(range(1, 11)), group='2'),
        'desc10': jobs('10 jobs of 10..1 s on one host, descending', list(range(10, 0, -1)), group='2'),
        'shuf50': jobs('50 jobs of 1..10 s on one host, shuffled (fixed seed)', _shuffled(list(range(1, 11)) * 5),
                       group='2'),
        'hosts1x1': fleet(1, 1, 20),
        'hosts1x5': fleet(1, 5, 20),
        'hosts1x10': fleet(1, 10, 20),
        'hosts20x1': fleet(20, 1, 20),
        'hosts20x5': fleet(20, 5, 20, ablation=True),
        'hosts20x10': fleet(20, 10, 20),
        'hosts100x1': fleet(100, 1, 50),
        # Core's seed pattern at 500 and 1000 launches: extrapolated from 100 hosts x 1 of the same run.
        'hosts100x5': fleet(100, 5, 50, core=False, base='hosts100x1'),
        'hosts100x10': fleet(100, 10, 50, core=False, ablation=True, base='hosts100x1'),
        'output': {'kind': 'output', 'description': 'one job whose module prints about 200 MB (slurp of a 150 MB file)',
                   'megabytes': 200, 'sides': ['core', 'ours']},
        'lost': {'kind': 'lost', 'description': 'a job whose supervisor is SIGKILLed mid-run', 'sides': ['ours']},
        'scale500': jobs('500 jobs of 2 s on one host', [2] * 500, group='6', sides=['ours'], base='one50'),
        'queue200': dict(jobs('200 jobs of 0.5 s on one host, at most 8 at a time (async_start max_running)',
                              [0.5] * 200, group='queue', sides=['ours-queue']), max_running=8),
    }


# -- running plays -------------------------------------------------------------


def _spawn_wrappers(directory: Path) -> dict:
    """ssh and sftp wrappers that log each spawn with a timestamp, for counting per phase."""
    paths = {}
    for name in ('ssh', 'sftp'):
        path = directory / ('counting-' + name)
        path.write_text('#!/bin/sh\necho "$(date +%%s.%%N) %s" >> "$BENCH_SPAWN_LOG"\nexec /usr/bin/%s "$@"\n'
                        % (name, name))
        path.chmod(0o755)
        paths[name] = str(path)
    return paths


def mitogen_env() -> dict | None:
    """What enables Mitogen's strategy for one play, or None when Mitogen is not installed in this interpreter."""
    spec = importlib.util.find_spec('ansible_mitogen')
    if spec is None or not spec.submodule_search_locations:
        return None
    return {'ANSIBLE_STRATEGY_PLUGINS': str(Path(list(spec.submodule_search_locations)[0]) / 'plugins' / 'strategy'),
            'ANSIBLE_STRATEGY': 'mitogen_linear'}


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def _epoch(stamp: str) -> float:
    """The command module's local 'end' timestamp as epoch seconds (targets share the controller's clock here)."""
    return datetime.datetime.strptime(stamp, '%Y-%m-%d %H:%M:%S.%f').timestamp()


class Runner:
    def __init__(self, lab: SshLab, workdir: Path):
        self.lab = lab
        self.workdir = workdir
        self.wrappers = _spawn_wrappers(workdir)

    def playbook(self, playbook: str, hosts: list, extra: dict, forks: int, activate: bool = False,
                 mitogen: bool = False) -> dict:
        timer_out = self.workdir / 'timer.json'
        spawn_log = self.workdir / 'spawns.log'
        spawn_log.write_text('')
        if timer_out.exists():
            timer_out.unlink()
        env = self.lab.env(activate=activate)
        env.update({
            'ANSIBLE_CALLBACK_PLUGINS': str(HERE / 'callback_plugins'),
            'ANSIBLE_CALLBACKS_ENABLED': 'bench_timer',
            'BENCH_TIMER_OUT': str(timer_out),
            'BENCH_SPAWN_LOG': str(spawn_log),
            'ANSIBLE_SSH_EXECUTABLE': self.wrappers['ssh'],
            'ANSIBLE_SFTP_EXECUTABLE': self.wrappers['sftp'],
            'ANSIBLE_FORKS': str(forks),
        })
        if mitogen:
            env.update(mitogen_env())
        # Every play starts cold: no ssh master left open by the one before, whichever side ran it.
        self.lab.close_ssh_masters()
        # The job list goes in a file: 500 jobs are too long for a readable command line.
        extra_file = self.workdir / 'extra_vars.json'
        extra_file.write_text(json.dumps(extra))
        args = [tool('ansible-playbook'), str(HERE / 'playbooks' / playbook), '--limit', ','.join(hosts),
                '-e', '@' + str(extra_file)]
        proc = subprocess.run(args, env=env, cwd=str(self.lab.dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, stdin=subprocess.DEVNULL, timeout=3600, check=False)
        if proc.returncode != 0:
            raise RuntimeError('%s failed (rc=%d):\n%s' % (playbook, proc.returncode, proc.stdout[-3000:]))
        timings = json.loads(timer_out.read_text())
        timings['spawns'] = [float(line.split()[0]) for line in spawn_log.read_text().split('\n') if line.strip()]
        return timings


def ideal_seconds(durations: list, max_running: int | None = None) -> float:
    """The least time the jobs take: the longest, or with at most ``max_running`` at once, the rounds it takes."""
    if not max_running:
        return float(max(durations))
    return float(sum(sorted(durations, reverse=True)[::max_running]))


def _phase(timings: dict, name: str) -> dict:
    for task in timings['tasks']:
        if task['name'] == name and task['results']:
            return task
    raise KeyError(name)


def _per_host_max(counts: dict) -> int:
    return max(counts.values()) if counts else 0


def measure_jobs(runner: Runner, side: str, hosts: list, durations: list, forks: int,
                 max_running: int | None = None) -> dict:
    playbook, activate, mitogen = SIDE_SETUP[side]
    job_list = [{'name': 'job%d' % index, 'cmd': 'sleep %s' % duration} for index, duration in enumerate(durations)]
    extra = dict(SIDE_VARS.get(side, {}), job_list=job_list)
    if max_running:
        extra['max_running'] = max_running
    timings = runner.playbook(playbook, hosts, extra, forks=forks, activate=activate, mitogen=mitogen)
    combined = any(task['name'] == 'Launch and wait' for task in timings['tasks'])
    if combined:
        # One task starts and waits (ours-wait): it is the launch and the wait.
        launch = wait = _phase(timings, 'Launch and wait')
    else:
        launch, wait = _phase(timings, 'Launch'), _phase(timings, 'Wait')
    launch_end = max(result['time'] for result in launch['results'])
    wait_end = max(result['time'] for result in wait['results'])
    cleanup_runs = {}
    if any(task['name'] == 'Cleanup' for task in timings['tasks']):
        # A cleanup of its own (side ours-0.1) belongs to the wait: the files are not gone before it ends.
        cleanup = _phase(timings, 'Cleanup')
        wait_end = max(result['time'] for result in cleanup['results'])
        cleanup_runs = {result['host']: 1 for result in cleanup['results']}

    # Module runs in the launch: one per loop item, or one async_start run per host.
    launch_runs = {}
    items = [result for result in launch['results'] if result['item']]
    for result in items or launch['results']:
        launch_runs[result['host']] = launch_runs.get(result['host'], 0) + 1

    # Lags are taken from a job's end, or from the start of the wait if the job had ended before anyone looked.
    # Detection lag: to when the waiting side first saw the job end (seed pattern: the controller, which gets
    # each job's result as its async_status loop item ends; async_wait: the target, which then reports all of
    # the host's jobs at once). Result-in-hand lag: to when the controller had the job's result, every side.
    lags, result_lags, wait_runs, bad = [], [], {}, []
    for result in wait['results']:
        if side in SEED_SIDES:
            if not result['item']:
                continue  # the loop's aggregated result, after the items
            if not result.get('finished') or result.get('rc') != 0 or not result.get('end'):
                bad.append(result)
                continue
            ended = max(_epoch(result['end']), wait['start'])
            lags.append(result['time'] - ended)
            result_lags.append(lags[-1])
            wait_runs[result['host']] = wait_runs.get(result['host'], 0) + result.get('attempts', 1)
        else:
            for job in result['jobs']:
                if job['job_state'] != 'finished' or job.get('rc') != 0:
                    bad.append(job)
                    continue
                ended = max(_epoch(job['end']) if job.get('end') else job['ended_at'], wait['start'])
                lags.append((job['noticed'] or result['time']) - ended)
                result_lags.append(result['time'] - ended)
            # The wait's windows (the last one collects the jobs), plus a cleanup run of its own if there is one;
            # started with wait, the first window ran in the launch's run.
            wait_runs[result['host']] = result['rounds'] + cleanup_runs.get(result['host'], 0) - (1 if combined else 0)
    if bad or len(lags) != len(hosts) * len(durations):
        raise RuntimeError('%d of %d jobs did not finish cleanly: %s' % (
            len(hosts) * len(durations) - len(lags), len(hosts) * len(durations), json.dumps(bad[:3])))
    spawns = timings['spawns']
    total = wait_end - launch['start']
    ideal = ideal_seconds(durations, max_running)
    return {
        'launch': launch_end - launch['start'],
        'wait': wait_end - wait['start'],
        'total': total,
        'ideal': ideal,
        'total_over_ideal': total / ideal,
        'launch_per_job': (launch_end - launch['start']) / (len(hosts) * len(durations)),
        'lag_mean': statistics.mean(lags),
        'lag_max': max(lags),
        'result_lag_mean': statistics.mean(result_lags),
        'result_lag_max': max(result_lags),
        'spawns_launch': sum(1 for t in spawns if launch['start'] <= t <= launch_end),
        'spawns_wait': sum(1 for t in spawns if wait['start'] <= t <= wait_end),
        'spawns_total': sum(1 for t in spawns if launch['start'] <= t <= wait_end),
        'module_runs_launch_per_host': _per_host_max(launch_runs),
        'module_runs_wait_per_host': _per_host_max(wait_runs),
    }


class PeakSampler(threading.Thread):
    """Peak memory (VmHWM) of every async wrapper process on this machine while a play runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peaks = {}
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            for pid in os.listdir('/proc'):
                if not pid.isdigit():
                    continue
                try:
                    with open('/proc/%s/cmdline' % pid, 'rb') as handle:
                        if b'async_wrapper' not in handle.read():
                            continue
                    with open('/proc/%s/status' % pid) as handle:
                        for line in handle:
                            if line.startswith('VmHWM:'):
                                self.peaks[pid] = max(self.peaks.get(pid, 0), int(line.split()[1]) * 1024)
                except OSError:
                    continue
            self.stopping.wait(0.05)

    def stop(self) -> int:
        self.stopping.set()
        self.join()
        return max(self.peaks.values(), default=0)


def measure_big_output(runner: Runner, side: str, host: str, megabytes: int) -> dict:
    sampler = PeakSampler()
    sampler.start()
    try:
        timings = runner.playbook('big_output.yml', [host], {'megabytes': megabytes}, forks=5,
                                  activate=(side == 'ours'))
    finally:
        peak = sampler.stop()
    read = _phase(timings, 'Read result')
    return {'wrapper_peak_rss_mb': peak / 1024 / 1024,
            'read_result_s': max(result['time'] for result in read['results']) - read['start']}


def measure_lost(runner: Runner, host: str) -> dict:
    timings = runner.playbook('lost.yml', [host], {}, forks=5, activate=True)
    kill = _phase(timings, 'Kill supervisor')
    wait = _phase(timings, 'Wait')
    state = wait['results'][0]['jobs'][0]['job_state']
    if state != 'lost':
        raise RuntimeError('the killed job read %r, not lost' % state)
    return {'kill_to_lost_s': wait['results'][0]['time'] - kill['results'][0]['time']}


def measure_floor(runner: Runner, lab: SshLab, host_counts: list, forks: dict) -> dict:
    """The parts of every scenario's floor (see benchmarks/floors.py), measured on this lab now."""
    names = [host.name for host in lab.hosts]

    def probe(hosts: int) -> None:
        runner.playbook('floor_probe.yml', names[:hosts], {}, forks=forks.get(hosts, max(forks.values())))

    points = floors.measure_probe_cpu(probe, host_counts)
    measured = {
        'connect_s': floors.measure_connect(lab, lab.hosts[0]),
        'probe_cpu_s': {str(hosts): cpu for hosts, cpu in points.items()},
        'cpu_per_host_s': floors.slope(points) if len(points) > 1 else points[1],
        'probe_tasks': PROBE_TASKS,
        'cores': os.cpu_count(),
    }
    measured['payload_cpu_ms'] = floors.payload_cpu_ms(lab.collection_dir.parent.parent.parent, target_python())
    return measured


# Tasks in benchmarks/playbooks/floor_probe.yml (results of runs before it had one have probe_tasks 2).
PROBE_TASKS = 1


def scenario_floor(floor: dict, scenario: dict) -> float:
    """The floor (benchmarks/floors.py); from a probe of two tasks, its CPU per host halved: no less than one
    task's, since the first carries the connect."""
    per_task = floor['cpu_per_host_s'] / floor.get('probe_tasks', 2)
    return floors.floor_seconds(float(max(scenario['durations'])), floor['connect_s'], scenario['hosts'], per_task,
                                floor['cores'])


def refloor(report: dict) -> None:
    """Floors of a saved run, worked out again from its measured parts (as this version of the formula has it)."""
    if not report.get('floor'):
        return
    for scenario in report['scenarios'].values():
        if scenario.get('kind') != 'jobs' or scenario.get('max_running'):
            continue
        scenario['floor_s'] = scenario_floor(report['floor'], scenario)
        for side in scenario['sides'].values():
            for sample in side.get('samples', []):
                sample['floor'] = scenario['floor_s']
                sample['total_over_floor'] = sample['total'] / sample['floor']
            if side.get('samples'):
                side['summary'] = summarize(side['samples'])


# -- summaries -----------------------------------------------------------------


def summarize(samples: list) -> dict:
    keys = [key for key, value in samples[0].items() if isinstance(value, (int, float))]
    return {key: {'median': statistics.median(s[key] for s in samples), 'min': min(s[key] for s in samples),
                  'max': max(s[key] for s in samples)} for key in keys}


def extrapolate(report: dict) -> None:
    """Core's figures for the scale scenarios, linear in the number of jobs from a smaller scenario of the same run.

    Launch and wait both cost a fixed amount of controller work per job (one task, or one async_status attempt,
    per job), and the 2-core controller is CPU-bound, so time and spawns scale with the jobs in all; module runs
    per host scale with the jobs per host. Lags are not extrapolated.
    """
    for name, scenario in report['scenarios'].items():
        base_name = scenario.get('extrapolate_from')
        if not base_name or 'core' in scenario['sides'] or base_name not in report['scenarios']:
            continue
        base = report['scenarios'][base_name]
        core = base['sides'].get('core')
        if not core or not core.get('summary'):
            continue
        jobs, base_jobs = scenario['hosts'] * len(scenario['durations']), base['hosts'] * len(base['durations'])
        per_host = len(scenario['durations']) / len(base['durations'])
        factor = jobs / base_jobs
        summary = {}
        for key in ('launch', 'wait', 'total', 'spawns_launch', 'spawns_wait', 'spawns_total'):
            summary[key] = {'median': core['summary'][key]['median'] * factor}
        for key in ('module_runs_launch_per_host', 'module_runs_wait_per_host'):
            summary[key] = {'median': core['summary'][key]['median'] * per_host}
        summary['launch_per_job'] = {'median': core['summary']['launch_per_job']['median']}
        summary['ideal'] = {'median': float(max(scenario['durations']))}
        summary['total_over_ideal'] = {'median': summary['total']['median'] / max(scenario['durations'])}
        scenario['sides']['core'] = {
            'n': 0, 'summary': summary, 'extrapolated': True,
            'note': "core's figures extrapolated, not measured: %s's core medians x %g (jobs in all; module runs per "
                    'host x %g)' % (base_name, factor, per_host)}


# -- reporting -------------------------------------------------------------------


def _num(value: float) -> str:
    if value == int(value):
        return '%d' % value
    return '%.2f' % value if abs(value) < 100 else '%.0f' % value


def _cell(stat: dict, n: int) -> str:
    if 'min' not in stat or n <= 1 or stat['min'] == stat['max']:
        return _num(stat['median'])
    return '%s (%s-%s)' % (_num(stat['median']), _num(stat['min']), _num(stat['max']))


def _ratio(top: dict | None, bottom: dict | None) -> str:
    if not top or not bottom:
        return ''
    if bottom['median'] == 0:
        return 'inf' if top['median'] else ''
    return '%.1fx' % (top['median'] / bottom['median'])


def scenario_table(scenario: dict) -> tuple:
    """(header, rows) of one scenario: a column per side, then ratios against ours (and ours-loop)."""
    sides = [side for side in SIDES if side in scenario['sides'] and scenario['sides'][side].get('summary')]
    ratios = [(top, bottom) for top, bottom in (('core', 'ours'), ('mitogen', 'ours'), ('core', 'ours-loop'))
              if top in sides and bottom in sides]
    header = ['metric: median (min-max)'] + [
        side + (' (extrapolated)' if scenario['sides'][side].get('extrapolated') else '') +
        ('' if scenario['sides'][side].get('extrapolated') else ', n=%d' % scenario['sides'][side]['n'])
        for side in sides] + ['%s / %s' % pair for pair in ratios]
    keys = [key for key in METRICS if any(key in scenario['sides'][side]['summary'] for side in sides)]
    rows = []
    for key in keys:
        stats = {side: scenario['sides'][side]['summary'].get(key) for side in sides}
        row = [METRICS[key]] + [_cell(stats[side], scenario['sides'][side]['n']) if stats[side] else '-'
                                for side in sides]
        row += ['' if key in NO_RATIO else _ratio(stats[top], stats[bottom]) for top, bottom in ratios]
        rows.append(row)
    return header, rows


def _median(report: dict, name: str, side: str, key: str) -> float | None:
    try:
        return report['scenarios'][name]['sides'][side]['summary'][key]['median']
    except (KeyError, TypeError):
        return None


def targets(report: dict) -> list:
    """Issue 7's targets, each as (target, what was measured, met: True / False / None for not measured)."""
    found = []

    def med(name, side, key):
        return _median(report, name, side, key)

    ahead = []
    for name in ('one1', 'one10', 'one50', 'asc10', 'desc10', 'shuf50'):
        ours, theirs = med(name, 'ours', 'total'), med(name, 'mitogen', 'total')
        if ours is not None and theirs is not None:
            ahead.append((name, ours, theirs))
    if ahead:
        found.append(('scenarios 1-3: async_start + async_wait total ahead of Mitogen\'s, in each scenario',
                      '; '.join('%s: ours %.2f s vs Mitogen %.2f s (%s by %.2f s, %.2fx)' % (
                          name, ours, theirs, 'ahead' if ours < theirs else 'BEHIND', abs(theirs - ours),
                          theirs / ours) for name, ours, theirs in ahead),
                      all(ours < theirs for _name, ours, theirs in ahead)))
    else:
        found.append(('scenarios 1-3: async_start + async_wait total ahead of Mitogen\'s', 'Mitogen not measured',
                      None))
    references = ['%s: ours %.2f s vs %.1f s' % (name, med(name, 'ours', 'total'), figure)
                  for name, figure in MITOGEN_REFERENCE.items() if med(name, 'ours', 'total') is not None
                  and not report.get('quick')]
    if references:
        found.append(("(for reference) ours against Mitogen's earlier figures from the issue",
                      '; '.join(references),
                      all(med(name, 'ours', 'total') < figure for name, figure in MITOGEN_REFERENCE.items()
                          if med(name, 'ours', 'total') is not None)))

    # The wait includes whatever the last-launched job still has to run (up to 2 s here), on every side.
    core_wait = med('one50', 'core', 'wait')
    for side, how in (('ours-loop', 'after the same launch loop as core (ours-loop)'),
                      ('ours', 'after async_start (ours)')):
        mine = med('one50', side, 'wait')
        found.append(('one50: wait >= 20x faster than core, %s' % how,
                      'not measured' if core_wait is None or not mine else 'core %.2f s / %s %.2f s = %.1fx' % (
                          core_wait, side, mine, core_wait / mine),
                      None if core_wait is None or not mine else core_wait / mine >= 20))
    lag = med('one50', 'ours', 'lag_mean')
    found.append(('one50: mean detection lag <= 0.2 s (async_start + async_wait: jobs end while watched)',
                  'not measured' if lag is None else '%.2f s (job end to the target noticing it; the controller had '
                  'the results %.2f s after the end on average)' % (lag, med('one50', 'ours', 'result_lag_mean')),
                  None if lag is None else lag <= 0.2))
    runs = {side: med('one50', side, 'module_runs_wait_per_host') for side in ('ours-loop', 'ours')}
    runs = {side: value for side, value in runs.items() if value is not None}
    found.append(('one50: module runs during the wait <= 3 per host (async_wait windows, the last one collecting)',
                  ', '.join('%s %d' % item for item in runs.items()) or 'not measured',
                  all(value <= 3 for value in runs.values()) if runs else None))
    ratio = med('one50', 'ours', 'total_over_ideal')
    found.append(('one50: total with async_start <= 1.5x ideal',
                  'not measured' if ratio is None else '%.2f s = %.2fx ideal (%.0f s)' % (
                      med('one50', 'ours', 'total'), ratio, med('one50', 'ours', 'ideal')),
                  None if ratio is None else ratio <= 1.5))
    fleet = [(name, med(name, 'ours', 'total'), med(name, 'mitogen', 'total')) for name, scenario in
             report['scenarios'].items() if scenario.get('group') == 'fleet']
    fleet = [(name, ours, theirs) for name, ours, theirs in fleet if ours is not None and theirs is not None]
    found.append(('fleet: ours ahead of Mitogen at every host count and jobs per host',
                  '; '.join('%s: %.2f s vs %.2f s (%.2fx)' % (name, ours, theirs, theirs / ours)
                            for name, ours, theirs in fleet) or 'not measured',
                  all(ours < theirs for _name, ours, theirs in fleet) if fleet else None))
    for name, bound in (('hosts20x5', 1.3), ('hosts100x10', 2.0), ('one50', 1.1)):
        ratio, floor = med(name, 'ours', 'total_over_floor'), med(name, 'ours', 'floor')
        found.append(('%s: ours <= %.1fx the floor' % (name, bound),
                      'not measured' if ratio is None else '%.2f s = %.2fx the floor (%.2f s)' % (
                          med(name, 'ours', 'total'), ratio, floor), None if ratio is None else ratio <= bound))
    runs = {}
    for name, scenario in report['scenarios'].items():
        if scenario.get('group') == 'fleet' and med(name, 'ours', 'total') is not None:
            runs[name] = med(name, 'ours', 'module_runs_launch_per_host') + med(name, 'ours', 'module_runs_wait_per_host')
    found.append(('fleet: runs per host for start + wait = 2', ', '.join('%s %g' % item for item in runs.items())
                  or 'not measured', all(value <= 2 for value in runs.values()) if runs else None))
    payload = (report.get('floor') or {}).get('payload_cpu_ms')
    found.append(('target CPU per direct run <= 60 ms', 'not measured' if not payload else
                  ', '.join('%s %.0f ms' % item for item in payload.items()),
                  None if not payload else max(value for key, value in payload.items() if key != 'bare_interpreter')
                  <= 60))
    queue_total, queue_ideal = med('queue200', 'ours-queue', 'total'), med('queue200', 'ours-queue', 'ideal')
    found.append(('queue200: a queue of 200 jobs, 8 at a time, within 1.2x its ideal (the rounds it takes)',
                  'not measured' if queue_total is None else '%.2f s for an ideal of %.1f s (%.2fx): %.1f jobs/s' % (
                      queue_total, queue_ideal, queue_total / queue_ideal,
                      len(report['scenarios']['queue200']['durations']) / queue_total),
                  None if queue_total is None else queue_total <= 1.2 * queue_ideal))
    core_total, ours_total = med('hosts20x5', 'core', 'total'), med('hosts20x5', 'ours', 'total')
    found.append(('hosts20x5: total >= 10x faster than core',
                  'not measured' if core_total is None or not ours_total else 'core %.2f s / ours %.2f s = %.1fx' % (
                      core_total, ours_total, core_total / ours_total),
                  None if core_total is None or not ours_total else core_total / ours_total >= 10))
    rss = med('output', 'ours', 'wrapper_peak_rss_mb')
    found.append(('output: our supervisor peak RSS < 30 MB',
                  'not measured' if rss is None else '%.1f MB (core\'s wrapper: %s)' % (
                      rss, '%.0f MB' % med('output', 'core', 'wrapper_peak_rss_mb')
                      if med('output', 'core', 'wrapper_peak_rss_mb') is not None else 'not measured'),
                  None if rss is None else rss < 30))
    lost = med('lost', 'ours', 'kill_to_lost_s')
    found.append(('lost: reported within 2 s of the kill', 'not measured' if lost is None else '%.2f s' % lost,
                  None if lost is None else lost <= 2))
    return found


def _verdict(met) -> str:
    return {True: 'met', False: 'NOT MET', None: 'not measured'}[met]


def print_table(report: dict) -> None:
    print('\n%s\n%s, Mitogen %s' % (report['machine'], report['ansible_core'], report.get('mitogen') or '-'))
    for name, scenario in report['scenarios'].items():
        header, rows = scenario_table(scenario)
        widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
        print('\n%s: %s' % (name, scenario['description']))
        for row in [header] + rows:
            print('  ' + '  '.join(str(cell).ljust(width) if index == 0 else str(cell).rjust(width)
                                   for index, (cell, width) in enumerate(zip(row, widths))))
        for side in scenario['sides'].values():
            if side.get('note'):
                print('  note: ' + side['note'])
    print('\ntargets')
    for target, measured, met in targets(report):
        print('  [%s] %s: %s' % (_verdict(met), target, measured))
    for error in report.get('errors', []):
        print('\nERROR %s %s (repetition %d): %s' % (error['scenario'], error['side'], error['repetition'],
                                                     error['error'].strip().split('\n')[-1]))


def write_markdown(report: dict, path: Path) -> None:
    lines = ['# Benchmarks', '']
    if report.get('quick'):
        lines += ['**Quick smoke run: tiny sizes, the figures say nothing about performance.**', '']
    lines += [
        'Generated by `benchmarks/run.py` (`make bench`, or `scripts/bench.sh`); do not edit by hand. Every side',
        'runs in the same invocation on the same loopback sshd hosts, the order of the sides rotating from one',
        'repetition to the next. Cells are median (min-max) over the repetitions (n); ratios are of medians (above 1:',
        'ours is faster or lighter). The sides that launch one task per job (core, ours-loop) are 5 to 100 times',
        'slower than the others and run `--repeat-slow` times, the others `--repeat` times (see Options).', '',
        'Sides:', '',
        "- **core**: core's seed pattern: a launch `loop` of `async` + `poll: 0` tasks, then `async_status` +",
        '  `until` + `retries` + `delay: 1` in a loop over the jobs.',
        "- **mitogen**: the same seed pattern under Mitogen's `mitogen_linear` strategy (one ssh per host per run,",
        '  every module run multiplexed over it, so its spawns stay at one per host).',
        '- **ours-loop**: the same launch loop, through our activated wrapper, then one `parallel.jobs.async_wait`.',
        '- **ours**: `parallel.jobs.async_start` (all of a host\'s jobs in one run), then one',
        '  `parallel.jobs.async_wait` (its last window collects the jobs). Both send the collection\'s job code on',
        "  the target interpreter's stdin (direct runs: no AnsiballZ, no AnsibleModule).",
        '- **ours-wait**: `parallel.jobs.async_start` with `wait: true`: start and wait in one task, the first wait',
        '  window in the same run as the start.',
        '- **ours-queue**: `parallel.jobs.async_start` with `max_running` (a per-host queue), then `async_wait`.',
        '- **ours-modules**: ours with `parallel_jobs_direct=false`: every run an AnsiballZ module run.',
        '- **ours-0.1**: ours as release 0.1.0 ran: module runs, and the cleanup in a run of its own after the wait',
        '  (`cleanup: false`, then `async_status` `mode: cleanup`). ours-modules and ours-0.1 show what direct runs',
        '  and collecting in the last window each bought.', '',
        'Every play logs in as the same neutral user (`/bin/sh`, an empty home, so no login shell start-up is paid',
        "per ssh session: root's `.bashrc` on this machine runs `pyenv init`), on one sshd per host address",
        '(127.0.0.11 and up, 100 addresses for 100 hosts), and starts cold: the ssh master connections of the',
        'play before are closed first, whichever side ran it; Mitogen opens its own connections.', '',
        '**Floor** (benchmarks/floors.py, measured in the same run): one cold ssh connect + hosts x the CPU of one',
        'task per host / cores + the longest job. Every host needs at least one task that reaches it (to start its',
        "jobs, at best handing their results back in the same round trip); the tasks share the cores, and the last",
        "host's jobs start once its task has run. A task's CPU is the least a task can do: one `raw` command running",
        "a bare target interpreter, as the slope of the whole machine's busy CPU over probe plays on 1 and on H hosts",
        "(controller and targets share the machine; ansible-playbook's start-up is left out). A probe of two tasks",
        "(earlier runs) counts half its CPU per host as one task's, no more than a first task's, which carries the",
        'connect. total / floor is how far a side is from it.', '',
        'Phases come from the play\'s own task timings (a callback plugin): launch is from the start of the launch',
        'task to its last result, wait from the start of the wait task to its last result, total from the start of',
        'the launch to the end of the wait; ideal is the longest job. The wait includes what the jobs still had to',
        'run when it started (after a launch loop, the last job has just started). Lags are taken from a job\'s end',
        '(the `end` of its command result), or from the start of the wait if the job had already ended by then.',
        '**Detection lag** runs to when the waiting side first saw the job end: for the seed pattern, the',
        "controller getting that job's finished `async_status` result; for `async_wait`, the target noticing it",
        '(`job_noticed_at`).',
        '**Result-in-hand lag** runs to when the controller had the result, for every side (`async_wait` returns all',
        "of a host's jobs at once, when the last one ends). ssh+sftp spawns are counted by wrapping the executables;",
        'module runs per host are counted from the results: one per loop item or one per `async_start` in the',
        'launch, `async_status` attempts or `async_wait` rounds plus its one cleanup run in the wait.', '',
        '- Machine: %s' % report['machine'],
        '- Controller: %s' % report['ansible_core'],
        '- Mitogen: %s' % (report.get('mitogen') or 'not installed'),
        '- Run: %s' % report['started'],
    ]
    if report.get('options'):
        lines.append('- Options: %s' % report['options'])
    floor = report.get('floor')
    if floor:
        lines.append('- Floor parts: cold ssh connect %.3f s; CPU of one task per host %.3f s (a probe of %d task(s): '
                     '%.3f s per host; machine CPU by hosts: %s); %d cores' % (
                         floor['connect_s'], floor['cpu_per_host_s'] / floor.get('probe_tasks', 2),
                         floor.get('probe_tasks', 2), floor['cpu_per_host_s'],
                         ', '.join('%s: %.2f s' % item for item in floor['probe_cpu_s'].items()), floor['cores']))
        lines.append('- Target CPU of one direct run (this machine, median): %s' % ', '.join(
            '%s %.0f ms' % (key.replace('_', ' '), value) for key, value in floor['payload_cpu_ms'].items()))
    for note in report.get('notes', []):
        lines.append('- Note: %s' % note)
    lines.append('')
    for name, scenario in report['scenarios'].items():
        lines += ['## %s: %s' % (name, scenario['description']), '']
        header, rows = scenario_table(scenario)
        lines.append('| ' + ' | '.join(header) + ' |')
        lines.append('|' + '---|' * len(header))
        for row in rows:
            lines.append('| ' + ' | '.join(row) + ' |')
        lines.append('')
        for side in scenario['sides'].values():
            if side.get('note'):
                lines += ['Note: ' + side['note'] + '.', '']
        if name in MITOGEN_REFERENCE:
            lines += ['Mitogen measured before this benchmark (issue 7): %.1f s total.' % MITOGEN_REFERENCE[name], '']
        if name == 'lost':
            lines += ["Core's `async_status` has no such state: a job whose wrapper was killed reads \"running\" "
                      'until the caller\'s retries run out.', '']
    lines += ['## Targets', '', '| target | measured | verdict |', '|---|---|---|']
    for target, measured, met in targets(report):
        lines.append('| %s | %s | %s |' % (target, measured, _verdict(met)))
    lines.append('')
    for error in report.get('errors', []):
        lines.append('- Run failed: %s, %s, repetition %d: `%s`' % (
            error['scenario'], error['side'], error['repetition'], error['error'].strip().split('\n')[-1][:200]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('\n'.join(lines).rstrip('\n') + '\n')


# -- main --------------------------------------------------------------------------


def describe_machine() -> str:
    model = ''
    try:
        with open('/proc/cpuinfo') as handle:
            model = next((line.split(':', 1)[1].strip() for line in handle if line.startswith('model name')), '')
        with open('/proc/meminfo') as handle:
            memory = int(next(line.split()[1] for line in handle if line.startswith('MemTotal:'))) / 1024 / 1024
    except (OSError, StopIteration):
        memory = 0
    return '%s, %s, %d cores, %.0f GB RAM, Python %s, load average at start %.2f' % (
        platform.platform(), model or platform.processor() or 'unknown CPU', os.cpu_count(), memory,
        platform.python_version(), os.getloadavg()[0])


def _short(metrics: dict) -> str:
    return ' '.join('%s=%s' % (key, _num(value)) for key, value in metrics.items())


def run_scenarios(report: dict, catalogue: dict, chosen: list, options, workdir: Path, lab_size: int, repeat: int,
                  repeat_slow: int) -> None:
    with SshLab(lab_size, workdir=str(workdir / 'lab'), login_user=LOGIN_USER) as lab:
        lab_names = [host.name for host in lab.hosts]
        runner = Runner(lab, workdir)
        jobs_scenarios = [catalogue[name] for name in chosen if catalogue[name]['kind'] == 'jobs']
        if jobs_scenarios and not options.no_floor:
            report['floor'] = measure_floor(runner, lab, sorted({scenario['hosts'] for scenario in jobs_scenarios}),
                                            {scenario['hosts']: scenario['forks'] for scenario in jobs_scenarios})
            print('floor: %s' % json.dumps(report['floor']), flush=True)
        for name in chosen:
            scenario = dict(catalogue[name])
            sides = list(scenario['sides'])
            if name.startswith('scale') and options.scale_core and 'core' not in sides:
                sides.insert(0, 'core')
            sides = [side for side in sides if not options.sides or side in options.sides]
            if mitogen_env() is None and 'mitogen' in sides:
                sides.remove('mitogen')
            samples = {side: [] for side in sides}
            if scenario['kind'] == 'jobs':
                hosts = lab_names[:scenario['hosts']]
                rounds = repeat_slow if name.startswith('scale') else repeat
            else:
                rounds = options.repeat_output if scenario['kind'] == 'output' and not options.quick else \
                    (1 if scenario['kind'] == 'output' else repeat)
            for repetition in range(rounds):
                shift = repetition % max(1, len(sides))
                for side in sides[shift:] + sides[:shift]:
                    if scenario['kind'] == 'jobs' and side in SLOW_SIDES and len(samples[side]) >= repeat_slow:
                        continue
                    started = time.monotonic()
                    try:
                        if scenario['kind'] == 'jobs':
                            sample = measure_jobs(runner, side, hosts, scenario['durations'], scenario['forks'],
                                                  scenario.get('max_running'))
                        elif scenario['kind'] == 'output':
                            sample = measure_big_output(runner, side, lab_names[0], scenario['megabytes'])
                        else:
                            sample = measure_lost(runner, lab_names[0])
                    except (RuntimeError, KeyError, ValueError, subprocess.TimeoutExpired) as exc:
                        report['errors'].append({'scenario': name, 'side': side, 'repetition': repetition + 1,
                                                 'error': '%s: %s' % (type(exc).__name__, exc)})
                        print('%s %s [%d/%d] FAILED: %s' % (name, side, repetition + 1, rounds, exc), flush=True)
                        continue
                    if report.get('floor') and scenario['kind'] == 'jobs' and not scenario.get('max_running'):
                        sample['floor'] = scenario_floor(report['floor'], scenario)
                        sample['total_over_floor'] = sample['total'] / sample['floor']
                    samples[side].append(sample)
                    print('%s %s [%d/%d] (%.0f s): %s' % (name, side, repetition + 1, rounds,
                                                          time.monotonic() - started, _short(sample)), flush=True)
            entry = {key: value for key, value in scenario.items() if key != 'sides'}
            if report.get('floor') and scenario['kind'] == 'jobs' and not scenario.get('max_running'):
                entry['floor_s'] = scenario_floor(report['floor'], scenario)
            entry['sides'] = {side: {'n': len(values), 'samples': values, 'summary': summarize(values)}
                              for side, values in samples.items() if values}
            report['scenarios'][name] = entry


def main() -> int:
    all_names = list(dict.fromkeys(list(scenarios(False)) + list(scenarios(True))))
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--quick', action='store_true',
                        help='smoke test: tiny sizes, 1 repetition, 3 sshd hosts; Markdown goes to benchmarks/results')
    parser.add_argument('--repeat', type=int, default=3,
                        help='repetitions of the mitogen and ours sides of the job scenarios, and of lost (default 3)')
    parser.add_argument('--repeat-slow', type=int, default=1,
                        help='repetitions of the core and ours-loop sides (one task per job) of the job scenarios, '
                             'and of every side of the scale scenarios (default 1)')
    parser.add_argument('--repeat-output', type=int, default=1, help='repetitions of the output scenario (default 1)')
    parser.add_argument('--only', nargs='+', choices=all_names, help='scenarios to run (default: all)')
    parser.add_argument('--sides', nargs='+', choices=SIDES, help='sides to run where they apply (default: all)')
    parser.add_argument('--no-floor', action='store_true', help='do not measure the floor (faster partial runs)')
    parser.add_argument('--scale-core', action='store_true',
                        help="measure core's side in the scale scenarios too, instead of extrapolating it")
    parser.add_argument('--markdown', type=Path, help='where to write the Markdown (default: docs/benchmarks.md, '
                        'or next to the JSON in benchmarks/results for --quick and --only)')
    parser.add_argument('--render', metavar='JSON', nargs='+',
                        help='only write the Markdown from saved results files (later files add or replace scenarios)')
    options = parser.parse_args()
    if options.render:
        reports = [json.loads(Path(path).read_text()) for path in options.render]
        for path, loaded in zip(options.render, reports):
            if loaded.get('version') != FORMAT_VERSION:
                parser.error('%s is not a results file of this benchmark (format %s)' % (path, FORMAT_VERSION))
        for later in reports[1:]:
            reports[0]['scenarios'].update(later['scenarios'])
            reports[0]['started'] += ', ' + later['started']
            reports[0].setdefault('errors', []).extend(later.get('errors', []))
        refloor(reports[0])
        extrapolate(reports[0])
        write_markdown(reports[0], options.markdown or MARKDOWN)
        print_table(reports[0])
        return 0

    catalogue = scenarios(options.quick)
    chosen = options.only or list(catalogue)
    unknown = [name for name in chosen if name not in catalogue]
    if unknown:
        kind = 'a --quick' if options.quick else 'a full'
        parser.error('%s: not a scenario of %s run (%s)' % (', '.join(unknown), kind, ', '.join(catalogue)))
    repeat = 1 if options.quick else options.repeat
    repeat_slow = min(repeat, 1 if options.quick else options.repeat_slow)
    report = {'version': FORMAT_VERSION, 'quick': options.quick, 'machine': describe_machine(),
              'ansible_core': subprocess.run([tool('ansible'), '--version'], capture_output=True,
                                             text=True, check=False).stdout.split('\n')[0],
              'mitogen': _version('mitogen'), 'started': time.strftime('%Y-%m-%d %H:%M:%S'),
              'options': '%s: mitogen and ours sides and lost %d time(s), core and ours-loop sides and the scale '
                         'scenarios %d time(s), output %d time(s)' % (
                             ' '.join(sys.argv[1:]) or 'defaults', repeat, repeat_slow,
                             1 if options.quick else options.repeat_output),
              'scenarios': {}, 'notes': [], 'errors': []}
    if mitogen_env() is None:
        report['notes'].append('Mitogen is not installed in this interpreter: its side was skipped '
                               '(scripts/bench.sh runs on .venv-bench, which has it)')
    lab_size = max(catalogue[name].get('hosts', 1) for name in chosen)
    workdir = Path(tempfile.mkdtemp(prefix='pj-bench-'))
    began = time.monotonic()
    try:
        run_scenarios(report, catalogue, chosen, options, workdir, lab_size, repeat, repeat_slow)
    except Exception as exc:  # what was measured is kept: the results file says where the run stopped
        report['errors'].append({'scenario': '-', 'side': '-', 'repetition': 0,
                                 'error': 'the run stopped: %s: %s' % (type(exc).__name__, exc)})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report['elapsed_s'] = round(time.monotonic() - began)
    report['notes'].append('whole run took %d s' % report['elapsed_s'])
    extrapolate(report)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = time.strftime('%Y%m%d-%H%M%S')
    out = RESULTS_DIR / ('bench-%s%s.json' % ('quick-' if options.quick else '', stamp))
    out.write_text(json.dumps(report, indent=2))
    # docs/benchmarks.md shows full runs only; a quick or partial run's Markdown goes next to its JSON (a partial
    # run's scenarios can be merged into the docs with --render FULL.json PARTIAL.json).
    markdown = options.markdown or (out.with_suffix('.md') if options.quick or options.only else MARKDOWN)
    write_markdown(report, markdown)
    print_table(report)
    print('\nresults: %s and %s (%d s in all)' % (out, markdown, report['elapsed_s']))
    return 1 if report['errors'] else 0


if __name__ == '__main__':
    sys.exit(main())
