# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark: parallel.jobs against core's async, side by side in one run on the same loopback hosts.

Every figure is measured in the same run for both sides, alternating, and reported
as a ratio: absolute seconds on a shared 2-core machine move from run to run.
Timings come from the play's own task timings (callback_plugins/bench_timer.py);
ssh/sftp spawns are counted by wrapping the ssh and sftp executables.

    .venv/bin/python benchmarks/run.py [--repeat N] [--only SCENARIO ...]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.sshlab import SshLab, tool  # noqa: E402

RESULTS_DIR = HERE / 'results'
MARKDOWN = HERE.parent / 'docs' / 'benchmarks.md'
DESCRIPTIONS = {
    'one10': '10 jobs of 2 s on one host',
    'one50': '50 jobs of 2 s on one host',
    'hosts20': '5 jobs of 2 s on each of 20 hosts (forks 20)',
    'output': 'one job whose module prints about 200 MB (slurp of a 150 MB file)',
}


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


def _epoch(stamp: str) -> float:
    """The command module's local 'end' timestamp as epoch seconds (targets share the controller's clock here)."""
    return datetime.datetime.strptime(stamp, '%Y-%m-%d %H:%M:%S.%f').timestamp()


class Runner:
    def __init__(self, lab: SshLab, workdir: Path):
        self.lab = lab
        self.workdir = workdir
        self.wrappers = _spawn_wrappers(workdir)

    def playbook(self, playbook: str, side: str, hosts: list, extra: dict, forks: int) -> dict:
        timer_out = self.workdir / 'timer.json'
        spawn_log = self.workdir / 'spawns.log'
        spawn_log.write_text('')
        env = self.lab.env(activate=(side != 'core'))
        env.update({
            'ANSIBLE_CALLBACK_PLUGINS': str(HERE / 'callback_plugins'),
            'ANSIBLE_CALLBACKS_ENABLED': 'bench_timer',
            'BENCH_TIMER_OUT': str(timer_out),
            'BENCH_SPAWN_LOG': str(spawn_log),
            'ANSIBLE_SSH_EXECUTABLE': self.wrappers['ssh'],
            'ANSIBLE_SFTP_EXECUTABLE': self.wrappers['sftp'],
            'ANSIBLE_FORKS': str(forks),
        })
        args = [tool('ansible-playbook'), str(HERE / 'playbooks' / playbook), '--limit', ','.join(hosts),
                '-e', json.dumps(extra)]
        proc = subprocess.run(args, env=env, cwd=str(self.lab.dir), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise RuntimeError('%s (%s) failed:\n%s' % (playbook, side, proc.stdout[-4000:]))
        timings = json.loads(timer_out.read_text())
        timings['spawns'] = [float(line.split()[0]) for line in spawn_log.read_text().split('\n') if line.strip()]
        return timings


def _phase(timings: dict, name: str) -> dict:
    for task in timings['tasks']:
        if task['name'] == name and task['results']:
            return task
    raise KeyError(name)


def measure_jobs(runner: Runner, side: str, hosts: list, jobs_per_host: int, durations: list) -> dict:
    waiter = 'core' if side == 'core' else 'async_wait'
    timings = runner.playbook('jobs.yml', side, hosts, {'jobs_per_host': jobs_per_host, 'durations': durations,
                                                         'waiter': waiter}, forks=max(5, len(hosts)))
    launch, wait = _phase(timings, 'launch'), _phase(timings, 'wait')
    launch_end = max(result['time'] for result in launch['results'])
    wait_end = max(result['time'] for result in wait['results'])
    # Lag: from a job's end (or the start of the wait, if it ended before anyone looked) to when the
    # controller had its result. Notice lag: to when the waiting side first saw it end (for core's
    # loop that is the controller; for async_wait, the target, which then reports all jobs at once).
    lags, notice_lags, module_runs = [], [], {}
    for result in wait['results']:
        if side == 'core':
            if not result['item']:
                continue  # the loop's aggregated result, after the items
            lags.append(result['time'] - max(_epoch(result['end']), wait['start']))
            notice_lags.append(lags[-1])
            module_runs[result['host']] = module_runs.get(result['host'], 0) + result.get('attempts', 1)
        else:
            for job in result['jobs']:
                ended = max(_epoch(job['end']), wait['start'])
                lags.append(result['time'] - ended)
                notice_lags.append((job['noticed'] or result['time']) - ended)
            # The wait's windows, plus the one run that removes the collected jobs' files.
            module_runs[result['host']] = result['rounds'] + 1
    spawns = timings['spawns']
    return {
        'launch': launch_end - launch['start'],
        'wait': wait_end - wait['start'],
        'total': wait_end - launch['start'],
        'ideal': max(durations),
        'lag_mean': statistics.mean(lags),
        'lag_max': max(lags),
        'notice_lag_mean': statistics.mean(notice_lags),
        'notice_lag_max': max(notice_lags),
        'spawns_launch': sum(1 for t in spawns if launch['start'] <= t <= launch_end),
        'spawns_wait': sum(1 for t in spawns if wait['start'] <= t <= wait_end),
        'module_runs_wait_per_host': max(module_runs.values()),
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
    timings = runner.playbook('big_output.yml', side, [host], {'megabytes': megabytes}, forks=5)
    peak = sampler.stop()
    read = _phase(timings, 'read result')
    return {'wrapper_peak_rss_mb': peak / 1024 / 1024,
            'read_result_s': max(result['time'] for result in read['results']) - read['start']}


def measure_lost(runner: Runner, host: str) -> dict:
    timings = runner.playbook('lost.yml', 'ours', [host], {}, forks=5)
    kill = _phase(timings, 'kill supervisor')
    wait = _phase(timings, 'wait')
    return {'kill_to_lost_s': wait['results'][0]['time'] - kill['results'][0]['time'],
            'state': wait['results'][0]['jobs'][0]['job_state']}


def _fmt(value) -> str:
    return '%.2f' % value if isinstance(value, float) else str(value)


def summarize(samples: list) -> dict:
    keys = samples[0].keys()
    return {key: {'median': statistics.median(s[key] for s in samples), 'min': min(s[key] for s in samples),
                  'max': max(s[key] for s in samples)} for key in keys if isinstance(samples[0][key], (int, float))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeat', type=int, default=1, help='repetitions of each scenario (alternating sides)')
    parser.add_argument('--only', nargs='*', default=None, help='scenarios to run: one10 one50 hosts20 output lost')
    parser.add_argument('--render', metavar='JSON', nargs='+',
                        help='only write docs/benchmarks.md from saved results files (later files add scenarios)')
    options = parser.parse_args()
    if options.render:
        reports = [json.loads(Path(path).read_text()) for path in options.render]
        for later in reports[1:]:
            reports[0]['scenarios'].update(later['scenarios'])
            reports[0]['started'] += ', ' + later['started']
        write_markdown(reports[0])
        return 0
    chosen = options.only or ['one10', 'one50', 'hosts20', 'output', 'lost']
    report = {'machine': '%s, %d cores, Python %s' % (platform.platform(), os.cpu_count(), platform.python_version()),
              'ansible_core': subprocess.run([tool('ansible'), '--version'], capture_output=True,
                                             text=True).stdout.split('\n')[0],
              'started': time.strftime('%Y-%m-%d %H:%M:%S'), 'scenarios': {}}
    workdir = Path(tempfile.mkdtemp(prefix='pj-bench-'))
    with SshLab(20, workdir=str(workdir / 'lab')) as lab:
        runner = Runner(lab, workdir)
        cases = {
            'one10': (['host1'], 10, [2]),
            'one50': (['host1'], 50, [2]),
            'hosts20': (['host%d' % i for i in range(1, 21)], 5, [2]),
        }
        for name in chosen:
            if name in cases:
                hosts, per_host, durations = cases[name]
                samples = {'core': [], 'ours': []}
                for repetition in range(options.repeat):
                    order = ('core', 'ours') if repetition % 2 == 0 else ('ours', 'core')
                    for side in order:
                        samples[side].append(measure_jobs(runner, side, hosts, per_host, durations))
                        print('%s %s: %s' % (name, side, {k: _fmt(v) for k, v in samples[side][-1].items()}),
                              flush=True)
                report['scenarios'][name] = {side: summarize(values) for side, values in samples.items()}
            elif name == 'output':
                samples = {'core': [], 'ours': []}
                for side in ('core', 'ours'):
                    samples[side].append(measure_big_output(runner, side, 'host1', 200))
                    print('output %s: %s' % (side, {k: _fmt(v) for k, v in samples[side][-1].items()}), flush=True)
                report['scenarios'][name] = {side: summarize(values) for side, values in samples.items()}
            elif name == 'lost':
                result = measure_lost(runner, 'host1')
                print('lost ours: %s' % result, flush=True)
                report['scenarios'][name] = {'ours': result}
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / ('bench-%s.json' % time.strftime('%Y%m%d-%H%M%S'))
    out.write_text(json.dumps(report, indent=2))
    print_table(report)
    write_markdown(report)
    print('results: %s and %s' % (out, MARKDOWN))
    return 0


def print_table(report: dict) -> None:
    print('\n%s\n%s' % (report['machine'], report['ansible_core']))
    for name, sides in report['scenarios'].items():
        if 'core' not in sides:
            continue
        print('\n%s' % name)
        print('  %-28s %12s %12s %10s' % ('metric (median)', 'core', 'ours', 'core/ours'))
        for key, core in sides['core'].items():
            ours = sides['ours'][key]['median']
            ratio = core['median'] / ours if ours else float('inf')
            print('  %-28s %12.2f %12.2f %10.1f' % (key, core['median'], ours, ratio))


def write_markdown(report: dict) -> None:
    lines = ['# Benchmarks', '',
             'Generated by `benchmarks/run.py` (`.venv/bin/python benchmarks/run.py`). Core and ours run in the same',
             'invocation on the same loopback sshd hosts, alternating; ratios are core / ours (higher is better for',
             'us). Launch is a `loop` of `async` + `poll: 0` tasks on both sides (ours through the activated wrapper);',
             "core waits with `async_status` + `until` + `delay: 1` in a loop (the seed pattern), ours with",
             '`parallel.jobs.async_wait`. Lag: from a job\'s end (or the start of the wait, if it had already ended)',
             'to the controller having its result; notice lag: to the waiting side first seeing it end (for',
             'async_wait, the target). Module runs during the wait include our cleanup run.', '',
             '- Machine: %s' % report['machine'], '- Controller: %s' % report['ansible_core'],
             '- Run: %s' % report['started'], '']
    for name, sides in report['scenarios'].items():
        lines.append('## %s' % DESCRIPTIONS.get(name, name))
        lines.append('')
        if 'core' not in sides:
            for key, value in sides['ours'].items():
                lines.append('- %s: %s' % (key, _fmt(value)))
            lines.append('')
            continue
        lines.extend(['| metric (median, min-max) | core | ours | core / ours |', '|---|---|---|---|'])
        for key, core in sides['core'].items():
            ours = sides['ours'][key]
            ratio = core['median'] / ours['median'] if ours['median'] else float('inf')
            lines.append('| %s | %.2f (%.2f-%.2f) | %.2f (%.2f-%.2f) | %.1f |' % (
                key, core['median'], core['min'], core['max'], ours['median'], ours['min'], ours['max'], ratio))
        lines.append('')
    MARKDOWN.write_text('\n'.join(lines))


if __name__ == '__main__':
    sys.exit(main())
