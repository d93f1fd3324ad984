# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Under ansible-runner (as AWX runs playbooks): the job events carry each job's result and the wait's
progress with its host, and a cancelled run leaves its jobs and their files alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.sshlab import activation_env, target_python, tool

# The lab's connection settings (SshLab.env) that a private data dir needs in env/envvars.
SSH_SETTINGS = ('ANSIBLE_HOST_KEY_CHECKING', 'ANSIBLE_SSH_CONTROL_PATH_DIR', 'ANSIBLE_SSH_ARGS', 'ANSIBLE_PIPELINING')

WAIT_PLAY = """\
- name: Jobs under ansible-runner
  hosts: host1
  gather_facts: false
  tasks:
    - name: Start two jobs in one round trip
      parallel.jobs.async_start:
        timeout: 60
        jobs:
          - {name: quick, cmd: "sleep 1; echo quick", shell: true}
          - {name: slow, cmd: "sleep 4; echo slow", shell: true}
      register: started

    - name: Start one job the core way
      ansible.builtin.command: sh -c 'sleep 2; echo core'
      async: 60
      poll: 0
      register: core_job

    - name: Wait for all three
      parallel.jobs.async_wait:
        jobs: ["{{ started }}", "{{ core_job }}"]
        window: 1
"""

CANCEL_PLAY = """\
- name: A run that is cancelled while it waits
  hosts: host1
  gather_facts: false
  tasks:
    - name: Start two long jobs
      parallel.jobs.async_start:
        timeout: 120
        jobs:
          - {name: first, cmd: "sleep %(seconds)d; echo first done", shell: true}
          - {name: second, cmd: "sleep %(seconds)d; echo second done", shell: true}
      register: started

    - name: Wait for them, in short windows
      parallel.jobs.async_wait:
        jobs: "{{ started }}"
        window: 2
"""


def private_data_dir(lab, root: Path, play: str) -> Path:
    """ansible-runner's input layout: project/, inventory/ and env/envvars with the activation."""
    host = lab.hosts[0]
    (root / 'project').mkdir(parents=True)
    (root / 'project' / 'play.yml').write_text(play)
    (root / 'inventory').mkdir()
    (root / 'inventory' / 'hosts').write_text(
        '%s ansible_host=%s ansible_port=%d ansible_user=root ansible_ssh_private_key_file=%s '
        'ansible_python_interpreter=%s\n' % (host.name, host.address, host.port, lab.key, target_python()))
    lab_env = lab.env()
    envvars = {key: lab_env[key] for key in SSH_SETTINGS}
    envvars['ANSIBLE_COLLECTIONS_PATH'] = str(lab.collection_dir.parent.parent.parent)
    envvars.update(activation_env(lab.collection_dir))
    (root / 'env').mkdir()
    (root / 'env' / 'envvars').write_text(json.dumps(envvars, indent=2))  # JSON is YAML
    return root


def venv_path() -> str:
    """PATH with this venv's commands first: ansible-runner runs ansible-playbook from PATH."""
    return '%s%s%s' % (Path(sys.executable).parent, os.pathsep, os.environ.get('PATH', ''))


def job_events(data_dir: Path, ident: str) -> list:
    events = [json.loads(path.read_text()) for path in (data_dir / 'artifacts' / ident / 'job_events').glob('*.json')]
    return sorted(events, key=lambda event: event['counter'])


def task_event(events: list, kind: str, task: str) -> dict:
    found = [event for event in events if event['event'] == kind and event['event_data'].get('task') == task]
    assert len(found) == 1, [(event['event'], event['event_data'].get('task')) for event in events]
    return found[0]


def test_job_events_carry_each_jobs_result_and_the_progress_with_the_host(lab, tmp_path):
    data_dir = private_data_dir(lab, tmp_path / 'runner', WAIT_PLAY)
    env = dict(os.environ, PATH=venv_path())
    proc = subprocess.run([tool('ansible-runner'), 'run', str(data_dir), '-p', 'play.yml', '--ident', 'wait'],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          stdin=subprocess.DEVNULL, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert (data_dir / 'artifacts' / 'wait' / 'status').read_text() == 'successful'
    events = job_events(data_dir, 'wait')

    started = task_event(events, 'runner_on_ok', 'Start two jobs in one round trip')['event_data']['res']
    core_jid = task_event(events, 'runner_on_ok', 'Start one job the core way')['event_data']['res']['ansible_job_id']

    waited = task_event(events, 'runner_on_ok', 'Wait for all three')
    assert waited['event_data']['host'] == 'host1'
    res = waited['event_data']['res']
    jobs = {job['ansible_job_id']: job for job in res['jobs']}
    assert [jobs[started['jids'][name]]['stdout'] for name in ('quick', 'slow')] == ['quick', 'slow']
    assert jobs[core_jid]['stdout'] == 'core'
    for job in jobs.values():
        assert job['rc'] == 0 and job['job_state'] == 'finished'

    # The wait's progress, in the event with its host: a line each time the counts changed.
    progress = res['progress']
    assert progress[0]['msg'] != 'host1: 3/3 jobs ended' and progress[-1]['msg'] == 'host1: 3/3 jobs ended'
    assert all(entry['msg'].startswith('host1: ') for entry in progress)
    assert [entry['elapsed'] for entry in progress] == sorted(entry['elapsed'] for entry in progress)
    assert progress[-1]['counts'] == res['counts'] and res['counts']['finished'] == 3
    # The same lines printed during the wait reach the event stream as text only, with no host.
    printed = [event for event in events if 'host1: 3/3 jobs ended' in event.get('stdout', '')]
    assert printed and all('host' not in event['event_data'] for event in printed)


def ansible_playbook_processes(data_dir: Path) -> list:
    """Pids of this run's ansible-playbook processes (the controller and its workers share its command line)."""
    found = []
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / 'cmdline').read_bytes().split(b'\0')
        except OSError:
            continue
        if any(arg.endswith(b'ansible-playbook') for arg in cmdline) and str(data_dir).encode() in b' '.join(cmdline):
            found.append(int(entry.name))
    return found


def test_a_cancelled_run_leaves_the_jobs_and_their_files(lab, tmp_path, adhoc):
    import ansible_runner

    seconds = 15
    data_dir = private_data_dir(lab, tmp_path / 'runner', CANCEL_PLAY % {'seconds': seconds})
    waiting = threading.Event()

    def on_event(event: dict) -> bool:
        if 'host1: 0/2 jobs ended' in event.get('stdout', ''):
            waiting.set()  # the first window has reported: async_wait's worker is in its loop
        return True

    started_at = time.monotonic()
    runner = ansible_runner.run(private_data_dir=str(data_dir), playbook='play.yml', ident='cancel', quiet=True,
                                envvars={'PATH': venv_path()}, event_handler=on_event,
                                cancel_callback=waiting.is_set, settings={'pexpect_timeout': 0.2})
    cancelled_at = time.monotonic()
    assert runner.status == 'canceled', runner.stdout.read()
    assert cancelled_at - started_at < seconds, 'the run was not cancelled while the jobs ran'

    # ansible-playbook was killed with its process group; the worker running async_wait has its own
    # session and is still there: it must notice and stop within a window, long before the jobs end.
    orphans = ansible_playbook_processes(data_dir)
    assert orphans, 'no orphaned worker: the scenario this test is about did not happen'
    deadline = time.monotonic() + 10
    while ansible_playbook_processes(data_dir) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not ansible_playbook_processes(data_dir), 'the orphaned worker went on waiting'

    events = job_events(data_dir, 'cancel')
    jids = task_event(events, 'runner_on_ok', 'Start two long jobs')['event_data']['res']['jids']
    job_dir = Path(os.path.expanduser('~root')) / '.ansible_async'
    assert all((job_dir / jid).exists() for jid in jids.values()), 'the cancelled wait removed job files'
    assert time.monotonic() - started_at < seconds, 'too slow to tell whether the jobs were left running'

    # The jobs ran on; a later wait reads them (and then removes their files).
    later = adhoc('host1', 'parallel.jobs.async_wait', jobs=list(jids.values()), timeout=60)['host1']
    assert [job['job_state'] for job in later['jobs']] == ['finished', 'finished']
    assert [job['stdout'] for job in later['jobs']] == ['first done', 'second done']
