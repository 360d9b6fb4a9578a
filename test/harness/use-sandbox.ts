// The sandbox of the current `vitest run`, with its sshdLog() accessor restored.
import { inject } from 'vitest';
import { sandboxFrom, type Sandbox, type SandboxData } from './sandbox.js';

export function useSandbox(): Sandbox & SandboxData {
  return sandboxFrom(inject('sandbox'));
}
