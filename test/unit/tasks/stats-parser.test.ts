import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  STATS_SCRIPT,
  parseContainerStats,
  parseDf,
  parseDockerSize,
  parseMeminfo,
  parseStats,
  statsArgv,
} from '../../../src/remote-docker/stats.js';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('stats script output parser', () => {
  test.each([
    ['stats-debian.txt', 23918556],
    ['stats-busybox.txt', 23918596],
  ])(
    '%s: cpus, load, memory in bytes, the real disk only, docker, containers',
    (file, usedBlocks) => {
      const text = fixture(file);
      const s = parseStats(text);
      const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)![1]);
      expect(s.cpus).toBe(2);
      expect([s.load1, s.load5, s.load15]).toEqual(
        text.split('\n')[3]!.split(' ').slice(0, 3).map(Number),
      );
      expect(s.mem_total).toBe(kb('MemTotal') * 1024);
      expect(s.mem_used).toBe((kb('MemTotal') - kb('MemAvailable')) * 1024);
      // tmpfs, devtmpfs, docker's overlays and the odd bind mount are not disks.
      expect(s.disks).toEqual([{ mount: '/', size: 264212084 * 1024, used: usedBlocks * 1024 }]);
      expect(s.docker).toMatchObject({
        server_version: '20.10.24+dfsg1',
        containers: 1,
        running: 1,
        images: 1,
        ncpu: 2,
      });
      expect(s.containers).toEqual([
        { name: 'obs-app-h3', cpu_percent: expect.any(Number), mem_used: expect.any(Number) },
      ]);
      expect(s.containers[0]!.mem_used).toBeGreaterThan(400 * 1024);
    },
  );

  test('truncated output (no end marker) is an error, not zeros', () => {
    const text = fixture('stats-debian.txt');
    expect(() => parseStats(text.slice(0, text.indexOf('@@deploy-stats df')))).toThrow(
      /incomplete/,
    );
  });

  test('docker refused: /proc numbers stay, docker is null, no containers', () => {
    const s = parseStats(
      [
        '@@deploy-stats cpus',
        '4',
        '@@deploy-stats loadavg',
        '0.10 0.20 0.30 1/2 3',
        '@@deploy-stats meminfo',
        'MemTotal: 1000 kB',
        'MemAvailable: 250 kB',
        '@@deploy-stats df',
        '@@deploy-stats docker-info',
        '@@deploy-stats docker-stats',
        '@@deploy-stats end',
        '',
      ].join('\n'),
    );
    expect(s).toEqual({
      cpus: 4,
      load1: 0.1,
      load5: 0.2,
      load15: 0.3,
      mem_total: 1024000,
      mem_used: 768000,
      disks: [],
      docker: null,
      containers: [],
    });
  });

  test('meminfo without MemAvailable (old kernels) falls back to free + buffers + cached', () => {
    expect(
      parseMeminfo(['MemTotal: 1000 kB', 'MemFree: 100 kB', 'Buffers: 50 kB', 'Cached: 250 kB']),
    ).toEqual({ total: 1024000, used: 600 * 1024 });
  });

  test('df: 512-byte blocks are scaled, mount points with spaces kept, shortest mount per device', () => {
    expect(
      parseDf([
        'Filesystem 512-blocks Used Available Capacity Mounted on',
        '/dev/sda1 2000 1000 1000 50% /data/my disk',
        '/dev/sda1 2000 1000 1000 50% /data/my disk/bind',
        '/dev/sdb 4000 1000 3000 25% /srv',
      ]),
    ).toEqual([
      { mount: '/data/my disk', size: 1024000, used: 512000 },
      { mount: '/srv', size: 2048000, used: 512000 },
    ]);
  });

  test.each([
    ['796B', 796],
    ['1.38kB', 1380],
    ['704KiB', 704 * 1024],
    ['1.652MiB', Math.round(1.652 * 1024 ** 2)],
    ['23.54GiB', Math.round(23.54 * 1024 ** 3)],
    ['2GB', 2e9],
    ['--', undefined],
  ])('docker size %s', (text, bytes) => {
    expect(parseDockerSize(text)).toBe(bytes);
  });

  test('a docker stats line', () => {
    expect(
      parseContainerStats('{"CPUPerc":"12.5%","MemUsage":"1.5MiB / 1GiB","Name":"web-1"}'),
    ).toEqual({
      name: 'web-1',
      cpu_percent: 12.5,
      mem_used: 1.5 * 1024 * 1024,
    });
    expect(parseContainerStats('not json')).toBeUndefined();
  });

  test('argv: a constant script, docker (with sudo -n) as its arguments', () => {
    expect(statsArgv({ docker: 'docker', sudo: false })).toEqual([
      'sh',
      '-c',
      STATS_SCRIPT,
      'sh',
      'docker',
    ]);
    expect(statsArgv({ docker: '/usr/bin/docker', sudo: true })).toEqual([
      'sh',
      '-c',
      STATS_SCRIPT,
      'sh',
      'sudo',
      '-n',
      '/usr/bin/docker',
    ]);
  });
});
