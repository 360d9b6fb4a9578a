import type { Inventory, Project, ResolvedService } from '../inventory/model.js';
import { UsageError } from '../shared/errors.js';

/**
 * Host or group names → inventory host names, in inventory order. No names: every host
 * of the inventory. An unknown name is a usage error (nothing contacted).
 */
export function resolveHostNames(inventory: Inventory, names: readonly string[]): string[] {
  const all = Object.keys(inventory.hosts);
  if (names.length === 0) return all;
  const wanted = new Set<string>();
  for (const n of names) {
    if (inventory.hosts[n]) wanted.add(n);
    else if (inventory.groups[n]) inventory.groups[n].forEach((h) => wanted.add(h));
    else {
      throw new UsageError(
        `unknown host or group "${n}" in inventory ${inventory.name}`,
        `hosts: ${all.join(', ')}${Object.keys(inventory.groups).length ? `; groups: ${Object.keys(inventory.groups).join(', ')}` : ''}`,
      );
    }
  }
  return all.filter((h) => wanted.has(h));
}

/**
 * The hosts a read of everything must look at (orphans can sit on any of them): every
 * inventory host except one used only as a `jump` for others, which is never read (§4).
 */
export function readableHosts(project: Project): string[] {
  const inv = project.inventory;
  const jumps = new Set(
    Object.values(inv.hosts)
      .map((h) => h.jump)
      .filter((j): j is string => Boolean(j)),
  );
  const withTasks = new Set(
    project.services.flatMap((s) => s.jobs.flatMap((j) => j.tasks.map((t) => t.host))),
  );
  return Object.keys(inv.hosts).filter((h) => withTasks.has(h) || !jumps.has(h));
}

/**
 * The hosts a read of a selection contacts (SPEC §4): a whole service (or `all`) can have
 * orphans anywhere, so without --host every readable host; otherwise the selected tasks'.
 */
export function hostsToRead(
  project: Project,
  selection: { kind: string; hosts: string[] },
  hostFilter: readonly string[],
): string[] {
  const wholeServices = selection.kind === 'all' || selection.kind === 'service';
  return wholeServices && hostFilter.length === 0 ? readableHosts(project) : selection.hosts;
}

/** The hosts the tasks of these services run on, first seen first: what a deploy contacts. */
export function taskHosts(services: readonly ResolvedService[]): string[] {
  return [...new Set(services.flatMap((s) => s.jobs.flatMap((j) => j.tasks.map((t) => t.host))))];
}
