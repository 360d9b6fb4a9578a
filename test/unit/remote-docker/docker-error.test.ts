import { describe, expect, test } from 'vitest';
import {
  dockerError,
  dockerErrorLine,
  isHostLevelDockerError,
} from '../../../src/remote-docker/index.js';

// Real stderr from docker 20.10 / 28.x clients and sudo, captured on this machine kind.
describe('dockerError', () => {
  test.each([
    [
      'Error response from daemon: Conflict. The container name "/x1" is already in use by container "73bab752070cc77451cb3598b28ffef25e06bf1053f6904a3d94ccecf6b25b73". You have to remove (or rename) that container to be able to reuse that name.',
      'name-conflict',
    ],
    ['Error response from daemon: No such container: nonesuch', 'no-such-container'],
    ['Error: No such container: nonesuch', 'no-such-container'],
    ['Error response from daemon: No such image: base:9', 'image-not-found'],
    [
      'Error response from daemon: manifest for reg:5000/web:9 not found: manifest unknown: manifest unknown',
      'image-not-found',
    ],
    [
      "Unable to find image 'base:9' locally\nError response from daemon: pull access denied for base, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
      'pull-denied',
    ],
    [
      'Error response from daemon: Get "http://127.0.0.1:5000/v2/web/manifests/1": no basic auth credentials',
      'pull-denied',
    ],
    [
      'Error response from daemon: Head "https://reg/v2/web/manifests/1": unauthorized: authentication required',
      'pull-denied',
    ],
    [
      'Error response from daemon: Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused',
      'registry-unreachable',
    ],
    [
      'Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host',
      'registry-unreachable',
    ],
    [
      'permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/containers/json": dial unix /var/run/docker.sock: connect: permission denied',
      'permission-denied',
    ],
    ['sudo: a password is required', 'sudo-refused'],
    [
      'sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper',
      'sudo-refused',
    ],
    [
      'deploy is not in the sudoers file.  This incident will be reported.\nsudo: deploy is not in the sudoers file',
      'sudo-refused',
    ],
    [
      'Cannot connect to the Docker daemon at unix:///tmp/none.sock. Is the docker daemon running?',
      'daemon-down',
    ],
    ['sh: 1: docker: not found', 'docker-missing'],
    ['bash: line 1: docker: command not found', 'docker-missing'],
    ['something else entirely', 'unknown'],
    ['', 'unknown'],
  ])('%j → %s', (stderr, kind) => {
    expect(dockerError(stderr)).toBe(kind);
  });

  test.each([
    ['permission-denied', true],
    ['sudo-refused', true],
    ['daemon-down', true],
    ['docker-missing', true],
    ['name-conflict', false],
    ['pull-denied', false],
    ['unknown', false],
  ] as const)('%s host level: %s', (kind, hostLevel) => {
    expect(isHostLevelDockerError(kind)).toBe(hostLevel);
  });

  test('names the telling line', () => {
    expect(
      dockerErrorLine(
        "Unable to find image 'x' locally\nError response from daemon: No such image: x\n",
      ),
    ).toBe('Error response from daemon: No such image: x');
    expect(dockerErrorLine('first\nlast\n')).toBe('last');
  });
});
