# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

# This module is private to the parallel.jobs collection. Its API may change at
# any time; do not use it from other collections or roles.

"""Controller side of async_start: build module jobs' payloads, each distinct one sent once."""

from __future__ import annotations

import shlex

from ansible.errors import AnsibleError
from ansible_collections.parallel.jobs.plugins.module_utils._launch import payload_delta
from ansible_collections.parallel.jobs.plugins.module_utils._messages import entry_label
from ansible_collections.parallel.jobs.plugins.plugin_utils._job_inputs import JobInputError


class ModulePayloads:
    """The distinct payloads of a launch plan.

    Ansible builds a module's payload (AnsiballZ) once per module and embeds
    the arguments in one line of it, so a second job with the same module is
    sent as the lines that differ from the first.
    """

    def __init__(self, action, task_vars):
        self._action = action
        self._task_vars = task_vars
        self.payloads = []
        self._bases = {}

    def add(self, index: int, spec: dict, step: str | None = None) -> dict:
        """Build the module payload of ``spec`` (``jobs[index]``, or its step named ``step``); return what the target
        needs to run it."""
        where = entry_label(index, spec['name'] if step is None else None)
        if step is not None:
            where += ' step %r' % step
        action = self._action
        module_args = dict(spec['args'])
        action._update_module_args(spec['module'], module_args, self._task_vars)
        # The module makes (and removes) its own temporary directory: there is no task tmpdir to share.
        module_args['_ansible_tmpdir'] = None
        try:
            built, _module_path = action._configure_module(module_name=spec['module'], module_args=module_args,
                                                           task_vars=self._task_vars)
        except AnsibleError as exc:
            raise JobInputError('%s: cannot run module %s: %s' % (where, spec['module'], exc.message))
        if built.module_style != 'new' or not built.shebang or 'python' not in built.shebang:
            raise JobInputError('%s: module %s is not a Python module (style %s); async_start runs Python modules, '
                                'or give the program as cmd/argv' % (where, spec['module'], built.module_style))
        try:
            text = built.b_module_data.decode('utf-8')
        except UnicodeDecodeError:
            raise JobInputError('%s: the payload of module %s is not UTF-8 text' % (where, spec['module']))
        return {'interpreter': shlex.split(built.shebang[2:]), 'payload': self._reference(spec['module'], text)}

    def _reference(self, module: str, text: str) -> dict:
        for index in self._bases.get(module, ()):
            delta = payload_delta(self.payloads[index], text)
            if delta is not None:
                return {'base': index, 'delta': delta}
        self.payloads.append(text)
        self._bases.setdefault(module, []).append(len(self.payloads) - 1)
        return {'base': len(self.payloads) - 1, 'delta': []}


__all__ = ('ModulePayloads',)
