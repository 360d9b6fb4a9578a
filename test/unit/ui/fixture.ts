import type { Project, ResolvedTask } from '../../../src/inventory/model.js';
import type { StatusReport } from '../../../src/tasks/status.js';
import type { DashboardData } from '../../../src/ui/dashboard-data.js';

const EVIL = '<img src=x onerror=alert(1)>';

export function task(name: string, host: string): ResolvedTask {
  return {
    service: 'shop',
    job: 'web',
    task: name,
    host,
    container: `shop-web-${name}`,
    spec: {
      image: 'web:1',
      env: {},
      secrets: ['DB_PASSWORD'],
      ports: [],
      volumes: [],
      labels: {},
      restart: 'unless-stopped',
    },
    secretHashes: {},
    hash: 'h',
  };
}

export const project = {
  dir: '/nonexistent',
  inventory: {
    name: 'test',
    file: '/nonexistent/inventories/test.yml',
    hosts: {
      h1: { name: 'h1', address: '127.0.0.11' },
      h2: { name: 'h2', address: '127.0.0.12' },
    },
    groups: {},
    vars: {},
    notify: [],
    hooks: {},
  },
  services: [
    {
      service: 'shop',
      file: '',
      dependsOn: [],
      jobs: [
        {
          service: 'shop',
          job: 'web',
          dependsOn: [],
          update: {},
          tasks: [task('web-1', 'h1'), task('web-2', 'h2')],
        },
      ],
    },
  ],
  secrets: {},
  warnings: [],
} as unknown as Project;

export const report: StatusReport = {
  tasks: [
    {
      service: 'shop',
      job: 'web',
      task: 'web-1',
      host: 'h1',
      address: '127.0.0.11',
      container: 'shop-web-web-1',
      image: `web:1${EVIL}`,
      desired_image: 'web:1',
      state: 'running',
      health: 'healthy',
      drift: true,
      drift_fields: ['env.A'],
      orphan: false,
      started_at: null,
      uptime_ms: 65_000,
      restarts: 0,
      version: null,
      container_id: 'abc',
    },
    {
      service: 'shop',
      job: 'web',
      task: 'web-2',
      host: 'h2',
      address: '127.0.0.12',
      container: 'shop-web-web-2',
      image: null,
      desired_image: 'web:1',
      state: 'unknown',
      health: 'none',
      drift: false,
      drift_fields: [],
      orphan: false,
      started_at: null,
      uptime_ms: null,
      restarts: 0,
      version: null,
      container_id: null,
    },
  ],
  hosts: [
    { host: 'h1', address: '127.0.0.11', reachable: true, error: null },
    { host: 'h2', address: '127.0.0.12', reachable: false, error: `connect ECONNREFUSED ${EVIL}` },
  ],
  foreign: [],
};

/** The data side without SSH: what the server needs, with fixed answers. */
export function fakeData(): DashboardData {
  const calls: string[] = [];
  return {
    project,
    calls,
    status: async () => report,
    hosts: async () => [],
    history: async () => ({ entries: [], problems: [] }),
    hasJob: (s: string, j: string) => s === 'shop' && j === 'web',
    findTask: (s: string, j: string, t: string) =>
      project.services[0]!.jobs[0]!.tasks.find((x) => s === 'shop' && j === 'web' && x.task === t),
    logs: async () => ({ ok: true, value: [{ time: null, stream: 'stdout', text: EVIL }] }),
    inspect: async () => ({
      ok: true,
      value: { inspect: [{ Config: { Env: ['DB_PASSWORD=<redacted>'] } }], values: [] },
    }),
  } as unknown as DashboardData;
}
