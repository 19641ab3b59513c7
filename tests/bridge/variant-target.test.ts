import { expect, it } from 'vitest';
import { variantTarget } from '../../electron/bridge/variant-target.js';

it('finds the path variants share once their trailing -N is removed', () => {
  expect(variantTarget(['/p/public/hero-1.webp', '/p/public/hero-2.webp'])).toBe('/p/public/hero.webp');
  expect(variantTarget(['/o/red-fox-1234.png', '/o/red-fox-98.png', '/o/red-fox-7.png'])).toBe(
    '/o/red-fox.png',
  );
});

it('finds none for one image, other folders, other formats or other names', () => {
  expect(variantTarget(['/p/hero-1.png'])).toBeUndefined();
  expect(variantTarget(['/p/hero-1.png', '/q/hero-2.png'])).toBeUndefined();
  expect(variantTarget(['/p/hero-1.png', '/p/hero-2.webp'])).toBeUndefined();
  expect(variantTarget(['/p/hero-1.png', '/p/logo-2.png'])).toBeUndefined();
  expect(variantTarget(['/p/hero.png', '/p/hero-2.png'])).toBeUndefined();
  expect(variantTarget(['/p/-1.png', '/p/-2.png'])).toBeUndefined();
});
