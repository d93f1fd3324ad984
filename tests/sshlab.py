# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A lab of real sshd test hosts on loopback, for the tests, the demo and the benchmarks.

Each host is a private sshd on its own 127.0.0.x address with its own host key
and config in a temp dir, started as a child process and stopped by its pid.
The lab also builds and installs the collection from this checkout into a
private collections path, so everything runs against an installed copy, as
users run it.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SSHD = '/usr/sbin/sshd'
COLLECTION = 'parallel.jobs'


def free_port(address: str = '127.0.0.1') -> int:
    with socket.socket() as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


def wait_for_port(address: str, port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError('sshd on %s:%d did not come up' % (address, port))


def child_pids(pid: int) -> list:
    """The pids of ``pid``'s children (its main thread's), from /proc."""
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as handle:
            return [int(child) for child in handle.read().split()]
    except OSError:
        return []


def target_python() -> str:
    """The system Python, which every user (become tests) can run; a pyenv shim under /root cannot."""
    return '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else (shutil.which('python3') or 'python3')


def tool(name: str) -> str:
    """An ansible command from the interpreter running us (the venv), else from PATH."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def build_and_install(dest: Path) -> Path:
    """Build the collection tarball from this checkout and install it under ``dest``; return the install dir."""
    build_dir = dest / 'build'
    build_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([tool('ansible-galaxy'), 'collection', 'build', '--force', '--output-path', str(build_dir),
                    str(PROJECT_ROOT)], check=True, stdout=subprocess.DEVNULL)
    tarball = next(build_dir.glob('parallel-jobs-*.tar.gz'))
    subprocess.run([tool('ansible-galaxy'), 'collection', 'install', '--force', '-p', str(dest / 'collections'),
                    str(tarball)], check=True, stdout=subprocess.DEVNULL)
    return dest / 'collections' / 'ansible_collections' / 'parallel' / 'jobs'


class Host:
    def __init__(self, name: str, address: str, port: int, process: subprocess.Popen):
        self.name = name
        self.address = address
        self.port = port
        self.process = process


class SshLab:
    """Start with ``SshLab(n).start()``; stop with ``.stop()`` (by pid). Usable as a context manager."""

    def __init__(self, count: int = 3, names: list | None = None, first_address: int = 11,
                 workdir: str | None = None, install: bool = True, login_user: str | None = None):
        self.names = names or ['host%d' % (i + 1) for i in range(count)]
        self.first_address = first_address
        # None: log in as root (the tests). A name: log in as that user, made with /bin/sh and an empty home,
        # so that no login shell start-up (root's .bashrc here runs pyenv init) is paid per ssh session.
        self.login_user = login_user
        self.dir = Path(workdir or tempfile.mkdtemp(prefix='pj-lab-'))
        self.install = install
        self.hosts: list[Host] = []
        self.collection_dir: Path | None = None
        self.port = None

    # -- lifecycle -----------------------------------------------------------

    def __enter__(self) -> SshLab:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> SshLab:
        if not os.path.exists(SSHD):
            raise RuntimeError('%s is missing: install openssh-server (the README test command does)' % SSHD)
        os.makedirs('/run/sshd', mode=0o755, exist_ok=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.key = self.dir / 'id_ed25519'
        if not self.key.exists():
            subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(self.key)], check=True)
            subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(self.dir / 'host_key')],
                           check=True)
        shutil.copy(str(self.key) + '.pub', self.dir / 'authorized_keys')
        os.chmod(self.dir / 'authorized_keys', 0o644)
        if self.login_user:
            ensure_neutral_user(self.login_user)
            # sshd reads authorized_keys as the user logging in: every directory above it must let that user through.
            for directory in [self.dir] + list(self.dir.parents):
                mode = directory.stat().st_mode
                if not mode & 0o001:
                    os.chmod(directory, (mode & 0o7777) | 0o011)
        self.port = free_port()
        try:
            for index, name in enumerate(self.names):
                self.hosts.append(self._start_host(name, '127.0.0.%d' % (self.first_address + index)))
            for host in self.hosts:
                wait_for_port(host.address, host.port)
            if self.install and self.collection_dir is None:
                self.collection_dir = build_and_install(self.dir)
        except BaseException:
            self.stop()
            raise
        self.write_inventory()
        return self

    def _start_host(self, name: str, address: str) -> Host:
        config = self.dir / ('sshd_%s.conf' % name)
        config.write_text('\n'.join([
            'ListenAddress %s:%d' % (address, self.port),
            'HostKey %s' % (self.dir / 'host_key'),
            'AuthorizedKeysFile %s' % (self.dir / 'authorized_keys'),
            'PidFile %s' % (self.dir / ('sshd_%s.pid' % name)),
            'PermitRootLogin prohibit-password',
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            'UsePAM no',
            # The lab lives under /tmp, which is world-writable.
            'StrictModes no',
            'MaxStartups 200:30:400',
            'MaxSessions 200',
            'Subsystem sftp internal-sftp',
            'LogLevel ERROR',
            'AcceptEnv LANG LC_*',
            '',
        ]))
        log = open(self.dir / ('sshd_%s.log' % name), 'ab')
        process = subprocess.Popen([SSHD, '-D', '-e', '-f', str(config)], stdout=log, stderr=log,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        return Host(name, address, self.port, process)

    def take_down(self, host: Host) -> None:
        """An outage of ``host``: its ssh sessions and its listener end, by pid (the sessions first, since
        they outlive the listener)."""
        for pid in child_pids(host.process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        host.process.kill()
        host.process.wait()

    def bring_up(self, host: Host) -> None:
        """Start ``host``'s sshd again after ``take_down``, on the same address, port and keys."""
        host.process = self._start_host(host.name, host.address).process
        wait_for_port(host.address, host.port)

    def stop(self) -> None:
        for host in self.hosts:
            if host.process.poll() is None:
                # sshd's own pid: its session children go with it.
                host.process.send_signal(signal.SIGTERM)
        for host in self.hosts:
            try:
                host.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                host.process.kill()
                host.process.wait()
        self.hosts = []

    # -- what playbooks need -------------------------------------------------

    @property
    def inventory(self) -> Path:
        return self.dir / 'inventory.ini'

    def write_inventory(self, groups: dict | None = None, extra_vars: dict | None = None,
                        aliases: dict | None = None) -> Path:
        """Write the inventory; ``aliases`` (optional) maps extra inventory names to lab host names whose sshd
        they share, so that many inventory hosts need only a few sshd processes (listed in [lab] too)."""
        lines = ['[lab]']
        for host in self.hosts:
            lines.append('%s ansible_host=%s ansible_port=%d' % (host.name, host.address, host.port))
        by_name = {host.name: host for host in self.hosts}
        for alias, name in (aliases or {}).items():
            lines.append('%s ansible_host=%s ansible_port=%d' % (alias, by_name[name].address, by_name[name].port))
        for group, members in (groups or {}).items():
            lines.append('')
            lines.append('[%s]' % group)
            lines.extend(members)
        lines.extend(['', '[all:vars]', 'ansible_user=%s' % (self.login_user or 'root'),
                      'ansible_ssh_private_key_file=%s' % self.key,
                      'ansible_python_interpreter=%s' % target_python()])
        for key, value in (extra_vars or {}).items():
            lines.append('%s=%s' % (key, value))
        self.inventory.write_text('\n'.join(lines) + '\n')
        return self.inventory

    def env(self, activate: bool = True, **extra) -> dict:
        """Environment for ansible-playbook against this lab; ``activate`` routes async through the collection."""
        control_dir = self.dir / 'cp'
        control_dir.mkdir(exist_ok=True)
        env = dict(os.environ)
        env.update({
            'ANSIBLE_HOST_KEY_CHECKING': 'False',
            'ANSIBLE_SSH_CONTROL_PATH_DIR': str(control_dir),
            'ANSIBLE_SSH_ARGS': '-o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=/dev/null',
            'ANSIBLE_INVENTORY': str(self.inventory),
            'ANSIBLE_RETRY_FILES_ENABLED': 'False',
            'ANSIBLE_PIPELINING': 'True',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_FORCE_COLOR': '0',
            'ANSIBLE_PYTHON_INTERPRETER': 'auto_silent',
            'ANSIBLE_LOCAL_TEMP': str(self.dir / 'local_tmp'),
            'ANSIBLE_HOME': str(self.dir / 'ansible_home'),
        })
        env.pop('ANSIBLE_LIBRARY', None)
        env.pop('ANSIBLE_ACTION_PLUGINS', None)
        if self.collection_dir is not None:
            env['ANSIBLE_COLLECTIONS_PATH'] = str(self.collection_dir.parent.parent.parent)
            if activate:
                env.update(activation_env(self.collection_dir))
        env.update({key: str(value) for key, value in extra.items()})
        return env

    def close_ssh_masters(self) -> None:
        """Close every ssh master connection the lab's plays left open, so that the next play starts cold."""
        control_dir = self.dir / 'cp'
        if not control_dir.is_dir():
            return
        for socket_path in control_dir.iterdir():
            subprocess.run(['ssh', '-o', 'ControlPath=%s' % socket_path, '-O', 'exit', 'lab'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                           timeout=30, check=False)
            try:
                socket_path.unlink()
            except FileNotFoundError:
                pass  # the master had gone by itself

    def playbook(self, playbook, *args, activate: bool = True, env: dict | None = None, check: bool = False,
                 timeout: float = 900) -> subprocess.CompletedProcess:
        """Run ansible-playbook against the lab and return the finished process (output captured)."""
        run_env = self.env(activate=activate)
        run_env.update(env or {})
        proc = subprocess.run([tool('ansible-playbook'), str(playbook), *args], env=run_env, cwd=str(self.dir),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
        if check and proc.returncode != 0:
            raise AssertionError('ansible-playbook %s failed (rc=%d):\n%s' % (playbook, proc.returncode, proc.stdout))
        return proc


NEUTRAL_HOME_ROOT = Path('/var/lib/parallel-jobs-lab')


def ensure_neutral_user(name: str) -> Path:
    """A login user whose ssh sessions start nothing: /bin/sh, an empty private home. Returns the home."""
    home = NEUTRAL_HOME_ROOT / name
    if subprocess.run(['id', '-u', name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                      check=False).returncode != 0:
        NEUTRAL_HOME_ROOT.mkdir(mode=0o755, parents=True, exist_ok=True)
        subprocess.run(['useradd', '--system', '--no-create-home', '--home-dir', str(home), '--shell', '/bin/sh',
                        name], check=True)
        # No password, and not a locked account either: sshd refuses a locked one even a key.
        subprocess.run(['usermod', '-p', '*', name], check=True)
    entry = pwd.getpwnam(name)
    if entry.pw_shell != '/bin/sh' or entry.pw_dir != str(home):
        raise RuntimeError('user %s exists with shell %s and home %s; the lab needs /bin/sh and %s'
                           % (name, entry.pw_shell, entry.pw_dir, home))
    # Emptied at every start: no dot files, no jobs or remote tmp dirs of an earlier run.
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(mode=0o700, parents=True)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    return home


def activation_env(collection_dir: Path) -> dict:
    """The one-time setting the README documents: route async through the installed collection."""
    return {
        'ANSIBLE_LIBRARY': str(collection_dir / 'plugins' / 'modules'),
        'ANSIBLE_ACTION_PLUGINS': str(collection_dir / 'plugins' / 'action'),
    }


# ---------------------------------------------------------------------------
# Command line, for harnesses that start and stop hosts in separate steps (molecule's create/destroy)

STATE_FILE = 'lab.json'


def start_detached(workdir: Path, names: list, first_address: int) -> dict:
    """Start sshd hosts that outlive this process; record their pids in ``workdir/lab.json``."""
    lab = SshLab(names=names, first_address=first_address, workdir=str(workdir), install=False)
    lab.start()
    state = {'key': str(lab.key), 'python': target_python(),
             'hosts': [{'name': host.name, 'address': host.address, 'port': host.port, 'pid': host.process.pid}
                       for host in lab.hosts]}
    (workdir / STATE_FILE).write_text(json.dumps(state, indent=2))
    return state


def stop_detached(workdir: Path) -> list:
    """Stop the sshd hosts recorded in ``workdir/lab.json``, by pid; return the pids stopped."""
    path = workdir / STATE_FILE
    if not path.exists():
        return []
    stopped = []
    for host in json.loads(path.read_text())['hosts']:
        try:
            with open('/proc/%d/cmdline' % host['pid'], 'rb') as handle:
                if SSHD.encode() not in handle.read():
                    continue  # the pid was reused by something else: not ours to stop
            os.kill(host['pid'], signal.SIGTERM)
            stopped.append(host['pid'])
        except (OSError, ProcessLookupError):
            continue
    for pid in stopped:
        for _attempt in range(100):
            if not os.path.exists('/proc/%d' % pid):
                break
            time.sleep(0.05)
    path.unlink()
    return stopped


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description='Start or stop loopback sshd test hosts that outlive this command.')
    sub = parser.add_subparsers(dest='command', required=True)
    start = sub.add_parser('start', help='start hosts; print their state as JSON')
    start.add_argument('--dir', required=True, type=Path)
    start.add_argument('--names', required=True, help='comma-separated host names')
    start.add_argument('--first-address', type=int, default=11, help='last octet of the first 127.0.0.x address')
    start.add_argument('--instance-config', type=Path,
                       help="also write how to reach each host as molecule's instance config (JSON is YAML)")
    stop = sub.add_parser('stop', help='stop the hosts recorded in --dir, by pid')
    stop.add_argument('--dir', required=True, type=Path)
    options = parser.parse_args(argv)
    if options.command == 'start':
        state = start_detached(options.dir, options.names.split(','), options.first_address)
        if options.instance_config:
            options.instance_config.write_text(json.dumps([
                {'instance': host['name'], 'address': host['address'], 'port': host['port'], 'user': 'root',
                 'identity_file': state['key']} for host in state['hosts']], indent=2))
        print(json.dumps(state))
    else:
        print(json.dumps({'stopped': stop_detached(options.dir)}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
