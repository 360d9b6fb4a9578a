/**
 * One timeline from many time-ordered sources (each task's stdout and stderr), emitted while
 * they arrive. A line can go out once every source that is still open has a line waiting
 * (the smallest head is then the next in time); a source that is open but empty may still
 * send an older line, so the merge waits for it, but only within a window: when more than
 * `lines` lines or `chars` characters wait, the smallest goes out anyway. Up to the window
 * the order is exact; beyond it memory stays bounded and each source's own order is kept.
 * Ties go to the lower source index, so lines of one instant keep task order.
 */

export interface MergeWindow {
  lines: number;
  chars: number;
}

/** 10k lines or 8M characters waiting, whichever comes first. */
export const MERGE_WINDOW: MergeWindow = { lines: 10_000, chars: 8 * 1024 * 1024 };

/** Compaction threshold for a source's queue (its consumed prefix is dropped past this). */
const COMPACT_AT = 1024;

interface Item<T> {
  k0: number;
  k1: number;
  size: number;
  value: T;
}

interface Source<T> {
  queue: Item<T>[];
  head: number;
  ended: boolean;
}

export interface MergeOptions<T> {
  sources: number;
  emit: (value: T) => void;
  /** A sort key: [milliseconds, nanoseconds] (−Infinity sorts first). */
  key: (value: T) => readonly [number, number];
  /** What a waiting value costs against `window.chars`. */
  size: (value: T) => number;
  window?: MergeWindow;
}

export class BoundedMerge<T> {
  private readonly sources: Source<T>[];
  /** Indexes of sources with a waiting item, a min-heap by their head item. */
  private readonly heap: number[] = [];
  /** Sources still open with nothing waiting: the merge cannot know what they send next. */
  private open: number;
  private waitingLines = 0;
  private waitingChars = 0;
  private readonly window: MergeWindow;
  private peak = 0;

  constructor(private readonly options: MergeOptions<T>) {
    this.sources = Array.from({ length: options.sources }, () => ({
      queue: [],
      head: 0,
      ended: false,
    }));
    this.open = options.sources;
    this.window = options.window ?? MERGE_WINDOW;
  }

  /** The most lines that ever waited at once (for tests and measurements). */
  get peakWaiting(): number {
    return this.peak;
  }

  push(source: number, value: T): void {
    const s = this.sources[source];
    if (!s) throw new RangeError(`no merge source ${source}`);
    if (s.ended) throw new Error(`merge source ${source} has ended`);
    const [k0, k1] = this.options.key(value);
    const item: Item<T> = { k0, k1, size: this.options.size(value), value };
    const wasEmpty = s.head === s.queue.length;
    s.queue.push(item);
    this.waitingLines += 1;
    this.waitingChars += item.size;
    this.peak = Math.max(this.peak, this.waitingLines);
    if (wasEmpty) {
      this.open -= 1;
      this.heapPush(source);
    }
    this.drain();
  }

  /** No more values from this source. Idempotent. */
  end(source: number): void {
    const s = this.sources[source];
    if (!s || s.ended) return;
    s.ended = true;
    if (s.head === s.queue.length) this.open -= 1;
    this.drain();
  }

  /** Emits everything still waiting, in order (as if every source had ended). */
  flush(): void {
    for (let i = 0; i < this.sources.length; i++) this.end(i);
  }

  private drain(): void {
    while (
      this.heap.length > 0 &&
      (this.open === 0 ||
        this.waitingLines > this.window.lines ||
        this.waitingChars > this.window.chars)
    ) {
      this.emitSmallest();
    }
  }

  private emitSmallest(): void {
    const index = this.heap[0]!;
    const s = this.sources[index]!;
    const item = s.queue[s.head]!;
    s.head += 1;
    this.waitingLines -= 1;
    this.waitingChars -= item.size;
    if (s.head === s.queue.length) {
      s.queue = [];
      s.head = 0;
      this.heapPop();
      if (!s.ended) this.open += 1;
    } else {
      if (s.head >= COMPACT_AT && s.head * 2 >= s.queue.length) {
        s.queue = s.queue.slice(s.head);
        s.head = 0;
      }
      this.siftDown(0);
    }
    this.options.emit(item.value);
  }

  private less(a: number, b: number): boolean {
    const x = this.sources[a]!;
    const y = this.sources[b]!;
    const p = x.queue[x.head]!;
    const q = y.queue[y.head]!;
    if (p.k0 !== q.k0) return p.k0 < q.k0;
    if (p.k1 !== q.k1) return p.k1 < q.k1;
    return a < b;
  }

  private heapPush(source: number): void {
    const h = this.heap;
    h.push(source);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private heapPop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    this.siftDown(0);
  }

  private siftDown(start: number): void {
    const h = this.heap;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
