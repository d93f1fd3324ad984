# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""A local stand-in for the get-pip.py that `ansible-test --venv` downloads.

ansible-test creates its sanity and units virtual environments without pip and bootstraps pip by
running get-pip.py, which it fetches from its CI file server unless the script is already in its cache
(~/.ansible/test/cache/get_pip_<version>.py, the place its own error message says to save it). That
server is not reachable offline, so scripts/sanity.sh puts this file in the cache instead. It takes
get-pip's arguments (pip options, the requirement such as pip==24.2, --no-setuptools, --no-wheel),
bootstraps the pip bundled with Python (ensurepip) and installs the requested pip with it from the
package index pip is configured to use. Like get-pip, it leaves setuptools out when asked to (Python 3.11's
ensurepip brings it along).
"""

from __future__ import annotations

import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def main() -> None:
    pip_arguments = [argument for argument in sys.argv[1:] if argument not in GET_PIP_ONLY_OPTIONS]
    subprocess.run([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--upgrade'] + pip_arguments, check=True)
    if '--no-setuptools' in sys.argv[1:]:
        subprocess.run([sys.executable, '-m', 'pip', 'uninstall', '--quiet', '--yes', 'setuptools'],
                       check=True, stderr=subprocess.DEVNULL)


if __name__ == '__main__':
    main()
