# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The floor of a fleet scenario, and the per-host costs it is made of, measured in the same run as the sides.

The floor is what no way of starting N jobs on H hosts over ssh and waiting for
them can go below on this machine:

    floor = one ssh connect + H x (CPU of one task per host) / cores + longest job

Every host needs at least one task that reaches it (to start its jobs, and at
best to hand their results back in the same round trip); the H tasks share the
cores, and the last host's jobs start only once its task has run, then take
the longest job's time.

- one ssh connect: the wall time of a cold ``ssh host true`` (key exchange,
  authentication, one session), median of a few;
- CPU of one task per host: what the whole machine (controller and targets
  share it here) spends per host on the least a task can do: one ``raw``
  command running a bare target interpreter, on a cold connection. It is the
  slope of the machine's CPU over probe plays on 1 and on H hosts, so
  ansible-playbook's own start-up (a fixed cost, before the timed tasks) is
  left out.

Mitogen's strategy runs the same tasks over its own connections, so the floor
holds for every side.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROBE_PLAYBOOK = HERE / 'playbooks' / 'floor_probe.yml'


def cpu_busy_seconds(stat_line: str | None = None) -> float:
    """CPU seconds the whole machine has spent busy (all but idle and iowait), from /proc/stat's first line."""
    if stat_line is None:
        with open('/proc/stat') as handle:
            stat_line = handle.readline()
    fields = [int(value) for value in stat_line.split()[1:]]
    # user nice system idle iowait irq softirq steal (guest time is already inside user)
    busy = sum(fields[:8]) - fields[3] - fields[4]
    return busy / os.sysconf('SC_CLK_TCK')


def slope(points: dict) -> float:
    """Least-squares slope of ``{hosts: cpu_seconds}`` (at least two host counts)."""
    if len(points) < 2:
        raise ValueError('a slope needs at least two host counts, got %r' % sorted(points))
    xs, ys = list(points), [points[x] for x in points]
    mean_x, mean_y = statistics.mean(xs), statistics.mean(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)


def floor_seconds(longest_job: float, connect: float, hosts: int, cpu_per_task: float, cores: int) -> float:
    return connect + hosts * cpu_per_task / cores + longest_job


def measure_connect(lab, host, repeat: int = 5) -> float:
    """Median wall time of a cold ``ssh host true``, as the lab's plays connect (same user, key and options)."""
    user = lab.login_user or 'root'
    times = []
    for _attempt in range(repeat):
        started = time.monotonic()
        subprocess.run(['ssh', '-o', 'ControlMaster=no', '-o', 'ControlPath=none', '-o', 'BatchMode=yes',
                        '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
                        '-i', str(lab.key), '-p', str(host.port), '%s@%s' % (user, host.address), 'true'],
                       check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, timeout=60)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def measure_probe_cpu(run_play, host_counts: list, repeat: int = 2) -> dict:
    """``{hosts: machine CPU seconds}`` of the probe play (median of ``repeat``), for 1 host and each count."""
    points = {}
    for hosts in sorted(set([1] + list(host_counts))):
        samples = []
        for _attempt in range(repeat):
            before = cpu_busy_seconds()
            run_play(hosts)
            samples.append(cpu_busy_seconds() - before)
        points[hosts] = statistics.median(samples)
    return points


def payload_cpu_ms(collections_path: Path, python: str, jobs: int = 5, repeat: int = 5) -> dict:
    """Target CPU (ms, median) of one direct run, as the target's interpreter pays it: starting ``jobs`` jobs
    (the launcher only: the supervisors detach) and reading them once they ended. Runs on this machine."""
    sys.path.insert(0, str(collections_path))
    try:
        from ansible_collections.parallel.jobs.plugins.module_utils._control import (
            STATUS_PRIVATE_SPEC,
            status_argument_spec,
        )
        from ansible_collections.parallel.jobs.plugins.plugin_utils._direct import script
        from ansible_collections.parallel.jobs.plugins.plugin_utils._job_specs import parse_job_specs, plan_entry
    finally:
        sys.path.pop(0)

    def child_cpu(data: bytes) -> tuple:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run([python, '-'], input=data, stdout=subprocess.PIPE, check=True, timeout=60)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return cpu * 1000, json.loads(proc.stdout.decode().strip().splitlines()[-1])

    job_dir = tempfile.mkdtemp(prefix='pj-payload-')
    try:
        specs = parse_job_specs([{'name': 'job%d' % index, 'cmd': 'true'} for index in range(jobs)],
                                {'timeout': 60, 'grace': 1.0, 'output_limit': 1024 * 1024})
        start_cpu, status_cpu = [], []
        for _attempt in range(repeat):
            cpu, reply = child_cpu(script({'op': 'start', 'async_dir': job_dir,
                                           'plan': {'jobs': [plan_entry(spec) for spec in specs], 'payloads': {}}}))
            start_cpu.append(cpu)
            jids = [entry['ansible_job_id'] for entry in reply['jobs']]
            params = {key: spec.get('default') for key, spec in dict(status_argument_spec(), **STATUS_PRIVATE_SPEC).items()}
            params.update(jids=jids, _async_dir=job_dir, _wait=30.0)
            cpu, reply = child_cpu(script({'op': 'status', 'params': params}))
            if not all(entry.get('finished') for entry in reply['jobs']):
                raise RuntimeError('payload probe: the jobs did not end: %s' % json.dumps(reply)[:500])
            params.update(_wait=0.0)
            cpu, reply = child_cpu(script({'op': 'status', 'params': params}))
            status_cpu.append(cpu)
        bare = [child_cpu(b'import json, sys\nsys.stdout.write(json.dumps({}) + "\\n")\n')[0] for _probe in range(repeat)]
    finally:
        subprocess.run(['rm', '-rf', job_dir], check=False)
    return {'start_%d_jobs' % jobs: statistics.median(start_cpu), 'read_%d_jobs' % jobs: statistics.median(status_cpu),
            'bare_interpreter': statistics.median(bare)}


__all__ = ('cpu_busy_seconds', 'slope', 'floor_seconds', 'measure_connect', 'measure_probe_cpu', 'payload_cpu_ms')
