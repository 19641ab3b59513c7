import { describe, expect, it } from 'vitest';
import { webOptionProblems } from '../../electron/web/option-problems.js';

describe('webOptionProblems (each read after "web: ")', () => {
  it('accepts every purpose, an object, and no option', () => {
    for (const purpose of ['hero', 'card', 'thumbnail', 'avatar', 'icon', 'og', 'background', 'favicon'])
      expect(webOptionProblems(purpose)).toEqual([]);
    expect(
      webOptionProblems({ purpose: 'hero', widths: [640, 1280], formats: ['webp'], max_bytes: 50_000 }),
    ).toEqual([]);
    expect(webOptionProblems(undefined)).toEqual([]);
  });

  it('names the field, what it must be, and the accepted values', () => {
    expect(webOptionProblems('banner')).toEqual([
      '"banner" is not a purpose; use one of hero, card, thumbnail, avatar, icon, og, background, favicon, or an object {purpose?, widths?, …}.',
    ]);
    expect(webOptionProblems(5)).toEqual([
      'must be a purpose (hero, card, thumbnail, avatar, icon, og, background, favicon) or an object {purpose?, widths?, formats?, max_bytes?, placeholder?, base_url?}.',
    ]);
    expect(webOptionProblems({ purpose: 'banner' })).toEqual([
      'purpose must be one of hero, card, thumbnail, avatar, icon, og, background, favicon.',
    ]);
    expect(webOptionProblems({ formats: ['gif'] })).toEqual([
      'formats[0] must be one of avif, webp, jpeg, png.',
    ]);
    expect(webOptionProblems({ widths: [5, 9000] })).toEqual([
      'widths[0] must be at least 16 px.',
      'widths[1] must be at most 4096 px.',
    ]);
    expect(webOptionProblems({ widths: [] })).toEqual(['widths takes at least 1 entries.']);
    expect(webOptionProblems({ max_bytes: 10 })).toEqual(['max_bytes must be at least 1024 bytes.']);
    expect(webOptionProblems({ quality: 3 })).toEqual([
      'no field "quality"; it takes purpose, widths, formats, max_bytes, placeholder, base_url.',
    ]);
    expect(webOptionProblems({ base_url: 'ftp://cdn' })).toEqual([
      'base_url: base_url must be an http(s) URL or a path starting with "/".',
    ]);
    expect(webOptionProblems({ purpose: 'og', widths: [640] })[0]).toMatch(
      /og.*leave widths and formats out/,
    );
    expect(webOptionProblems({ purpose: 'favicon', formats: ['webp'] })[0]).toMatch(
      /favicon.*leave widths and formats out/,
    );
  });
});
