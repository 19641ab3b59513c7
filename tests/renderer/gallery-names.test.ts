import { describe, expect, it } from 'vitest';
import { neighbourOf } from '../../renderer/src/state/gallery.js';
import { displayNames } from '../../renderer/src/state/gallery-names.js';
import { imgSnippet, srcOf } from '../../renderer/src/state/img-snippet.js';

describe('displayNames', () => {
  it('shows the file name alone when no other shown file has it', () => {
    const names = displayNames(['/site/public/hero.png', '/site/public/logo.png']);
    expect([...names]).toEqual([
      ['/site/public/hero.png', 'hero.png'],
      ['/site/public/logo.png', 'logo.png'],
    ]);
  });

  it('adds the parent folder to files that share a name, and only to those', () => {
    const names = displayNames(['/a/blog/hero.png', '/a/shop/hero.png', '/a/shop/logo.png']);
    expect(names.get('/a/blog/hero.png')).toBe('blog/hero.png');
    expect(names.get('/a/shop/hero.png')).toBe('shop/hero.png');
    expect(names.get('/a/shop/logo.png')).toBe('logo.png');
  });

  it('goes up as many folders as it takes, on Windows paths too', () => {
    const names = displayNames(['C:\\one\\img\\x.png', 'C:\\two\\img\\x.png', '/x.png']);
    expect(names.get('C:\\one\\img\\x.png')).toBe('one/img/x.png');
    expect(names.get('C:\\two\\img\\x.png')).toBe('two/img/x.png');
    expect(names.get('/x.png')).toBe('x.png');
  });

  it('names a path listed twice once, by its file name', () => {
    expect([...displayNames(['/a/x.png', '/a/x.png'])]).toEqual([['/a/x.png', 'x.png']]);
  });
});

describe('imgSnippet', () => {
  it('writes src as the page would use it, the size, an alt from the prompt, lazy and async', () => {
    expect(
      imgSnippet({
        path: '/home/me/site/public/banners/og.png',
        width: 1200,
        height: 630,
        prompt: 'a photo of a misty lake at dawn, "quiet" <lora:mist:0.8>, 8k, highly detailed',
      }),
    ).toBe(
      '<img src="/banners/og.png" width="1200" height="630" alt="A misty lake at dawn, &quot;quiet&quot;" loading="lazy" decoding="async">',
    );
  });

  it('takes the site-root rule from public/ or static/, /assets/ from assets/, else the file name', () => {
    expect(srcOf('/p/static/img/a b.webp')).toBe('/img/a%20b.webp');
    expect(srcOf('/p/assets/img/a.png')).toBe('/assets/img/a.png');
    expect(srcOf('/p/public/assets/a.png')).toBe('/assets/a.png');
    expect(srcOf('C:\\p\\public\\a.png')).toBe('/a.png');
    expect(srcOf('/tmp/out/a.png')).toBe('a.png');
  });

  it('escapes what would end the attribute or open a tag', () => {
    const snippet = imgSnippet({
      path: '/out/x".png',
      width: 1,
      height: 1,
      prompt: 'cats & dogs > 2 "here"',
    });
    expect(snippet).toContain('src="x%22.png"');
    expect(snippet).toContain('alt="Cats &amp; dogs &gt; 2 &quot;here&quot;"');
  });
});

describe('neighbourOf', () => {
  const items = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  it('steps through the order and stops at both ends', () => {
    expect(neighbourOf(items, 'b', -1)?.id).toBe('a');
    expect(neighbourOf(items, 'b', 1)?.id).toBe('c');
    expect(neighbourOf(items, 'a', -1)).toBeUndefined();
    expect(neighbourOf(items, 'c', 1)).toBeUndefined();
    expect(neighbourOf(items, 'gone', 1)).toBeUndefined();
  });
});
