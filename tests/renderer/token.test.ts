import { describe, expect, it } from 'vitest';
import { takeToken, tokenStorageKey } from '../../renderer/src/api/token.js';

function sources(href: string, stored?: string) {
  const storage = new Map<string, string>(stored === undefined ? [] : [[tokenStorageKey, stored]]);
  const replaced: string[] = [];
  return {
    storage,
    replaced,
    sources: {
      location: { href },
      storage: {
        getItem: (key: string) => storage.get(key) ?? null,
        setItem: (key: string, value: string) => void storage.set(key, value),
      },
      history: {
        state: null,
        replaceState: (_state: unknown, _title: string, url?: string | URL | null) =>
          void replaced.push(String(url)),
      },
    },
  };
}

describe('takeToken', () => {
  it('takes the token from the URL, remembers it and strips only it from the address bar', () => {
    const { sources: s, storage, replaced } = sources('http://127.0.0.1:8190/?token=abc_123&x=1#/gallery');
    expect(takeToken(s)).toBe('abc_123');
    expect(storage.get(tokenStorageKey)).toBe('abc_123');
    expect(replaced).toEqual(['/?x=1#/gallery']);
  });

  it('falls back to the remembered token after a reload without one', () => {
    const { sources: s, replaced } = sources('http://127.0.0.1:8190/#/batches', 'remembered');
    expect(takeToken(s)).toBe('remembered');
    expect(replaced).toEqual([]);
  });

  it('prefers a new token in the URL over the remembered one', () => {
    const { sources: s, storage } = sources('http://127.0.0.1:8190/?token=new', 'old');
    expect(takeToken(s)).toBe('new');
    expect(storage.get(tokenStorageKey)).toBe('new');
  });

  it('has none when neither the URL nor the tab has one', () => {
    expect(takeToken(sources('http://127.0.0.1:8190/').sources)).toBeUndefined();
  });
});
