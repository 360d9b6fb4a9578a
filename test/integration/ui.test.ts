/**
 * `deploy ui` in a real browser: the built CLI serves the dashboard for a config repo
 * deployed on the test bed, and playwright-core drives Debian's chromium through the
 * overview, a task (redacted inspect, logs, follow), a job's history with a spec diff, and
 * the hosts page; then the HTTP security rules and an unreachable host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEPLOY_BIN, runDeploy } from '../harness/run-deploy.js';
import { REPO_ROOT, startSshd, stopSshd } from '../harness/sandbox.js';
import { useSandbox } from '../harness/use-sandbox.js';
import { cleanup, docker, makeRepo } from './support/config-repo.js';

const sb = useSandbox();
const INVENTORY = 'uitest';
const SECRET = 'ui-s3cr3t-<b>"value"</b>';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'ui');
const [H1, H2, H3] = sb.hosts.map((h) => h.name) as [string, string, string];

const shopJob = `service: shop
jobs:
  web:
    image: \${vars.registry}/web:1
    secrets: [SHOP_TOKEN]
    env: { GREETING: "<script>alert(1)</script>" }
    healthcheck: { cmd: "wget -qO- http://localhost/health", interval: 1s, timeout: 2s, retries: 4 }
    update: { monitor: 0s }
    tasks:
      web-1: { host: ${H1} }
      web-2: { host: ${H2} }
      web-3: { host: ${H3} }
`;

interface Ui {
  child: ChildProcess;
  url: string;
  port: number;
  stderr: () => string;
  stdout: () => string;
}

/** Starts the built `deploy ui` on a free loopback port (port 0: it prints the one it got). */
async function startUi(repo: string, extra: string[] = []): Promise<Ui> {
  const child = spawn(
    process.execPath,
    [DEPLOY_BIN, '-C', repo, '-i', INVENTORY, 'ui', '--listen', '127.0.0.1:0', ...extra],
    {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`deploy ui did not start: ${err}`)), 20_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`deploy ui exited ${code}: ${err}`)));
  });
  return { child, url, port: Number(new URL(url).port), stderr: () => err, stdout: () => out };
}

async function stopUi(ui: Ui): Promise<number | null> {
  if (ui.child.exitCode !== null) return ui.child.exitCode;
  const exited = new Promise<number | null>((r) => ui.child.once('exit', (code) => r(code)));
  ui.child.kill('SIGTERM');
  return exited;
}

function raw(
  port: number,
  path: string,
  opts: { method?: string; host?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: opts.host ?? `127.0.0.1:${port}`, ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Waits for the element, then its text. */
async function text(locator: Locator): Promise<string> {
  await locator.waitFor({ timeout: 15_000 });
  return (await locator.textContent()) ?? '';
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

describe('deploy ui on the test bed', () => {
  let repo: string;
  let ui: Ui;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    expect(
      existsSync('/usr/bin/chromium'),
      'Debian chromium is needed: apt-get install -y chromium (.ci/run installs it)',
    ).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    cleanup(sb, INVENTORY);
    repo = makeRepo(sb, {
      inventory: INVENTORY,
      jobs: { shop: shopJob },
      secrets: { SHOP_TOKEN: SECRET },
    });
    const up = await runDeploy(['-C', repo, '-i', INVENTORY, 'up'], {
      cwd: repo,
      env: { SHOP_TOKEN: SECRET },
      timeoutMs: 180_000,
    });
    expect(up.code, up.stderr).toBe(0);
    // A second, different spec in the ledger so history has something to diff.
    const file = join(repo, 'ledger', 'shop.jsonl');
    const first = JSON.parse(readFileSync(file, 'utf8').trim().split('\n')[0]!) as Record<
      string,
      unknown
    > & {
      id: string;
      time: string;
      spec: { jobs: { web: { tasks: { spec: { image: string } }[] } } };
      tasks: { image: string }[];
    };
    const next = structuredClone(first);
    next.id = `${first.id.slice(0, 20)}ZZZZZZ`;
    next.time = new Date(Date.parse(first.time) + 60_000).toISOString();
    next.action = 'update';
    for (const t of next.spec.jobs.web.tasks) t.spec.image = t.spec.image.replace('web:1', 'web:2');
    for (const t of next.tasks) t.image = t.image.replace('web:1', 'web:2');
    appendFileSync(file, JSON.stringify(next) + '\n');
    // web-2 stopped behind deploy's back: the overview must say exited.
    docker(sb, H2, ['stop', '-t', '1', 'shop-web-web-2']);
    ui = await startUi(repo);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });

  afterAll(async () => {
    await browser?.close();
    if (ui) expect(await stopUi(ui)).toBe(0);
    cleanup(sb, INVENTORY);
  });

  test('the overview lists every task with its state and the security headers', async () => {
    const res = await page.goto(ui.url);
    expect(res!.status()).toBe(200);
    const h = res!.headers();
    expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(h['content-security-policy']).toContain("default-src 'none'");
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['access-control-allow-origin']).toBeUndefined();
    const state = (task: string) =>
      page.locator(`tr[data-task="shop/web/${task}"]`).getAttribute('data-state');
    expect(await state('web-1')).toBe('running');
    expect(await state('web-2')).toBe('exited');
    expect(await state('web-3')).toBe('running');
    expect(await text(page.locator('tr[data-task="shop/web/web-1"] .badge').first())).toBe(
      'running',
    );
    expect(await page.locator('.host-unreachable').count()).toBe(0);
    await shot(page, 'overview');
    // The README's screenshot: refreshed on demand only, so a test run leaves git clean.
    const docsShot = join(REPO_ROOT, 'docs', 'ui.png');
    if (process.env.UPDATE_UI_SCREENSHOT === '1' || !existsSync(docsShot))
      await page.screenshot({ path: docsShot });
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await phone.goto(ui.url);
    await shot(phone, 'overview-phone');
    await phone.close();
  });

  test('a task shows redacted inspect and its logs, and follow re-fetches them', async () => {
    await page.goto(ui.url);
    await page.click('tr[data-task="shop/web/web-1"] a');
    await page.waitForURL(/\/task\/shop\/web\/web-1$/);
    const inspect = await page.locator('#inspect').textContent();
    expect(inspect).toContain('SHOP_TOKEN=<redacted>');
    expect(inspect).toContain('GREETING=<script>alert(1)</script>');
    expect(inspect).not.toContain('ui-s3cr3t');
    // The test image prints its environment at start: the secret value is masked there too.
    const logs = await page.locator('#logs').textContent();
    expect(logs).toContain('web 1 starting');
    expect(logs).toContain('SHOP_TOKEN=<redacted>');
    expect(logs).not.toContain('ui-s3cr3t');
    // The env value containing <script> stays text: no script element came from it.
    expect(await page.locator('#logs script, #inspect script').count()).toBe(0);
    const refetch = page.waitForResponse(
      (r) => r.url().endsWith('/api/task/shop/web/web-1/logs') && r.status() === 200,
    );
    await page.check('#follow');
    const body = (await (await refetch).json()) as { lines: { text: string }[] };
    expect(body.lines.some((l) => l.text.includes('web 1 starting'))).toBe(true);
    // The follow script replaced the log with what it fetched (it marks the element).
    await page.locator('#logs[data-updated]').waitFor();
    expect(await text(page.locator('#logs'))).toContain('web 1 starting');
    await shot(page, 'task');
  });

  test('history shows the ledger entries of this inventory and a diff between two specs', async () => {
    await page.goto(`${ui.url}history/shop/web`);
    const rows = page.locator('table.history tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await text(rows.first())).toContain('update');
    expect(await text(rows.last())).toContain('up');
    await page.click('a.diff-link');
    expect(await text(page.locator('#diff .del').first())).toContain('web:1');
    expect(await text(page.locator('#diff .add').first())).toContain('web:2');
    await shot(page, 'history');
  });

  test('hosts shows cpus, memory and the deploy containers per host', async () => {
    await page.goto(`${ui.url}hosts`);
    for (const h of [H1, H2, H3])
      expect(await text(page.locator(`section.host[data-host="${h}"]`))).toContain('CPUs');
    expect(await text(page.locator(`section.host[data-host="${H1}"] table.containers`))).toContain(
      'shop-web-web-1',
    );
    await shot(page, 'hosts');
  });

  test('only GET/HEAD, only our Host, no path escapes', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await raw(ui.port, '/', { method });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET, HEAD');
    }
    expect((await raw(ui.port, '/', { method: 'HEAD' })).status).toBe(200);
    for (const p of [
      '/static/../../etc/passwd',
      '/static/%2e%2e/%2e%2e/etc/passwd',
      '/static/..%2f..%2fetc%2fpasswd',
      '/%2e%2e/%2e%2e/etc/passwd',
    ]) {
      const r = await raw(ui.port, p);
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain('root:');
    }
    expect((await raw(ui.port, '/', { host: 'evil.example' })).status).toBe(421);
    expect((await raw(ui.port, '/', { host: `rebind.example:${ui.port}` })).status).toBe(421);
    expect((await raw(ui.port, '/', { host: `localhost:${ui.port}` })).status).toBe(200);
    // `/.//evil.com` parses to the path `//evil.com`: no link may become scheme-relative.
    const odd = await raw(ui.port, '/.//evil.com');
    const hrefs = [...odd.body.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs).toContain('/evil.com');
    for (const href of hrefs) expect(href).toMatch(/^\/(?![/\\])/);
  });

  test('a stopped host shows unreachable while the others render, and comes back', async () => {
    // A live SSH session outlives its sshd listener, so a fresh server sees the dead host.
    await stopSshd(sb, H3);
    let second: Ui | undefined;
    try {
      second = await startUi(repo);
      await page.goto(second.url);
      expect(await text(page.locator(`.host-unreachable[data-host="${H3}"]`))).toContain(
        'unreachable',
      );
      expect(await page.locator('tr[data-task="shop/web/web-1"]').getAttribute('data-state')).toBe(
        'running',
      );
      expect(await page.locator('tr[data-task="shop/web/web-3"]').getAttribute('data-state')).toBe(
        'unknown',
      );
      await shot(page, 'overview-unreachable');
    } finally {
      await startSshd(sb, H3);
    }
    // The dashboard retries a failed host after a few seconds without a restart.
    const deadline = Date.now() + 30_000;
    let state: string | null = 'unknown';
    while (Date.now() < deadline && state !== 'running') {
      await new Promise((r) => setTimeout(r, 1000));
      await page.goto(second.url);
      state = await page.locator('tr[data-task="shop/web/web-3"]').getAttribute('data-state');
    }
    expect(state).toBe('running');
    expect(await stopUi(second)).toBe(0);
  });

  test('a non-loopback --listen needs --public; --public needs the token and hides logs and inspect', async () => {
    const refused = await runDeploy(['-C', repo, '-i', INVENTORY, 'ui', '--listen', '0.0.0.0:0']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--public');
    const pub = await startUi(repo, ['--public']);
    try {
      expect(pub.stderr()).toContain('warning');
      // The address is printed without the token; the token on a line of its own.
      expect(pub.url).toBe(`http://127.0.0.1:${pub.port}/`);
      for (let i = 0; i < 50 && !pub.stdout().includes('access token: '); i++)
        await new Promise((r) => setTimeout(r, 50));
      const token = /^access token: (\S+)$/m.exec(pub.stdout())?.[1];
      expect(token).toBeTruthy();
      expect(
        pub
          .stdout()
          .split('\n')
          .filter((l) => l.includes(token!)),
      ).toEqual([`access token: ${token}`]);
      expect((await raw(pub.port, '/')).status).toBe(401);
      // Moving ?token= into the cookie never redirects off this origin.
      const moved = await raw(pub.port, `/.//evil.com?token=${token}&refresh=5`);
      expect(moved.status).toBe(303);
      expect(moved.headers.location).toBe('/evil.com?refresh=5');
      expect(String(moved.headers['set-cookie'])).toContain(`deploy_ui_token_${pub.port}=`);
      const auth = { authorization: `Bearer ${token}` };
      const overview = await raw(pub.port, '/', { headers: auth });
      expect(overview.status).toBe(200);
      expect(overview.body).toContain('data-task="shop/web/web-1"');
      expect(overview.body).not.toContain('href="/task/');
      expect((await raw(pub.port, '/history/shop/web', { headers: auth })).status).toBe(200);
      expect((await raw(pub.port, '/task/shop/web/web-1', { headers: auth })).status).toBe(403);
      expect((await raw(pub.port, '/api/task/shop/web/web-1/logs', { headers: auth })).status).toBe(
        403,
      );
    } finally {
      expect(await stopUi(pub)).toBe(0);
    }
  });

  test('status --html writes one self-contained file', async () => {
    const file = join(repo, 'status.html');
    const r = await runDeploy(['-C', repo, '-i', INVENTORY, 'status', '--html', file]);
    expect(r.code, r.stderr).toBe(0);
    const out = readFileSync(file, 'utf8');
    expect(out).toContain('<style>');
    expect(out).toContain('data-task="shop/web/web-1" data-host="h1" data-state="running"');
    const tags = out.match(/<[a-z][^>]*>/gi) ?? [];
    expect(tags.filter((t) => /^<(link|script|img|iframe)|\s(src|href)=/i.test(t))).toEqual([]);
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`file://${file}`);
    await shot(page, 'status-report');
    await page.close();
  });

  test('many viewers at once cost one read per host (shared cache, single flight)', async () => {
    const v = await startUi(repo, ['-v']);
    try {
      const reads = () =>
        (v.stderr().match(/ps -aq --no-trunc --filter label=deploy.service/g) ?? []).length;
      const started = Date.now();
      const replies = await Promise.all(Array.from({ length: 20 }, () => raw(v.port, '/')));
      const elapsed = Date.now() - started;
      expect(replies.every((r) => r.status === 200)).toBe(true);
      expect(reads()).toBe(sb.hosts.length);
      process.stderr.write(`[ui] 20 concurrent overviews: ${elapsed} ms, ${reads()} host reads\n`);
    } finally {
      expect(await stopUi(v)).toBe(0);
    }
  });
});
