/**
 * Feeds ssh2's `authHandler` the steps of `planAuth`, loading keys only when their turn
 * comes, and keeps a record of what was offered for the error message.
 */
import ssh2 from 'ssh2';
import type {
  AnyAuthMethod,
  AuthHandlerMiddleware,
  IdentityCallback,
  ParsedKey,
  SignCallback,
  SigningRequestOptions,
} from 'ssh2';
import { planAuth, type AuthStep } from './auth-plan.js';
import type { Endpoint } from './endpoint.js';
import type { KeyStore } from './key-store.js';

const { BaseAgent, OpenSSHAgent } = ssh2;
type Agent = InstanceType<typeof OpenSSHAgent>;

/** Offers only the chosen agent keys, in the chosen order. */
class OrderedAgent extends BaseAgent<ParsedKey> {
  constructor(
    private readonly inner: Agent,
    private readonly keys: ParsedKey[],
  ) {
    super();
  }
  getIdentities(cb: IdentityCallback<ParsedKey>): void {
    cb(undefined, this.keys);
  }
  sign(
    pubKey: ParsedKey,
    data: Buffer,
    options: SigningRequestOptions | SignCallback,
    cb?: SignCallback,
  ): void {
    if (typeof options === 'function') this.inner.sign(pubKey, data, options);
    else this.inner.sign(pubKey, data, options, cb);
  }
}

function agentIdentities(agent: Agent): Promise<ParsedKey[]> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve([]), 5000);
    agent.getIdentities((err, keys) => {
      clearTimeout(timer);
      resolve(err || !keys ? [] : (keys as ParsedKey[]));
    });
  });
}

export interface AuthInputs {
  endpoint: Endpoint;
  keys: KeyStore;
  agentSocket?: string;
  envKey?: string;
}

export interface Authenticator {
  handler: AuthHandlerMiddleware;
  /** "tried ssh-agent (2 keys), /root/.ssh/id_ed25519; skipped …" */
  describe(): string;
}

/** The plan for one connection, with the agent and its keys the plan's indexes point at. */
interface Prepared {
  steps: AuthStep[];
  agentKeys: ParsedKey[];
  agent?: Agent;
}

/** Asks the agent for its keys and reads the identity files' public halves, then plans. */
async function prepare(inputs: AuthInputs): Promise<Prepared> {
  const { endpoint, keys } = inputs;
  const agent = inputs.agentSocket ? new OpenSSHAgent(inputs.agentSocket) : undefined;
  const agentKeys = agent ? await agentIdentities(agent) : [];
  const identityFiles = await Promise.all(
    endpoint.identityFiles.map(async (path) => {
      const publicKey = await keys.publicKey(path);
      return publicKey ? { path, publicKey } : { path };
    }),
  );
  const plan = planAuth({
    ...(agent ? { agentKeys: agentKeys.map((k) => k.getPublicSSH()) } : {}),
    envKey: Boolean(inputs.envKey),
    identityFiles,
    identitiesOnly: endpoint.identitiesOnly,
  });
  return { steps: plan, agentKeys, ...(agent ? { agent } : {}) };
}

/** What was offered and skipped, and what the server allows: the words of the error. */
class AuthLog {
  readonly tried: string[] = [];
  readonly skipped: string[] = [];
  serverMethods: string[] = [];

  describe(): string {
    const parts = [`tried ${this.tried.length > 0 ? this.tried.join(', ') : 'no key'}`];
    if (this.skipped.length > 0) parts.push(`skipped ${this.skipped.join(', ')}`);
    if (this.serverMethods.length > 0 && !this.serverMethods.includes('publickey')) {
      parts.push(`server allows only ${this.serverMethods.join(', ')}`);
    }
    return parts.join('; ');
  }
}

/** The ssh2 method of one step; undefined when its key cannot be loaded (logged as skipped). */
async function methodOf(
  step: AuthStep,
  state: Prepared,
  inputs: AuthInputs,
  log: AuthLog,
): Promise<AnyAuthMethod | undefined> {
  const { endpoint, keys } = inputs;
  const username = endpoint.user;
  if (step.kind === 'agent' && state.agent) {
    const chosen = step.keys.map((i) => state.agentKeys[i]!);
    log.tried.push(`ssh-agent (${chosen.length} key${chosen.length === 1 ? '' : 's'})`);
    return { type: 'agent', username, agent: new OrderedAgent(state.agent, chosen) };
  }
  const [label, loaded] =
    step.kind === 'env-key'
      ? ['$DEPLOY_SSH_KEY', await keys.loadText(inputs.envKey ?? '', '$DEPLOY_SSH_KEY')]
      : step.kind === 'file'
        ? [step.path, await keys.load(step.path)]
        : ['', { skipped: '' }];
  if ('key' in loaded) {
    log.tried.push(label);
    return { type: 'publickey', username, key: loaded.key };
  }
  // Missing default key names are not worth mentioning; OpenSSH is silent too.
  const isDefault =
    step.kind === 'file' &&
    endpoint.identityFiles.indexOf(step.path) >= endpoint.explicitIdentities;
  if (label && !(isDefault && loaded.skipped === 'no such file'))
    log.skipped.push(`${label} (${loaded.skipped})`);
  return undefined;
}

export function createAuthenticator(inputs: AuthInputs): Authenticator {
  const log = new AuthLog();
  let prepared: Promise<Prepared> | undefined;

  /** The next step that yields a method; the plan is made on the first call. */
  const nextMethod = async (): Promise<AnyAuthMethod | false> => {
    prepared ??= prepare(inputs);
    const state = await prepared;
    for (let step = state.steps.shift(); step; step = state.steps.shift()) {
      const method = await methodOf(step, state, inputs, log);
      if (method) return method;
    }
    return false;
  };

  const handler: AuthHandlerMiddleware = (methodsLeft, _partial, next) => {
    if (methodsLeft) log.serverMethods = methodsLeft;
    if (methodsLeft && !methodsLeft.includes('publickey')) {
      next(false as never);
      return;
    }
    nextMethod().then(
      (method) => next(method as never),
      () => next(false as never),
    );
  };

  return { handler, describe: () => log.describe() };
}
