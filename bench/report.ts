/** The benchmark's table, for the terminal and as Markdown for docs/performance.md. */
import type { Metric } from './stats';

const fmt = (v: number | undefined | null): string => {
  if (v === undefined || v === null) return '';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US');
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
};

const spread = (min?: number, median?: number, p99?: number): string | null => (median === undefined ? null : `${fmt(min)} / ${fmt(median)} / ${fmt(p99)}`);

function target(m: Metric): string {
  if (m.target === null) return '';
  const subject = m.targetOn === 'ratio' ? 'ratio' : 'value';
  const limit = m.targetOn === 'ratio' ? `${m.target}×` : `${m.target}`;
  return `${subject} ${m.targetOp === '==' ? '=' : '≤'} ${limit}`;
}

const verdict = (m: Metric): string => (m.pass === null ? '' : m.pass ? 'ok' : 'MISSED');

export interface Row {
  metric: string;
  measured: string;
  floor: string;
  ratio: string;
  target: string;
  result: string;
  parts: string;
  unit: string;
}

export function rows(results: Record<string, Metric>): Row[] {
  return Object.entries(results).map(([key, m]) => ({
    metric: key,
    measured: spread(m.min, m.median, m.p99) ?? fmt(m.value),
    floor: spread(m.floorMin, m.floorMedian, m.floorP99) ?? fmt(m.floor),
    ratio: m.ratio === null ? '' : m.ratio.toFixed(2),
    target: target(m),
    result: verdict(m),
    parts: Object.entries(m.parts ?? {})
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(', '),
    unit: m.unit,
  }));
}

export function markdownTable(results: Record<string, Metric>): string {
  const head = '| metric | measured (min / median / p99) | floor (min / median / p99) | ratio | target | result | of which (medians) | unit |';
  const rule = '|---|---|---|---|---|---|---|---|';
  const body = rows(results).map((r) => `| \`${r.metric}\` | ${r.measured} | ${r.floor} | ${r.ratio} | ${r.target} | ${r.result} | ${r.parts} | ${r.unit} |`);
  return [head, rule, ...body].join('\n');
}
