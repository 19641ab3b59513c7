import { describe, expect, it } from 'vitest';
import { draftFrom, patchFrom } from '../../renderer/src/state/settings-form.js';
import { settingsView } from './fixtures.js';

describe('settings form', () => {
  const saved = settingsView({ comfyuiUrls: ['http://127.0.0.1:8188'], allowedDirs: ['/a'] });

  it('sends nothing when nothing changed', () => {
    expect(patchFrom(saved, draftFrom(saved))).toEqual({ patch: {}, errors: {} });
  });

  it('never sends a field a flag set, even when the form would normalise it (issue 11 §3)', () => {
    const flagged = settingsView({ comfyuiUrls: ['http://gpu.lan:8188/'], port: 9100 });
    const draft = { ...draftFrom(flagged), port: 'not a port', defaultWaitSeconds: '30' };
    expect(patchFrom(flagged, draft).patch).toHaveProperty('comfyuiUrls');
    expect(patchFrom(flagged, draft, { comfyuiUrls: '--comfyui', port: '--port' })).toEqual({
      patch: { defaultWaitSeconds: 30 },
      errors: {},
    });
  });

  it('sends only the changed fields, lists split by line, numbers as numbers', () => {
    const draft = {
      ...draftFrom(saved),
      comfyuiUrls: 'http://127.0.0.1:8188\n\n  http://gpu-box.lan:8000/  \n',
      allowedDirs: '/a\n/b',
      port: '9000',
      defaultWaitSeconds: '30',
    };
    expect(patchFrom(saved, draft)).toEqual({
      patch: {
        comfyuiUrls: ['http://127.0.0.1:8188', 'http://gpu-box.lan:8000'],
        allowedDirs: ['/a', '/b'],
        port: 9000,
        defaultWaitSeconds: 30,
      },
      errors: {},
    });
  });

  it('explains what to type instead of a bad URL, port or wait', () => {
    const draft = {
      ...draftFrom(saved),
      comfyuiUrls: 'localhost:8188',
      port: '70000',
      defaultWaitSeconds: '-1',
      host: ' ',
    };
    const { errors } = patchFrom(saved, draft);
    expect(errors.comfyuiUrls).toMatch(/http:\/\/127\.0\.0\.1:8188/);
    expect(errors.port).toMatch(/0 to 65535/);
    expect(errors.defaultWaitSeconds).toMatch(/0 to 300/);
    expect(errors.host).toMatch(/127\.0\.0\.1/);
  });

  it('allows clearing the URLs (discovery) and the token', () => {
    const withToken = settingsView({ comfyuiUrls: ['http://127.0.0.1:8188'], mcpToken: 'secret' });
    const draft = { ...draftFrom(withToken), comfyuiUrls: '', mcpToken: '' };
    expect(patchFrom(withToken, draft).patch).toEqual({ comfyuiUrls: [], mcpToken: '' });
  });
});
