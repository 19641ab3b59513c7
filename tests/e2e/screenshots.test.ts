import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshotPath, screenshotsDir } from './support.js';

// `npm test` must leave `git status` clean: the tracked screenshots are rewritten only by `npm run screenshots`.
describe('dashboard screenshots', () => {
  it('are not written by a plain test run', () => {
    expect(screenshotPath('status', 'light', {})).toBeUndefined();
    expect(screenshotPath('status', 'light', { SCREENSHOTS: '0' })).toBeUndefined();
  });

  it('are written to docs/screenshots when asked', () => {
    expect(screenshotPath('status', 'dark', { SCREENSHOTS: '1' })).toBe(
      join(screenshotsDir, 'status-dark.png'),
    );
  });
});
