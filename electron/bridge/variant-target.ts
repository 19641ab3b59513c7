import path from 'node:path';

/**
 * The path several variants of one request share: the same folder, extension and name once a trailing `-N` is
 * removed (`hero-1.webp`, `hero-2.webp` → `hero.webp`; unnamed generations end in their seed, `red-fox-1234.png`).
 * Undefined when there are fewer than two or they do not share one.
 */
export function variantTarget(paths: readonly string[]): string | undefined {
  if (paths.length < 2) return undefined;
  const targets = new Set(paths.map(withoutCounter));
  if (targets.size !== 1) return undefined;
  const [target] = targets;
  return target;
}

function withoutCounter(file: string): string | undefined {
  const extension = path.extname(file);
  const stem = path.basename(file, extension);
  const shared = stem.replace(/-\d+$/u, '');
  if (shared === stem || shared === '') return undefined;
  return path.join(path.dirname(file), shared + extension);
}
