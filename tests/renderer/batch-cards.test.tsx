import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/src/App.js';
import type { ApiClient } from '../../renderer/src/api/client.js';
import { batchCards, fileAndFolder, loadCleared, saveCleared } from '../../renderer/src/state/batches.js';
import { batchView, fakeClient, itemView, statusView } from './fixtures.js';

/*
 * Issue 15 §2, Batches: single-image calls grouped in one Recent card, finished batches collapsed, a clear action,
 * and each item's file, folder and whole prompt.
 */

const single = (id: string, createdAt: string, path: string) =>
  batchView(id, [itemView(0, { jobId: `${id}-job`, state: 'completed', imageId: `${id}-img`, path })], {
    priority: 'interactive',
    createdAt,
  });

describe('batch cards (pure)', () => {
  const older = batchView('b-old', [itemView(0, { state: 'completed' })], {
    createdAt: '2026-12-01T10:00:00Z',
  });
  const running = batchView('b-run', [itemView(0, { state: 'running' })], {
    createdAt: '2026-12-03T10:00:00Z',
  });
  const s1 = single('s-1', '2026-12-02T10:00:00Z', '/site/public/a.png');
  const s2 = single('s-2', '2026-12-02T11:00:00Z', '/site/public/b.png');

  it('puts every single call in one Recent card where its newest member is', () => {
    const cards = batchCards([running, s2, s1, older], new Set());
    expect(cards.map((card) => (card.kind === 'recent' ? 'recent' : card.batch.id))).toEqual([
      'b-run',
      'recent',
      'b-old',
    ]);
    expect(cards[1]).toEqual({ kind: 'recent', batches: [s2, s1] });
  });

  it('leaves out finished batches the user cleared, never a running one', () => {
    const cards = batchCards([running, s2, s1, older], new Set(['b-old', 's-1', 'b-run']));
    expect(cards).toEqual([
      { kind: 'batch', batch: running },
      { kind: 'recent', batches: [s2] },
    ]);
  });

  it('names the file and its folder', () => {
    expect(fileAndFolder('/site/public/images/hero.png')).toEqual({
      file: 'hero.png',
      folder: '/site/public/images',
    });
    expect(fileAndFolder('C:\\site\\hero.png')).toEqual({ file: 'hero.png', folder: 'C:\\site' });
    expect(fileAndFolder('/hero.png')).toEqual({ file: 'hero.png', folder: '/' });
  });

  it('keeps cleared ids in storage and reads damaged storage as none', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (key: string) => store.get(key) ?? null,
      setItem: (key: string, value: string) => void store.set(key, value),
    };
    saveCleared(storage, new Set(['a', 'b']));
    expect([...loadCleared(storage)]).toEqual(['a', 'b']);
    store.set('comfyui-mcp-bridge.cleared-batches', '{not json');
    expect(loadCleared(storage).size).toBe(0);
  });
});

function renderBatches(client: ApiClient) {
  window.location.hash = '#/batches';
  return render(<App client={client} />);
}

describe('the Batches view', () => {
  beforeEach(() => window.localStorage.clear());
  afterEach(cleanup);

  it('groups single calls, collapses a batch finished before it opened, and clears finished cards', async () => {
    const finished = batchView(
      'b-9',
      [
        itemView(0, { state: 'completed', imageId: 'i-0', path: '/site/public/shop/door.png' }),
        itemView(1, { state: 'completed', imageId: 'i-1', path: '/site/public/shop/fox.png' }),
      ],
      { createdAt: '2026-12-01T09:00:00Z' },
    );
    const batches = [
      single('s-2', '2026-12-02T11:00:00Z', '/site/public/images/hero.png'),
      single('s-1', '2026-12-02T10:00:00Z', '/site/public/images/card.png'),
      finished,
    ];
    const live = fakeClient({
      status: () => Promise.resolve(statusView()),
      batches: () => Promise.resolve({ batches }),
    });
    renderBatches(live.client);

    const recent = await screen.findByRole('article', { name: 'Recent single images' });
    expect(within(recent).getByText('2 of 2 done')).toBeTruthy();
    expect(within(recent).getByRole('button', { name: 'Open hero.png' })).toBeTruthy();
    expect(within(recent).getByRole('button', { name: 'Open card.png' })).toBeTruthy();
    // File and folder, and the whole prompt reachable by keyboard.
    expect(within(recent).getAllByText('/site/public/images', { exact: false })).toHaveLength(2);
    const prompt = within(recent).getAllByText(/a lighthouse at dusk/u)[0]!;
    expect(prompt.getAttribute('tabindex')).toBe('0');
    expect(prompt.getAttribute('title')).toBe('a lighthouse at dusk 0');
    // Each is its own call's only image: no "1" before every one of them.
    expect(recent.querySelectorAll('.item')).toHaveLength(2);
    expect(recent.querySelector('.item-index')).toBeNull();

    // Finished before the view opened: collapsed, one click away.
    const batch = screen.getByRole('article', { name: 'Batch b-9' });
    expect(within(batch).queryByRole('list')).toBeNull();
    fireEvent.click(within(batch).getByRole('button', { name: 'Show 2 images' }));
    expect(within(batch).getByRole('button', { name: 'Open Image 2' })).toBeTruthy();
    expect(within(batch).getByText('fox.png')).toBeTruthy();
    expect([...batch.querySelectorAll('.item-index')].map((index) => index.textContent)).toEqual(['1', '2']);

    fireEvent.click(screen.getByRole('button', { name: 'Clear finished' }));
    expect(screen.queryByRole('article')).toBeNull();
    expect(screen.getByText(/Finished batches cleared/u)).toBeTruthy();
    // Remembered by this browser: a reload shows them cleared too.
    cleanup();
    renderBatches(live.client);
    await screen.findByText(/Finished batches cleared/u);
    expect(screen.queryByRole('article')).toBeNull();
  });
});
