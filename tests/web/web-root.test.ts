import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { webUrlOf } from '../../electron/web/web-root.js';

const project = path.join('/home', 'me', 'site');
const at = (...parts: string[]): string => path.join(project, ...parts);

describe('webUrlOf', () => {
  it('serves public/ and static/ from the site root, assets/ from /assets/', () => {
    expect(webUrlOf(at('public', 'img', 'hero-640.avif'), { projectDir: project })).toEqual({
      url: '/img/hero-640.avif',
      root: 'public',
    });
    expect(webUrlOf(at('static', 'hero.webp'), { projectDir: project })).toEqual({
      url: '/hero.webp',
      root: 'static',
    });
    expect(webUrlOf(at('assets', 'hero.jpg'), { projectDir: project })).toEqual({
      url: '/assets/hero.jpg',
      root: 'assets',
    });
  });

  it('takes base_url over the project, and encodes what would break a srcset', () => {
    expect(
      webUrlOf(at('public', 'a b,c.avif'), { projectDir: project, baseUrl: 'https://cdn.example.com/i' }),
    ).toEqual({ url: 'https://cdn.example.com/i/a%20b%2Cc.avif', root: 'base_url' });
    expect(webUrlOf(at('public', 'a b,c.avif'), { projectDir: project }).url).toBe('/a%20b%2Cc.avif');
  });

  it('says when it found no web root', () => {
    expect(webUrlOf(at('out', 'x.png'), { projectDir: project })).toEqual({
      url: '/out/x.png',
      root: 'project',
    });
    expect(webUrlOf(path.join('/tmp', 'x.png'), { projectDir: project })).toEqual({
      url: 'x.png',
      root: 'none',
    });
    expect(webUrlOf(at('publicity', 'x.png'), { projectDir: project }).root).toBe('project');
    expect(webUrlOf(at('x.png'), {})).toEqual({ url: 'x.png', root: 'none' });
  });
});
