// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { renderOgMeta, renderPicture, type SnippetVariant } from '../../electron/web/html.js';

const variants: SnippetVariant[] = (['avif', 'webp', 'jpeg'] as const).flatMap((format) =>
  [640, 1200].map((width) => ({
    url: `/img/hero-${width}.${format === 'jpeg' ? 'jpg' : format}`,
    format,
    width,
    height: (width * 2) / 3,
  })),
);

/** jsdom's HTML parser (the file runs in the jsdom environment). */
function parse(html: string): Document {
  return new DOMParser().parseFromString(`<!doctype html><body>${html}</body>`, 'text/html');
}

describe('renderPicture', () => {
  it('makes a <picture> with a source per modern format and an <img> fallback', () => {
    const html = renderPicture({
      variants,
      alt: 'A fox "in" <snow> & ice',
      sizes: '100vw',
      loading: 'eager',
      fetchPriority: 'high',
      placeholder: { dataUrl: 'data:image/png;base64,AAAA', color: '#336699' },
    });
    const document = parse(html);
    const sources = [...document.querySelectorAll('picture > source')];
    expect(sources.map((source) => [source.getAttribute('type'), source.getAttribute('srcset')])).toEqual([
      ['image/avif', '/img/hero-640.avif 640w, /img/hero-1200.avif 1200w'],
      ['image/webp', '/img/hero-640.webp 640w, /img/hero-1200.webp 1200w'],
    ]);
    const img = document.querySelector('picture > img');
    expect(img).not.toBeNull();
    expect(Object.fromEntries([...(img?.attributes ?? [])].map((a) => [a.name, a.value]))).toEqual({
      src: '/img/hero-1200.jpg',
      srcset: '/img/hero-640.jpg 640w, /img/hero-1200.jpg 1200w',
      sizes: '100vw',
      width: '1200',
      height: '800',
      alt: 'A fox "in" <snow> & ice',
      loading: 'eager',
      decoding: 'async',
      fetchpriority: 'high',
      style:
        'max-width:100%;height:auto;background:#336699 url(data:image/png;base64,AAAA) center/cover no-repeat',
    });
    expect(document.body.children).toHaveLength(1);
  });

  it('is a plain <img srcset sizes> for one format, sized for display when the purpose says so', () => {
    const document = parse(
      renderPicture({
        variants: variants.filter((variant) => variant.format === 'webp'),
        alt: '',
        sizes: '64px',
        loading: 'lazy',
        fetchPriority: 'auto',
        displayWidth: 64,
      }),
    );
    const img = document.querySelector('body > img');
    expect(img?.getAttribute('src')).toBe('/img/hero-1200.webp');
    expect([img?.getAttribute('width'), img?.getAttribute('height'), img?.getAttribute('alt')]).toEqual([
      '64',
      '43',
      '',
    ]);
    expect(img?.getAttribute('style')).toBe('max-width:100%;height:auto');
  });
});

describe('renderOgMeta', () => {
  it('names the share image, its type, size and alt', () => {
    const document = new DOMParser().parseFromString(
      `<!doctype html><head>${renderOgMeta({ url: 'https://x.test/og.jpg', format: 'jpeg', width: 1200, height: 630 }, 'A "quote"')}</head>`,
      'text/html',
    );
    const meta = (key: string): string | null | undefined =>
      document.querySelector(`meta[property="${key}"]`)?.getAttribute('content');
    expect([
      meta('og:image'),
      meta('og:image:type'),
      meta('og:image:width'),
      meta('og:image:height'),
    ]).toEqual(['https://x.test/og.jpg', 'image/jpeg', '1200', '630']);
    expect(meta('og:image:alt')).toBe('A "quote"');
    expect(document.querySelector('meta[name="twitter:card"]')?.getAttribute('content')).toBe(
      'summary_large_image',
    );
  });
});
