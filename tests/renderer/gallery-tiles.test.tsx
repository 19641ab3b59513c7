import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../renderer/src/App.js';
import { fakeClient, galleryItem } from './fixtures.js';

/*
 * The gallery grid in jsdom: it has no layout, so the scroller is given a size and ResizeObserver reports it once,
 * as a browser does on observe.
 */
const sized = ['clientWidth', 'clientHeight', 'offsetWidth', 'offsetHeight'] as const;
const saved = sized.map((key) => Object.getOwnPropertyDescriptor(HTMLElement.prototype, key));
const savedScrollTo = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'scrollTo');
const savedResizeObserver = globalThis.ResizeObserver;

beforeAll(() => {
  for (const key of sized)
    Object.defineProperty(HTMLElement.prototype, key, { configurable: true, get: () => 800 });
  // jsdom has no scrolling either; the grid scrolls to the top when its filter changes.
  HTMLElement.prototype.scrollTo = () => undefined;
  globalThis.ResizeObserver = class {
    constructor(private readonly callback: ResizeObserverCallback) {}
    observe(target: Element) {
      const size = [{ inlineSize: 800, blockSize: 800 }];
      this.callback(
        [
          {
            target,
            borderBoxSize: size,
            contentBoxSize: size,
            contentRect: target.getBoundingClientRect(),
          } as unknown as ResizeObserverEntry,
        ],
        this,
      );
    }
    unobserve() {}
    disconnect() {}
  };
});
afterAll(() => {
  globalThis.ResizeObserver = savedResizeObserver;
  if (savedScrollTo) Object.defineProperty(HTMLElement.prototype, 'scrollTo', savedScrollTo);
  else delete (HTMLElement.prototype as Partial<HTMLElement>).scrollTo;
  sized.forEach((key, index) => {
    const descriptor = saved[index];
    if (descriptor) Object.defineProperty(HTMLElement.prototype, key, descriptor);
    else delete (HTMLElement.prototype as unknown as Record<string, unknown>)[key];
  });
});
afterEach(() => {
  cleanup();
  window.location.hash = '';
});

describe('gallery tiles', () => {
  it('shows "File moved or deleted" instead of a thumbnail for an entry whose file is not its own', async () => {
    const items = [
      galleryItem(1),
      galleryItem(2, { fileState: 'replaced', fileNote: 'another file is at its path' }),
      galleryItem(3, { fileState: 'missing' }),
    ];
    const live = fakeClient({ gallery: () => Promise.resolve({ items, total: 3 }) });
    window.location.hash = '#/gallery';
    render(<App client={live.client} />);

    const replaced = await screen.findByRole('button', { name: /^Open hero-2\.png \(replaced\)/ });
    expect(replaced.querySelector('.tile-problem')?.textContent).toBe(
      'File moved or deleted(another file is at its path)',
    );
    expect(replaced.querySelector('img')).toBeNull();
    const missing = screen.getByRole('button', { name: /^Open hero-3\.png \(missing\)/ });
    expect(missing.querySelector('.tile-problem')?.textContent).toBe('File moved or deleted');
    expect(missing.querySelector('img')).toBeNull();
    expect(screen.getByRole('button', { name: /^Open hero-1\.png: / }).querySelector('img')).not.toBeNull();
  });
});

describe('gallery names', () => {
  it('adds the folder to tiles whose file name another tile shares, and titles the lightbox the same way', async () => {
    const items = [
      galleryItem(1, { path: '/home/me/blog/public/hero.png' }),
      galleryItem(2, { path: '/home/me/shop/public/hero.png' }),
      galleryItem(3, { path: '/home/me/shop/public/logo.png' }),
    ];
    const live = fakeClient({ gallery: () => Promise.resolve({ items, total: 3 }) });
    window.location.hash = '#/gallery';
    render(<App client={live.client} />);

    const tiles = await screen.findAllByRole('button', { name: /^Open / });
    expect(tiles.map((tile) => tile.querySelector('.tile-caption')?.textContent)).toEqual([
      'blog/public/hero.png',
      'shop/public/hero.png',
      'logo.png',
    ]);
    fireEvent.click(tiles[1]!);
    expect(await screen.findByRole('dialog', { name: 'shop/public/hero.png' })).toBeTruthy();
  });
});

describe('lightbox keys', () => {
  it('steps from the first item with the arrow keys right after opening, and stops at both ends', async () => {
    const items = [galleryItem(1), galleryItem(2), galleryItem(3)];
    const live = fakeClient({ gallery: () => Promise.resolve({ items, total: 3 }) });
    window.location.hash = '#/gallery';
    render(<App client={live.client} />);

    fireEvent.click(await screen.findByRole('button', { name: /^Open hero-1\.png/ }));
    await screen.findByRole('dialog', { name: 'hero-1.png' });
    // Keys go where focus is: the lightbox took it on opening (not the disabled Previous button).
    const press = (key: string) => fireEvent.keyDown(document.activeElement!, { key });
    expect(screen.getByRole('dialog').contains(document.activeElement)).toBe(true);
    press('ArrowLeft');
    expect(screen.getByRole('dialog', { name: 'hero-1.png' })).toBeTruthy();
    press('ArrowRight');
    await screen.findByRole('dialog', { name: 'hero-2.png' });
    press('ArrowRight');
    await screen.findByRole('dialog', { name: 'hero-3.png' });
    press('ArrowRight');
    expect(screen.getByRole('dialog', { name: 'hero-3.png' })).toBeTruthy();
    press('ArrowLeft');
    await screen.findByRole('dialog', { name: 'hero-2.png' });
    press('Escape');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});

describe('gallery mode filter', () => {
  it('asks the API for the chosen mode, with the text filter, and badges edited tiles with their mode', async () => {
    const asked: { query?: string; mode?: string }[] = [];
    const edited = galleryItem(2, {
      edit: { mode: 'remove_background', source: '/home/me/site/public/logo.png' },
    });
    const live = fakeClient({
      gallery: (query) => {
        asked.push({
          ...(query.query ? { query: query.query } : {}),
          ...(query.mode ? { mode: query.mode } : {}),
        });
        const items = query.mode === 'remove_background' ? [edited] : [galleryItem(1), edited];
        return Promise.resolve({ items, total: 2 });
      },
    });
    window.location.hash = '#/gallery';
    render(<App client={live.client} />);

    const tile = await screen.findByRole('button', { name: /^Open hero-2\.png \(Cut-out edit\): / });
    expect(tile.querySelector('.tile-badge')?.textContent).toBe('Cut-out');
    expect(
      screen.getByRole('button', { name: /^Open hero-1\.png: / }).querySelector('.tile-badge'),
    ).toBeNull();

    const select = screen.getByRole('combobox', { name: 'Show generations of one kind' });
    expect([...select.querySelectorAll('option')].map((option) => option.textContent)).toEqual([
      'All',
      'Generated',
      'Restyle',
      'Inpaint',
      'Outpaint',
      'Upscale',
      'Cut-out',
    ]);
    fireEvent.change(select, { target: { value: 'remove_background' } });
    await waitFor(() => expect(screen.queryByRole('button', { name: /^Open hero-1\.png/ })).toBeNull());
    expect(asked.at(-1)).toEqual({ mode: 'remove_background' });
    expect(screen.getByText(/1 matching of 2/)).toBeTruthy();

    fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'logo' } });
    await waitFor(() => expect(asked.at(-1)).toEqual({ query: 'logo', mode: 'remove_background' }));
    fireEvent.change(select, { target: { value: '' } });
    await waitFor(() => expect(asked.at(-1)).toEqual({ query: 'logo' }));
  });
});
