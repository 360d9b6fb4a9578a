/** Dependency order of services and of a service's jobs: a DAG, cycles reported with their path. */

export class CycleError extends Error {
  constructor(readonly cycle: string[]) {
    super(`dependency cycle: ${cycle.join(' -> ')}`);
    this.name = 'CycleError';
  }
}

/** The first cycle found, as `[a, b, a]`, or undefined. Unknown names are ignored here. */
export function findCycle(
  items: readonly { name: string; dependsOn: readonly string[] }[],
): string[] | undefined {
  const deps = new Map(items.map((i) => [i.name, i.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    const s = state.get(name);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const d of deps.get(name) ?? []) {
      if (!deps.has(d)) continue;
      const found = visit(d);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const item of items) {
    const found = visit(item.name);
    if (found) return found;
  }
  return undefined;
}

/**
 * Dependencies first; among independent items the given order is kept, so output is
 * deterministic. Throws CycleError on a cycle.
 */
export function startOrder<T extends { name: string; dependsOn: readonly string[] }>(
  items: readonly T[],
): T[] {
  const cycle = findCycle(items);
  if (cycle) throw new CycleError(cycle);
  const byName = new Map(items.map((i) => [i.name, i]));
  const done = new Set<string>();
  const out: T[] = [];
  const visit = (item: T): void => {
    if (done.has(item.name)) return;
    done.add(item.name);
    for (const d of item.dependsOn) {
      const dep = byName.get(d);
      if (dep) visit(dep);
    }
    out.push(item);
  };
  items.forEach(visit);
  return out;
}

/** Dependants first: the reverse of the start order. */
export function stopOrder<T extends { name: string; dependsOn: readonly string[] }>(
  items: readonly T[],
): T[] {
  return startOrder(items).reverse();
}
