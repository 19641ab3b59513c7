import { describe, expect, it } from 'vitest';
import { cursorInstallLink, vscodeInstallLink } from '../../electron/dashboard/install-links.js';
import { classifyNavigation, dashboardCsp } from '../../electron/window.js';

const origin = 'http://127.0.0.1:47300';

describe('classifyNavigation', () => {
  it('keeps the dashboard’s own pages in the window', () => {
    expect(classifyNavigation(`${origin}/gallery?token=x`, origin)).toBe('dashboard');
  });

  it('sends web and mail links to the system', () => {
    expect(classifyNavigation('https://github.com/', origin)).toBe('browser');
    expect(classifyNavigation('http://127.0.0.1:8188/', origin)).toBe('browser');
    expect(classifyNavigation('mailto:someone@example.com', origin)).toBe('browser');
  });

  it('blocks schemes that could run code or read files, and garbage', () => {
    expect(classifyNavigation('file:///etc/passwd', origin)).toBe('blocked');
    expect(classifyNavigation('javascript:alert(1)', origin)).toBe('blocked');
    expect(classifyNavigation('smb://host/share', origin)).toBe('blocked');
    expect(classifyNavigation('not a url', origin)).toBe('blocked');
  });

  it('sends the Cursor and VS Code install links of "connect an agent" to the system, and no other path of theirs', () => {
    const server = {
      name: 'comfyui',
      url: 'http://127.0.0.1:8190/mcp',
      headers: { Authorization: 'Bearer t' },
    };
    expect(classifyNavigation(cursorInstallLink(server), origin)).toBe('browser');
    expect(classifyNavigation(vscodeInstallLink(server), origin)).toBe('browser');
    expect(classifyNavigation('cursor://anysphere.cursor-deeplink/prompt?text=x', origin)).toBe('blocked');
    expect(classifyNavigation('cursor://file/etc/passwd', origin)).toBe('blocked');
    expect(classifyNavigation('vscode://file/etc/passwd', origin)).toBe('blocked');
    expect(classifyNavigation('vscode:extension/evil.ext', origin)).toBe('blocked');
  });

  it('treats another port on the same host as a different site', () => {
    expect(classifyNavigation('http://127.0.0.1:47301/', origin)).toBe('browser');
  });
});

describe('dashboardCsp', () => {
  it('allows only the dashboard itself and its websocket', () => {
    const csp = dashboardCsp(origin);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:47300`);
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-eval');
  });
});
