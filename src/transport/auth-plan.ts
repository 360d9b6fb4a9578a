/**
 * The order in which credentials are offered, as OpenSSH does it (pure). sshd counts
 * every rejected key against MaxAuthTries (6), so the keys the user named go first.
 */
export interface AuthPlanInput {
  /** Public key blobs the agent holds, in the agent's order; undefined: no agent. */
  agentKeys?: readonly Buffer[];
  /** $DEPLOY_SSH_KEY is set. */
  envKey: boolean;
  /** Identity files in config order, with their public blob when it could be read. */
  identityFiles: ReadonlyArray<{ path: string; publicKey?: Buffer }>;
  /** ssh config IdentitiesOnly: agent keys not named by an identity file are not offered. */
  identitiesOnly: boolean;
}

export type AuthStep =
  | { kind: 'agent'; keys: number[] } // indexes into agentKeys, in offering order
  | { kind: 'env-key' }
  | { kind: 'file'; path: string };

export function planAuth(input: AuthPlanInput): AuthStep[] {
  const steps: AuthStep[] = [];
  const agentKeys = input.agentKeys ?? [];
  const named: number[] = [];
  const inAgent = new Set<string>();
  for (const file of input.identityFiles) {
    if (!file.publicKey) continue;
    const i = agentKeys.findIndex((k) => k.equals(file.publicKey!));
    if (i >= 0 && !named.includes(i)) {
      named.push(i);
      inAgent.add(file.path);
    }
  }
  const others = input.identitiesOnly
    ? []
    : agentKeys.map((_, i) => i).filter((i) => !named.includes(i));
  const order = [...named, ...others];
  if (order.length > 0) steps.push({ kind: 'agent', keys: order });
  if (input.envKey) steps.push({ kind: 'env-key' });
  for (const file of input.identityFiles) {
    if (!inAgent.has(file.path)) steps.push({ kind: 'file', path: file.path });
  }
  return steps;
}
