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

/** Offers only the chosen agent keys, in the chosen order. */
class OrderedAgent extends BaseAgent<ParsedKey> {
  constructor(
    private readonly inner: InstanceType<typeof OpenSSHAgent>,
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

function agentIdentities(agent: InstanceType<typeof OpenSSHAgent>): Promise<ParsedKey[]> {
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

export function createAuthenticator(inputs: AuthInputs): Authenticator {
  const { endpoint, keys } = inputs;
  const tried: string[] = [];
  const skipped: string[] = [];
  let serverMethods: string[] = [];
  let steps:
    | Promise<{
        steps: AuthStep[];
        agentKeys: ParsedKey[];
        agent?: InstanceType<typeof OpenSSHAgent>;
      }>
    | undefined;

  const prepare = async () => {
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
  };

  const nextMethod = async (): Promise<AnyAuthMethod | false> => {
    steps ??= prepare();
    const state = await steps;
    for (let step = state.steps.shift(); step; step = state.steps.shift()) {
      const username = endpoint.user;
      if (step.kind === 'agent' && state.agent) {
        const chosen = step.keys.map((i) => state.agentKeys[i]!);
        tried.push(`ssh-agent (${chosen.length} key${chosen.length === 1 ? '' : 's'})`);
        return { type: 'agent', username, agent: new OrderedAgent(state.agent, chosen) };
      }
      const [label, loaded] =
        step.kind === 'env-key'
          ? ['$DEPLOY_SSH_KEY', await keys.loadText(inputs.envKey ?? '', '$DEPLOY_SSH_KEY')]
          : step.kind === 'file'
            ? [step.path, await keys.load(step.path)]
            : ['', { skipped: '' }];
      if ('key' in loaded) {
        tried.push(label);
        return { type: 'publickey', username, key: loaded.key };
      }
      // Missing default key names are not worth mentioning; OpenSSH is silent too.
      const isDefault =
        step.kind === 'file' &&
        endpoint.identityFiles.indexOf(step.path) >= endpoint.explicitIdentities;
      if (label && !(isDefault && loaded.skipped === 'no such file'))
        skipped.push(`${label} (${loaded.skipped})`);
    }
    return false;
  };

  const handler: AuthHandlerMiddleware = (methodsLeft, _partial, next) => {
    if (methodsLeft) serverMethods = methodsLeft;
    if (methodsLeft && !methodsLeft.includes('publickey')) {
      next(false as never);
      return;
    }
    nextMethod().then(
      (method) => next(method as never),
      () => next(false as never),
    );
  };

  return {
    handler,
    describe() {
      const parts = [`tried ${tried.length > 0 ? tried.join(', ') : 'no key'}`];
      if (skipped.length > 0) parts.push(`skipped ${skipped.join(', ')}`);
      if (serverMethods.length > 0 && !serverMethods.includes('publickey')) {
        parts.push(`server allows only ${serverMethods.join(', ')}`);
      }
      return parts.join('; ');
    },
  };
}
