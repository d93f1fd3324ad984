# Copyright (c) 2026, parallel.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The README's execution environment: ``ansible-builder create`` writes a build context that installs this
collection where the activation lines point (``create`` needs no container runtime)."""

from __future__ import annotations

import re
import subprocess
import tarfile

import yaml
from tests.sshlab import PROJECT_ROOT, tool

COLLECTIONS = '/usr/share/ansible/collections'
PLUGINS = COLLECTIONS + '/ansible_collections/parallel/jobs/plugins'


def readme_definition() -> dict:
    """The execution-environment.yml shown in the README's "Execution environments and AWX" section."""
    readme = (PROJECT_ROOT / 'README.md').read_text()
    section = readme.split('### Execution environments and AWX', 1)[1]
    return yaml.safe_load(re.search(r'```yaml\n(.*?)```', section, re.S).group(1))


def test_ansible_builder_create_installs_the_collection_where_activation_points(tmp_path):
    subprocess.run([tool('ansible-galaxy'), 'collection', 'build', '--output-path', str(tmp_path), str(PROJECT_ROOT)],
                   check=True, stdout=subprocess.DEVNULL)
    tarball = next(tmp_path.glob('parallel-jobs-*.tar.gz'))
    with tarfile.open(tarball) as built:
        assert yaml.safe_load(built.extractfile('meta/execution-environment.yml')) == {'version': 1, 'dependencies': {}}

    definition = readme_definition()
    assert definition['additional_build_steps']['append_final'] == [
        'ENV ANSIBLE_LIBRARY=%s/modules' % PLUGINS, 'ENV ANSIBLE_ACTION_PLUGINS=%s/action' % PLUGINS]
    # The README's definition, with the collection from the tarball just built instead of Galaxy.
    ee_dir = tmp_path / 'ee'
    ee_dir.mkdir()
    (ee_dir / 'requirements.yml').write_text(yaml.safe_dump(
        {'collections': [{'name': 'collections/%s' % tarball.name, 'type': 'file'}]}))
    definition['additional_build_files'] = [{'src': str(tarball), 'dest': 'collections'}]
    (ee_dir / 'execution-environment.yml').write_text(yaml.safe_dump(definition, sort_keys=False))

    context = tmp_path / 'context'
    proc = subprocess.run([tool('ansible-builder'), 'create', '-f', str(ee_dir / 'execution-environment.yml'),
                           '-c', str(context), '--output-filename', 'Containerfile'], cwd=str(ee_dir),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout
    assert (context / '_build' / 'collections' / tarball.name).read_bytes() == tarball.read_bytes()
    assert yaml.safe_load((context / '_build' / 'requirements.yml').read_text()) == {
        'collections': [{'name': 'collections/%s' % tarball.name, 'type': 'file'}]}

    steps = (context / 'Containerfile').read_text().splitlines()
    galaxy = steps.index('FROM base AS galaxy')
    final = steps.index('FROM base AS final')
    install = [step for step in steps[galaxy:final] if 'ansible-galaxy collection install' in step]
    assert len(install) == 1 and '-r requirements.yml --collections-path "%s"' % COLLECTIONS in install[0]
    assert 'COPY --from=galaxy /usr/share/ansible /usr/share/ansible' in steps[final:]
    # The activation is in the final image, after the collection was copied into it.
    final_steps = steps[final:]
    copied = final_steps.index('COPY --from=galaxy /usr/share/ansible /usr/share/ansible')
    for step in definition['additional_build_steps']['append_final']:
        assert final_steps.index(step) > copied
