/**
 * Asks for a key passphrase on the terminal without echoing it. Used only when stdin
 * and stderr are TTYs; CI uses $DEPLOY_SSH_PASSPHRASE instead.
 */
export function ttyPassphrasePrompt():
  ((question: string) => Promise<string | undefined>) | undefined {
  const input = process.stdin;
  const output = process.stderr;
  if (!input.isTTY || !output.isTTY) return undefined;
  return (question) =>
    new Promise((resolve) => {
      output.write(question);
      const wasRaw = input.isRaw;
      input.setRawMode(true);
      input.resume();
      let answer = '';
      const onData = (chunk: Buffer): void => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') return finish(answer);
          if (ch === '\u0003' || ch === '\u0004') return finish(undefined);
          if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
          else answer += ch;
        }
      };
      const finish = (value: string | undefined): void => {
        input.off('data', onData);
        input.setRawMode(wasRaw);
        input.pause();
        output.write('\n');
        resolve(value);
      };
      input.on('data', onData);
    });
}
