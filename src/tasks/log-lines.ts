import { StringDecoder } from 'node:string_decoder';

/** A longer line keeps its first this many characters and says how many it dropped. */
export const MAX_LINE_CHARS = 1024 * 1024;

/**
 * Turns a stream of chunks into whole lines. Chunks split lines (and UTF-8 sequences)
 * anywhere, so the tail of each chunk waits for the next one; `end()` gives the last
 * line when the stream did not end with a newline. One splitter per stream: stdout and
 * stderr of one command interleave freely. A line never holds more than MAX_LINE_CHARS
 * (a program printing without newlines cannot grow it without bound).
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private parts: string[] = [];
  private length = 0;
  private dropped = 0;

  constructor(private readonly maxChars: number = MAX_LINE_CHARS) {}

  push(chunk: Buffer | string): string[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) {
        this.add(text.slice(start));
        return lines;
      }
      this.add(text.slice(start, nl));
      lines.push(this.take());
      start = nl + 1;
    }
  }

  end(): string[] {
    this.add(this.decoder.end());
    if (this.length === 0 && this.dropped === 0) return [];
    return [this.take()];
  }

  private add(piece: string): void {
    if (piece === '') return;
    const room = this.maxChars - this.length;
    if (piece.length <= room) {
      this.parts.push(piece);
      this.length += piece.length;
    } else {
      if (room > 0) this.parts.push(piece.slice(0, room));
      this.length = this.maxChars;
      this.dropped += piece.length - Math.max(room, 0);
    }
  }

  private take(): string {
    const line = stripCr(this.parts.length === 1 ? this.parts[0]! : this.parts.join(''));
    const dropped = this.dropped;
    this.parts = [];
    this.length = 0;
    this.dropped = 0;
    return dropped > 0 ? `${line} … ${dropped} characters elided …` : line;
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
