import type { ResolvedTask } from '../../../src/inventory/model.js';

/** The SPEC §1 example's web-1 task, resolved. */
export function webTask(overrides: Partial<ResolvedTask> = {}): ResolvedTask {
  return {
    service: 'coding',
    job: 'web',
    task: 'web-1',
    host: 'host-1',
    container: 'coding-web-web-1',
    spec: {
      image: 'registry.example.com/coding/web:1.0.0',
      command: ['/app/web', '--port', '80'],
      env: { REDIS_HOST: 'cache.coding', LOG_LEVEL: 'info' },
      secrets: ['DB_PASSWORD'],
      ports: ['8080:80/tcp'],
      volumes: ['/srv/web:/data'],
      labels: { team: 'core' },
      restart: 'unless-stopped',
      cpus: 1.5,
      memoryBytes: 536870912,
      healthcheck: {
        test: ['CMD-SHELL', 'wget -qO- http://localhost/health'],
        intervalMs: 2000,
        timeoutMs: 5000,
        retries: 15,
        startPeriodMs: 0,
      },
    },
    secretHashes: { DB_PASSWORD: 'sha256:0f1e' },
    hash: 'sha256:abc123',
    ...overrides,
  };
}
