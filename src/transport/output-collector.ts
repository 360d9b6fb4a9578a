/**
 * What a transport keeps of one stream of a remote command's output. Most commands print
 * little, but a command can print without bound (`docker logs` of a chatty container, a
 * `--tail 30` of 30 huge lines); holding it all would exhaust memory, and a string past
 * V8's limit (~512 MiB) throws inside the channel's close handler. So a collector keeps the
 * first and the last half of its cap and counts what it dropped in between; `text()` puts
 * a marker where the bytes were elided. Streaming readers (onStdout/onStderr) see every
 * byte whatever the cap.
 */

/** Per stream: 64 MiB (32 MiB head + 32 MiB tail). */
export const MAX_COLLECTED_BYTES = 64 * 1024 * 1024;

export class OutputCollector {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  private readonly headCap: number;
  private readonly tailCap: number;

  constructor(cap: number = MAX_COLLECTED_BYTES) {
    this.headCap = Math.ceil(cap / 2);
    this.tailCap = Math.floor(cap / 2);
  }

  /** Bytes pushed so far, kept or not. */
  get seen(): number {
    return this.total;
  }

  /** Bytes dropped between the head and the tail. */
  get elided(): number {
    return this.total - this.headBytes - this.tailBytes;
  }

  push(chunk: Buffer): void {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.headCap) {
      const take = rest.subarray(0, this.headCap - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length === 0 || this.tailCap === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    let over = this.tailBytes - this.tailCap;
    if (over <= 0) return;
    let drop = 0;
    while (drop < this.tail.length && this.tail[drop]!.length <= over) {
      over -= this.tail[drop]!.length;
      this.tailBytes -= this.tail[drop]!.length;
      drop++;
    }
    if (drop > 0) this.tail = this.tail.slice(drop);
    if (over > 0) {
      // Copy the kept part: a view would pin the whole chunk.
      this.tail[0] = Buffer.from(this.tail[0]!.subarray(over));
      this.tailBytes -= over;
    }
  }

  /** The output as UTF-8 (decoded after joining, so no character is split between chunks). */
  text(): string {
    const elided = this.elided;
    if (elided === 0) return Buffer.concat([...this.head, ...this.tail]).toString('utf8');
    return (
      Buffer.concat(this.head).toString('utf8') +
      `\n… ${elided} bytes elided …\n` +
      Buffer.concat(this.tail).toString('utf8')
    );
  }
}
