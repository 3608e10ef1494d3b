/**
 * Sample summaries and the shape of one line of bench/results.json. A metric
 * is `{ value, floor, ratio, target, unit }` (value and floor are medians),
 * plus min / median / p99 of both sides so runs can be compared in detail.
 */

export interface Summary {
  min: number;
  median: number;
  p99: number;
  n: number;
}

export interface Metric {
  value: number;
  floor: number | null;
  ratio: number | null;
  /** The limit; `targetOn` says whether it bounds the ratio or the value. */
  target: number | null;
  targetOn: 'ratio' | 'value' | null;
  /** `==` only for counts that must be exact (one refresh per storm). */
  targetOp: '<=' | '==' | null;
  pass: boolean | null;
  unit: string;
  min?: number;
  median?: number;
  p99?: number;
  samples?: number;
  floorMin?: number;
  floorMedian?: number;
  floorP99?: number;
  /** Medians of named parts of the measured side (same unit), e.g. the vault write. */
  parts?: Record<string, number>;
  /** What the figure includes or leaves out, in a few words. */
  note?: string;
}

export interface MetricOptions {
  unit: string;
  target?: TargetSpec;
  note?: string;
}

export interface TargetSpec {
  limit: number;
  on: 'ratio' | 'value';
  op?: '<=' | '==';
}

function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { min: s[0]!, median: median(s), p99: at(0.99), n: s.length };
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const round = (v: number, digits = 4): number => Math.round(v * 10 ** digits) / 10 ** digits;

function judge(target: TargetSpec | undefined, value: number, ratio: number | null): Pick<Metric, 'target' | 'targetOn' | 'targetOp' | 'pass'> {
  if (!target) return { target: null, targetOn: null, targetOp: null, pass: null };
  const op = target.op ?? '<=';
  const subject = target.on === 'ratio' ? ratio : value;
  const pass = subject === null ? null : op === '==' ? subject === target.limit : subject <= target.limit;
  return { target: target.limit, targetOn: target.on, targetOp: op, pass };
}

/** A measured side against its floor: value and floor are the medians. */
export function compared(
  measured: readonly number[],
  floor: readonly number[] | null,
  opts: MetricOptions & { parts?: Record<string, readonly number[]> },
): Metric {
  const m = summarize(measured);
  const f = floor ? summarize(floor) : null;
  const ratio = f && f.median > 0 ? round(m.median / f.median, 3) : null;
  const parts = opts.parts ? Object.fromEntries(Object.entries(opts.parts).map(([k, v]) => [k, round(summarize(v).median)])) : undefined;
  return {
    value: round(m.median),
    floor: f ? round(f.median) : null,
    ratio,
    ...judge(opts.target, m.median, ratio),
    unit: opts.unit,
    min: round(m.min),
    median: round(m.median),
    p99: round(m.p99),
    samples: m.n,
    ...(f ? { floorMin: round(f.min), floorMedian: round(f.median), floorP99: round(f.p99) } : {}),
    ...(parts ? { parts } : {}),
    ...(opts.note ? { note: opts.note } : {}),
  };
}

/** A single figure (a size, a count) with no sample distribution. */
export function single(value: number, opts: MetricOptions & { floor?: number }): Metric {
  const floor = opts.floor ?? null;
  const ratio = floor !== null && floor > 0 ? round(value / floor, 3) : null;
  return { value, floor, ratio, ...judge(opts.target, value, ratio), unit: opts.unit, ...(opts.note ? { note: opts.note } : {}) };
}

/** Runs `a` and `b` `n` times each, alternating which goes first (ABBA) so drift hits both alike. */
export async function interleave(n: number, a: () => Promise<number>, b: () => Promise<number>): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < n; i += 1) {
    if (i % 2 === 0) {
      out.a.push(await a());
      out.b.push(await b());
    } else {
      out.b.push(await b());
      out.a.push(await a());
    }
  }
  return out;
}
