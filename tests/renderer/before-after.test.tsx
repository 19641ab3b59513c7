import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveProvider } from '../../renderer/src/state/live.js';
import { Lightbox } from '../../renderer/src/views/Lightbox.js';
import { fakeClient, galleryItem } from './fixtures.js';

afterEach(cleanup);

const source = '/home/me/site/public/hero.png';

function renderEdit(mode: 'restyle' | 'upscale', size = { width: 768, height: 512 }) {
  const live = fakeClient();
  render(
    <LiveProvider client={live.client}>
      <Lightbox
        image={galleryItem(7, { ...size, edit: { mode, source } })}
        onClose={vi.fn()}
        onDeleted={vi.fn()}
      />
    </LiveProvider>,
  );
  return screen.getByRole('dialog', { name: 'hero-7.png' });
}

/** jsdom decodes no image: give the element its natural size, then say it loaded. */
function loadImage(image: HTMLElement, width: number, height: number) {
  Object.defineProperty(image, 'naturalWidth', { configurable: true, value: width });
  Object.defineProperty(image, 'naturalHeight', { configurable: true, value: height });
  fireEvent.load(image);
}

const before = (dialog: HTMLElement) => dialog.querySelector<HTMLImageElement>('img[data-role="before"]')!;
const after = (dialog: HTMLElement) => dialog.querySelector<HTMLImageElement>('img[data-role="after"]')!;

describe('lightbox of an edit', () => {
  it('shows the source path and mode, and the source and the edit by id', () => {
    const dialog = renderEdit('restyle');
    expect(dialog.textContent).toContain(source);
    expect(dialog.textContent).toContain('Restyle');
    expect(before(dialog).getAttribute('src')).toBe(
      'http://bridge.test/api/gallery/img-7/source?token=test-token',
    );
    expect(after(dialog).getAttribute('src')).toBe(
      'http://bridge.test/api/gallery/img-7/full?token=test-token',
    );
  });

  it('lays the source over the edit with a divider the arrow keys move, once the sizes match', () => {
    const dialog = renderEdit('restyle');
    expect(dialog.querySelector('.compare')?.getAttribute('data-layout')).toBe('side-by-side');
    loadImage(before(dialog), 768, 512);
    expect(dialog.querySelector('.compare')?.getAttribute('data-layout')).toBe('slider');

    const slider = screen.getByRole('slider', { name: /how much of the source shows/ });
    expect(before(dialog).style.clipPath).toBe('inset(0 50% 0 0)');
    fireEvent.keyDown(slider, { key: 'ArrowRight' });
    fireEvent.keyDown(slider, { key: 'ArrowRight' });
    expect(slider.getAttribute('aria-valuetext')).toBe('54% before');
    expect(before(dialog).style.clipPath).toBe('inset(0 46% 0 0)');
    fireEvent.keyDown(slider, { key: 'ArrowLeft', shiftKey: true });
    expect(slider.getAttribute('aria-valuetext')).toBe('44% before');
    fireEvent.keyDown(slider, { key: 'Home' });
    expect(before(dialog).style.clipPath).toBe('inset(0 100% 0 0)');
    fireEvent.keyDown(slider, { key: 'ArrowLeft' });
    expect(slider.getAttribute('aria-valuetext')).toBe('0% before');
    fireEvent.keyDown(slider, { key: 'End' });
    expect(slider.getAttribute('aria-valuetext')).toBe('100% before');
    fireEvent.change(slider, { target: { value: '30' } });
    expect(before(dialog).style.clipPath).toBe('inset(0 70% 0 0)');
  });

  it('shows an upscale beside its smaller source, each with its size', () => {
    const dialog = renderEdit('upscale', { width: 1536, height: 1024 });
    loadImage(before(dialog), 768, 512);
    expect(dialog.querySelector('.compare')?.getAttribute('data-layout')).toBe('side-by-side');
    expect(screen.queryByRole('slider')).toBeNull();
    expect(dialog.textContent).toContain('Before · 768 × 512');
    expect(dialog.textContent).toContain('After · 1536 × 1024');
  });

  it('says so when the source cannot be served, and still shows the edit', () => {
    const dialog = renderEdit('restyle');
    fireEvent.error(before(dialog));
    expect(before(dialog)).toBeNull();
    expect(dialog.textContent).toMatch(/The source cannot be shown/);
    expect(after(dialog)).not.toBeNull();
    expect(dialog.textContent).toContain(source);
  });
});
