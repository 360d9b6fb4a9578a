/**
 * Waits for the machine to settle before a group of timed rows: bringing up 100 sshd, or
 * Ansible's forks winding down, leave seconds of busy CPU behind, and on two cores that
 * moves a 10-host ratio by ±0.3. Reads the busy share of all CPUs from /proc/stat.
 */
import { readFileSync } from 'node:fs';

function cpuTimes(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

/** Busy share (0–1) of all CPUs over `ms`. */
export async function busyShare(ms: number): Promise<number> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

/** Waits until the CPUs are at most `maxBusy` busy over half a second (or `timeoutMs`
 * passed); returns how long it waited and the last busy share seen. */
export async function settle(
  maxBusy = 0.15,
  timeoutMs = 30_000,
): Promise<{ waitedMs: number; busy: number }> {
  const start = Date.now();
  let busy = await busyShare(500);
  while (busy > maxBusy && Date.now() - start < timeoutMs) busy = await busyShare(500);
  return { waitedMs: Date.now() - start, busy };
}
