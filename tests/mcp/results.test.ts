// The text mirror of tool results: what an agent that reads only text sees. Pure renderers, no server needed.
import { describe, expect, it } from 'vitest';
import { renderBatchStatus, renderConvertImage, renderGenerateImage } from '../../electron/mcp/results.js';
import type {
  BatchStatus,
  ConvertImageResult,
  GenerateImageResult,
} from '../../electron/mcp/tool-results.js';

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
      '#0: /out/a.png. Web: 0 variants.',
      `#1: /out/b.png; ${reason}. Web variants failed: The disk is full.`,
    ]);
  });

  it("say where a favicon's tags and manifest icons are, without an alt draft its tags cannot use", () => {
    const html = '<link rel="icon" href="/favicon.ico" sizes="32x32">';
    const manifestIcons = [{ src: '/logo-192.png', sizes: '192x192', type: 'image/png' }];
    const web = { status: 'done' as const, purpose: 'favicon', variants: [], alt: 'Logo', html };
    const status: BatchStatus = {
      batch_id: 'b-3',
      done: true,
      total: 1,
      completed: 1,
      pending: 0,
      running: 0,
      failed: 0,
      cancelled: 0,
      items: [{ index: 0, status: 'completed', path: '/site/logo.png', web }],
    };
    expect(textOf(renderBatchStatus(status)).split('\n').slice(1)).toEqual([
      '#0: /site/logo.png. Web: 0 variants. Paste the <link> tags (web.html):',
      html,
    ]);
    const converted: ConvertImageResult = {
      converted: 1,
      failed: 0,
      results: [
        {
          path: '/site/logo.png',
          output_path: '/site/logo.webp',
          bytes_before: 20,
          bytes_after: 10,
          width: 600,
          height: 600,
          original_kept: true,
          web: { ...web, manifest_icons: manifestIcons },
        },
      ],
    };
    const text = textOf(renderConvertImage(converted));
    expect(text).toContain(
      `  web: 0 variants. Paste the <link> tags (web.html):\n${html}\nThe web app manifest's icons (web.manifest_icons): ${JSON.stringify(manifestIcons)}`,
    );
    expect(text).not.toContain('alt draft');
  });

  it('put the snippet itself in the text once made: clients that show only the text have it nowhere else', () => {
    const html = '<picture>\n  <img src="/hero-640.jpg" alt="A lake">\n</picture>';
    const generated: GenerateImageResult = {
      status: 'completed',
      batch_id: 'b-4',
      images: [
        {
          path: '/site/public/hero.png',
          width: 1024,
          height: 768,
          format: 'png',
          seed: 7,
          bytes: 10,
          workflow: 'sd15',
          backend: 'http://127.0.0.1:8188',
          web: { status: 'done', purpose: 'hero', variants: [], alt: 'A lake', html },
        },
      ],
    };
    expect(textOf(renderGenerateImage(generated, { preview: false })).split('\n')).toEqual([
      'Saved /site/public/hero.png (1024x768 png, seed 7). Web: 0 variants; alt draft: "A lake". Paste the <picture> snippet (web.html):',
      ...html.split('\n'),
    ]);
  });

  it("give a running batch's made snippets once, with its last status, not at every poll", () => {
    const html = '<picture><img src="/a-640.jpg" alt="A"></picture>';
    const web = { status: 'done' as const, purpose: 'card', variants: [], alt: 'A', html };
    const status = (done: boolean): BatchStatus => ({
      batch_id: 'b-5',
      done,
      total: 2,
      completed: done ? 2 : 1,
      pending: 0,
      running: done ? 0 : 1,
      failed: 0,
      cancelled: 0,
      items: [{ index: 0, status: 'completed', path: '/site/a.png', web }],
    });
    expect(
      textOf(renderBatchStatus(status(false)))
        .split('\n')
        .slice(1),
    ).toEqual(["#0: /site/a.png. Web: 0 variants; the snippet comes with the batch's last status."]);
    expect(
      textOf(renderBatchStatus(status(true)))
        .split('\n')
        .slice(1),
    ).toEqual([
      '#0: /site/a.png. Web: 0 variants; alt draft: "A". Paste the <picture> snippet (web.html):',
      html,
    ]);
  });
});
