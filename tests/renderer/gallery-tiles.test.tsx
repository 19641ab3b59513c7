import { cleanup, render, screen } from '@testing-library/react';
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
  it('shows "replaced" or "missing" instead of a thumbnail for an entry whose file is not its own', async () => {
    const items = [
      galleryItem(1),
      galleryItem(2, { fileState: 'replaced', fileNote: 'another file is at its path' }),
      galleryItem(3, { fileState: 'missing' }),
    ];
    const live = fakeClient({ gallery: () => Promise.resolve({ items, total: 3 }) });
    window.location.hash = '#/gallery';
    render(<App client={live.client} />);

    const replaced = await screen.findByRole('button', { name: /^Open hero-2\.png \(replaced\)/ });
    expect(replaced.textContent).toMatch(/replaced/);
    expect(replaced.querySelector('img')).toBeNull();
    const missing = screen.getByRole('button', { name: /^Open hero-3\.png \(missing\)/ });
    expect(missing.querySelector('img')).toBeNull();
    expect(screen.getByRole('button', { name: /^Open hero-1\.png: / }).querySelector('img')).not.toBeNull();
  });
});
