import { describe, expect, test } from 'vitest';
import {
  dockerError,
  dockerErrorLine,
  isHostLevelDockerError,
  portTakenMessage,
  runFailureMessage,
  takenPort,
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
    ['Error: No such object: nonesuch', 'no-such-container'],
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
    // docker run -p with the port held by a plain listener / by another container (20.10 on the bed).
    [
      "docker: Error response from daemon: driver failed programming external connectivity on endpoint probe1 (a39d5bc2c61b2e0f2185797efcc866097700165203db07ca2ac083d627bcca8b): Error starting userland proxy: listen tcp4 127.0.0.22:33239: bind: address already in use\n\nRun 'docker run --help' for more information",
      'port-in-use',
    ],
    [
      "docker: Error response from daemon: driver failed programming external connectivity on endpoint probe3 (c9ff0720466272ff94166b38df3ff64d8de1ce9ff9a9d38666a41d2d842cdb93): Bind for 127.0.0.22:33239 failed: port is already allocated\n\nRun 'docker run --help' for more information",
      'port-allocated',
    ],
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

const IN_USE =
  "docker: Error response from daemon: driver failed programming external connectivity on endpoint probe1 (a39d5bc2c61b2e0f2185797efcc866097700165203db07ca2ac083d627bcca8b): Error starting userland proxy: listen tcp4 127.0.0.22:33239: bind: address already in use\n\nRun 'docker run --help' for more information";
const ALLOCATED =
  "docker: Error response from daemon: driver failed programming external connectivity on endpoint probe3 (c9ff0720466272ff94166b38df3ff64d8de1ce9ff9a9d38666a41d2d842cdb93): Bind for 127.0.0.22:33239 failed: port is already allocated\n\nRun 'docker run --help' for more information";

describe('runFailureMessage (issue 15 item 4)', () => {
  const task = { host: 'h1', name: 'shop-web-one' };

  test('a port held by a process that is not a container names the port and the host', () => {
    expect(takenPort(IN_USE)).toEqual({ address: '127.0.0.22', port: 33239 });
    expect(runFailureMessage(IN_USE, task)).toBe(
      'port 33239 on h1 (127.0.0.22) is held by a process that is not a container; free it or publish another port',
    );
  });

  test('a port published by another container', () => {
    expect(takenPort(ALLOCATED)).toEqual({ address: '127.0.0.22', port: 33239 });
    expect(runFailureMessage(ALLOCATED, task)).toBe(
      'port 33239 on h1 (127.0.0.22) is already published by another container; free it or publish another port',
    );
  });

  test('ipv6 and udp listeners', () => {
    expect(
      takenPort(
        'Error starting userland proxy: listen tcp6 [::]:8080: bind: address already in use',
      ),
    ).toEqual({
      address: '[::]',
      port: 8080,
    });
    expect(takenPort('listen udp 0.0.0.0:53: bind: address already in use')).toEqual({
      address: '0.0.0.0',
      port: 53,
    });
  });

  test('only a container holding the name is a name conflict', () => {
    expect(
      runFailureMessage(
        'docker: Error response from daemon: Conflict. The container name "/shop-web-one" is already in use by container "73ba". You have to remove (or rename) that container to be able to reuse that name.',
        task,
      ),
    ).toBe(
      'the name shop-web-one is held by a container deploy did not create; remove or rename it',
    );
    expect(runFailureMessage(IN_USE, task)).not.toMatch(/name/);
  });

  test("anything else is docker run failed with docker's words", () => {
    expect(runFailureMessage('docker: invalid reference format.\n', task)).toBe(
      'docker run failed: docker: invalid reference format.',
    );
  });

  test('portTakenMessage: only for a port that could not be bound (docker start too)', () => {
    expect(portTakenMessage(IN_USE, 'h1')).toBe(
      runFailureMessage(IN_USE, { host: 'h1', name: 'x' }),
    );
    expect(
      portTakenMessage('Error response from daemon: No such container: x', 'h1'),
    ).toBeUndefined();
    expect(portTakenMessage('', 'h1')).toBeUndefined();
  });
});
