// The text mirror of tool results: what an agent that reads only text sees. Pure renderers, no server needed.
import { describe, expect, it } from 'vitest';
import { renderBatchStatus, renderGenerateImage } from '../../electron/mcp/results.js';
import type { BatchStatus, GenerateImageResult } from '../../electron/mcp/tool-results.js';

const textOf = (result: { content: unknown[] }) =>
  result.content
    .filter((block): block is { type: 'text'; text: string } => (block as { type: string }).type === 'text')
    .map((block) => block.text)
    .join('\n');

const reason =
  'no project folder (send roots or project_dir): relative save_path resolved in the output folder';

describe('the web variants in the text of a result', () => {
  it('follow the saved file as a sentence of their own, not run on into its reason', () => {
    const result: GenerateImageResult = {
      status: 'completed',
      batch_id: 'b-1',
      images: [
        {
          path: '/out/hero.jpg',
          width: 1024,
          height: 1024,
          format: 'jpeg',
          seed: 7,
          bytes: 10,
          workflow: 'sd15',
          backend: 'http://127.0.0.1:8188',
          saved_to_reason: reason,
          web: { status: 'pending', batch_id: 'b-1' },
        },
      ],
    };
    expect(textOf(renderGenerateImage(result, { preview: false }))).toBe(
      `Saved /out/hero.jpg (1024x1024 jpeg, seed 7); ${reason}. ` +
        'Web variants are still being made: check_batch_status "b-1" reports them.',
    );
  });

  it('end a batch item line the same way, whatever their state', () => {
    const status: BatchStatus = {
      batch_id: 'b-2',
      done: true,
      total: 2,
      completed: 2,
      pending: 0,
      running: 0,
      failed: 0,
      cancelled: 0,
      items: [
        { index: 0, status: 'completed', path: '/out/a.png', web: { status: 'done', variants: [] } },
        {
          index: 1,
          status: 'completed',
          path: '/out/b.png',
          saved_to_reason: reason,
          web: { status: 'failed', error: { code: 'web_failed', message: 'The disk is full.' } },
        },
      ],
    };
    expect(textOf(renderBatchStatus(status)).split('\n').slice(1)).toEqual([
      '#0: /out/a.png. Web: 0 variants; the <picture> snippet is in web.html.',
      `#1: /out/b.png; ${reason}. Web variants failed: The disk is full.`,
    ]);
  });
});
