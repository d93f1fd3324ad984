# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""The target side of a direct run: the collection's own job code, run without AnsiballZ.

The action plugins send this package's sources and one request on the
interpreter's stdin (``plugin_utils/_direct.py``); ``main`` carries the
request out with the same functions the modules call and prints one JSON
reply. Standard library only, as every target-side file.
"""

from __future__ import annotations

import json
import sys

from ansible_collections.parallel.jobs.plugins.module_utils._jobs.ids import JobError

# Each operation imports only what it runs: every import is paid in target CPU on every run.


def status(request: dict) -> dict:
    """What ``parallel.jobs.async_status`` returns for the same parameters."""
    from ansible_collections.parallel.jobs.plugins.module_utils._control import make_request, run_mode

    result, _raw = run_mode(make_request(request['params'], check_mode=bool(request.get('check_mode'))))
    return result


def start(request: dict) -> dict:
    """What ``parallel.jobs.async_launch`` returns for the same plan."""
    from ansible_collections.parallel.jobs.plugins.module_utils._launch import start_jobs

    return start_jobs(request['async_dir'], request['plan'])


OPERATIONS = {'status': status, 'start': start}


def main(request: dict) -> None:
    try:
        result = OPERATIONS[request['op']](request)
    except JobError as exc:
        result = {'failed': True, 'msg': str(exc)}
    except Exception as exc:  # an unexpected failure still names itself, with its traceback beside it
        import traceback

        result = {'failed': True, 'msg': 'parallel.jobs failed on the target: %s' % exc,
                  'exception': traceback.format_exc()}
    sys.stdout.write('\n' + json.dumps(result) + '\n')
    sys.stdout.flush()


__all__ = ('OPERATIONS', 'status', 'start', 'main')
