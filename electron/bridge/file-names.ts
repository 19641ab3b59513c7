import type { OutputFormat } from '../../shared/generation.js';
import { extensionFor } from '../images/format.js';

/**
 * A readable file name for an image the agent did not name: the prompt's first words and the seed, so a
 * folder of generations sorts and reads sensibly ("red-fox-in-snow-1234.png").
 */
export function defaultFileName(prompt: string, seed: number, format: OutputFormat, suffix = ''): string {
  const words = prompt
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
    .slice(0, 6);
  const stem = words.join('-').slice(0, 60).replace(/-+$/, '') || 'image';
  return `${stem}-${seed}${suffix}${extensionFor(format)}`;
}
