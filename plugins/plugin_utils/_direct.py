# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Controller side of a direct run: the collection's target code without AnsiballZ or AnsibleModule.

async_status, async_wait and async_start need nothing of AnsiballZ: their
target code is standard library only. A direct run sends it, compressed, with
one request on the target interpreter's stdin, in one command through the
connection (as pipelining does), and reads back one JSON reply. That saves
unpacking a module zip and importing AnsibleModule on every run, which is
most of a module run's CPU on the target.
"""

from __future__ import annotations

import base64
import json
import os
import shlex
import zlib

PACKAGE = 'ansible_collections.parallel.jobs.plugins.module_utils'
_MODULE_UTILS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'module_utils')
# Parents of the package, made empty packages on the target.
_PARENTS = ('ansible_collections', 'ansible_collections.parallel', 'ansible_collections.parallel.jobs',
            'ansible_collections.parallel.jobs.plugins', PACKAGE)

# Runs on the target's Python, read from stdin: it must parse on old Pythons too, to say they are too old.
_BOOTSTRAP = r'''
import sys, json
if sys.version_info < (3, 8):
    sys.stdout.write('\n' + json.dumps({'failed': True, 'msg': 'parallel.jobs needs Python 3.8 or later on the target; '
                                        '%%s is %%d.%%d' %% (sys.executable, sys.version_info[0], sys.version_info[1])}) + '\n')
    sys.exit(0)
import base64, zlib
from importlib.machinery import ModuleSpec
SOURCES, PACKAGES = json.loads(zlib.decompress(base64.b64decode(%(sources)r)).decode('utf-8'))
class Finder(object):
    # A finder and loader of the modules sent along (importlib.abc would cost more to import than all of them).
    def find_spec(self, name, path=None, target=None):
        if name in SOURCES or name in PACKAGES:
            return ModuleSpec(name, self, is_package=name in PACKAGES)
        return None
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        if module.__name__ in PACKAGES:
            module.__path__ = []
        code = SOURCES.get(module.__name__, '')
        exec(compile(code, '<parallel.jobs %%s>' %% module.__name__, 'exec'), module.__dict__)
sys.meta_path.insert(0, Finder())
from ansible_collections.parallel.jobs.plugins.module_utils._direct import main
main(json.loads(%(request)r))
'''

_PAYLOAD = []


def _cache_path() -> str | None:
    """Where the compressed sources are kept for this run: the controller's local tmp dir, which the run's
    workers (one forked process per host and task) share, so one of them compresses and the others read."""
    try:
        from ansible import constants as C

        local_tmp = C.DEFAULT_LOCAL_TMP
    except (ImportError, AttributeError):
        return None
    if not local_tmp or not os.path.isdir(local_tmp):
        return None
    stamp = max(os.stat(os.path.join(directory, name)).st_mtime_ns for directory, _dirs, files in os.walk(_MODULE_UTILS)
                for name in files if name.endswith('.py'))
    return os.path.join(local_tmp, 'parallel_jobs_direct_%d.b64' % stamp)


def _payload() -> str:
    """The collection's target-side sources, compressed once per run (and kept per process)."""
    if not _PAYLOAD:
        cache = _cache_path()
        if cache:
            try:
                with open(cache, encoding='ascii') as handle:
                    _PAYLOAD.append(handle.read())
                    return _PAYLOAD[0]
            except OSError:
                pass
        sources, packages = {}, list(_PARENTS)
        for directory, _dirs, files in os.walk(_MODULE_UTILS):
            relative = os.path.relpath(directory, _MODULE_UTILS)
            prefix = PACKAGE if relative == '.' else PACKAGE + '.' + relative.replace(os.sep, '.')
            for name in sorted(files):
                if not name.endswith('.py'):
                    continue
                with open(os.path.join(directory, name), encoding='utf-8') as handle:
                    source = handle.read()
                if name == '__init__.py':
                    packages.append(prefix)
                    sources[prefix] = source
                else:
                    sources[prefix + '.' + name[:-3]] = source
        data = json.dumps([sources, sorted(set(packages))]).encode('utf-8')
        _PAYLOAD.append(base64.b64encode(zlib.compress(data, 9)).decode('ascii'))
        if cache:
            # Written whole or not at all: a worker reading it meanwhile finds it missing, never cut short.
            partial = '%s.%d' % (cache, os.getpid())
            try:
                with open(partial, 'w', encoding='ascii') as handle:
                    handle.write(_PAYLOAD[0])
                os.replace(partial, cache)
            except OSError:
                pass
    return _PAYLOAD[0]


def script(request: dict) -> bytes:
    """What the target's interpreter reads on stdin to carry ``request`` out."""
    return (_BOOTSTRAP % {'sources': _payload(), 'request': json.dumps(request)}).encode('utf-8')


def unavailable_reason(connection, task_vars) -> str | None:
    """Why a direct run cannot be used on this connection (None: it can).

    The same constraints as pipelining, which sends module code on stdin the
    same way: the connection must take stdin data, and a become method must
    allow it and pipelining be enabled (a sudo with requiretty needs the terminal
    a pipelined run does not get).
    """
    if (task_vars or {}).get('parallel_jobs_direct') in (False, 'false', 'False', 'no', '0', 0):
        return 'parallel_jobs_direct is false'
    if getattr(connection._shell, 'SHELL_FAMILY', None) == 'powershell':
        return 'a PowerShell host'
    if not getattr(connection, 'has_pipelining', False):
        return 'the %s connection cannot send data on stdin' % getattr(connection, 'transport', '?')
    if connection.become:
        if not getattr(connection.become, 'pipelining', False):
            return 'become method %s does not allow pipelining' % connection.become.name
        if not connection.is_pipelining_enabled():
            return 'become is used and pipelining is not enabled'
    return None


def command(interpreter: list, env_string: str) -> str:
    return (env_string + ' ' if env_string else '') + ' '.join(shlex.quote(part) for part in interpreter)


__all__ = ('script', 'unavailable_reason', 'command')
