/** Figures as the benchmark prints and stores them: value, target, ratio to the target, and what it means. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineLine, type Machine } from './machine.js';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** Absent for figures reported without a target (e.g. tools/list bytes). */
  target?: { limit: number; kind: 'max' | 'min' };
  note?: string;
}

export interface Verdict {
  /** value ÷ limit: ≤ 1 meets a "max" target, ≥ 1 meets a "min" target. */
  ratio?: number;
  meets?: boolean;
}

export function verdict(figure: Figure): Verdict {
  if (!figure.target) return {};
  const ratio = figure.value / figure.target.limit;
  return { ratio, meets: figure.target.kind === 'max' ? ratio <= 1 : ratio >= 1 };
}

export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

function targetText(figure: Figure): string {
  if (!figure.target) return '—';
  return `${figure.target.kind === 'max' ? '≤' : '≥'} ${formatValue(figure.target.limit, figure.unit)}`;
}

function verdictText(figure: Figure): string {
  const { ratio, meets } = verdict(figure);
  if (ratio === undefined || !Number.isFinite(ratio)) return '';
  return `${ratio.toFixed(2)}× of limit, ${meets ? 'meets' : 'MISSES'}`;
}

export function printLine(figure: Figure): string {
  const parts = [
    figure.name.padEnd(58),
    formatValue(figure.value, figure.unit).padStart(12),
    `target ${targetText(figure)}`.padEnd(18),
    verdictText(figure),
  ];
  return parts.join('  ').trimEnd() + (figure.note ? `  (${figure.note})` : '');
}

export function markdownTable(figures: readonly Figure[]): string {
  const rows = figures.map(
    (figure) =>
      `| ${figure.name} | ${formatValue(figure.value, figure.unit)} | ${targetText(figure)} | ${verdictText(figure) || '—'} |${figure.note ? ` ${figure.note} |` : ' |'}`,
  );
  return ['| figure | value | target | ratio to limit | note |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function writeResults(
  dir: string,
  machine: Machine,
  figures: readonly Figure[],
  notes: string[],
): string {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replaceAll(':', '-').replace(/\..*/, '');
  const base = join(dir, `bench-${stamp}`);
  const results = figures.map((figure) => ({ ...figure, ...verdict(figure) }));
  writeFileSync(`${base}.json`, JSON.stringify({ machine, figures: results, notes }, null, 2) + '\n');
  const markdown = [
    `Machine: ${machineLine(machine)}`,
    '',
    markdownTable(figures),
    '',
    ...notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
  writeFileSync(`${base}.md`, markdown);
  writeFileSync(join(dir, 'latest.md'), markdown);
  return base;
}
