import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../electron/log.js';

describe('logger', () => {
  it('writes to its sink and file, never below its level, with scope and fields', () => {
    const lines: string[] = [];
    const file = join(mkdtempSync(join(tmpdir(), 'log-')), 'sub', 'bridge.log');
    const log = createLogger({ level: 'info', sink: (l) => lines.push(l), file }).child('comfy');
    log.debug('hidden');
    log.warn('socket dropped', { backend: 'a' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/WARN \[comfy\] socket dropped \{"backend":"a"\}\n$/);
    expect(readFileSync(file, 'utf8')).toBe(lines[0]);
  });
});
