# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# A test-only module that reports progress on stderr while it runs, as long-running
# modules do, then returns its result.

from __future__ import annotations

DOCUMENTATION = r"""
module: progress_printer
short_description: Test module that prints progress lines on stderr, then returns
description: Used by the parallel.jobs integration tests to show output read while a job runs.
options:
  steps:
    description: How many progress lines to print, one every O(pause) seconds.
    type: int
    default: 5
  pause:
    description: Seconds between lines.
    type: float
    default: 1.0
author: parallel.jobs contributors
"""

import sys
import time

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(steps=dict(type='int', default=5), pause=dict(type='float', default=1.0)))
    for step in range(1, module.params['steps'] + 1):
        sys.stderr.write('progress %d/%d\n' % (step, module.params['steps']))
        sys.stderr.flush()
        time.sleep(module.params['pause'])
    module.exit_json(changed=False, steps=module.params['steps'])


if __name__ == '__main__':
    main()
