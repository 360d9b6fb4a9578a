import { StringDecoder } from 'node:string_decoder';

/**
 * Turns a stream of chunks into whole lines. Chunks split lines (and UTF-8 sequences)
 * anywhere, so the tail of each chunk waits for the next one; `end()` gives the last
 * line when the stream did not end with a newline. One splitter per stream: stdout and
 * stderr of one command interleave freely.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  push(chunk: Buffer | string): string[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    return parts.map(stripCr);
  }

  end(): string[] {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return rest === '' ? [] : [stripCr(rest)];
  }
}

// Containers with a TTY write CRLF; the CR would only show up as an escaped \x0d.
function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** `docker logs --timestamps` prefixes RFC 3339 with up to nanoseconds and a space. */
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?/;

/** Splits docker's timestamp off a line; time is null when the line carries none. */
export function splitTimestamp(line: string): { time: string | null; text: string } {
  const m = STAMP.exec(line);
  if (!m) return { time: null, text: line };
  return { time: m[1]!, text: line.slice(m[0].length) };
}

/**
 * A sort key for docker's timestamps: RFC3339Nano drops trailing zeros of the fraction,
 * so the strings themselves do not sort; milliseconds plus nanoseconds do.
 */
export function timeKey(time: string | null): [number, number] {
  if (time === null) return [Number.NEGATIVE_INFINITY, 0];
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(time);
  if (!m) return [Number.NEGATIVE_INFINITY, 0];
  const ms = Date.parse(`${m[1]}${m[3]}`);
  const nanos = Number((m[2] ?? '').padEnd(9, '0').slice(0, 9));
  return [Number.isFinite(ms) ? ms : Number.NEGATIVE_INFINITY, nanos];
}

export function compareTimes(a: string | null, b: string | null): number {
  const [am, an] = timeKey(a);
  const [bm, bn] = timeKey(b);
  if (am !== bm) return am < bm ? -1 : 1;
  return an - bn;
}
