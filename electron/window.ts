import type { BrowserWindow, BrowserWindowConstructorOptions, shell, WebPreferences } from 'electron';
import type { Logger } from './log.js';

/** Where a link or navigation from the dashboard may go. */
export type NavigationTarget = 'dashboard' | 'browser' | 'blocked';

/**
 * The "connect an agent" one-click links (dashboard/install-links.ts): only these paths of the Cursor and VS Code
 * schemes, which open the client's own install prompt; the rest of those schemes stays blocked.
 */
function isInstallLink(url: URL): boolean {
  if (url.protocol === 'cursor:')
    return url.host === 'anysphere.cursor-deeplink' && url.pathname === '/mcp/install';
  return url.protocol === 'vscode:' && url.host === '' && url.pathname === 'mcp/install';
}

/**
 * The dashboard stays in the window; web links and the clients' install links go to the system; anything else
 * is refused.
 */
export function classifyNavigation(url: string, dashboardOrigin: string): NavigationTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'blocked';
  }
  if (parsed.origin === dashboardOrigin) return 'dashboard';
  if (isInstallLink(parsed)) return 'browser';
  return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? 'browser' : 'blocked';
}

/**
 * The dashboard's Content-Security-Policy: only its own scripts, its own API and live-events websocket, inline
 * styles for the component library, and data/blob images for previews.
 */
export function dashboardCsp(dashboardOrigin: string): string {
  const events = dashboardOrigin.replace(/^http/, 'ws');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ${events}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const secureWebPreferences = (preloadPath: string): WebPreferences => ({
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInSubFrames: false,
  webviewTag: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  preload: preloadPath,
});

/** The one permission the dashboard needs: writing to the clipboard for the "connect an agent" snippets. */
const allowedPermissions = new Set(['clipboard-sanitized-write']);

export type DashboardWindow = BrowserWindow;

export interface WindowElectron {
  BrowserWindow: typeof BrowserWindow;
  shell: Pick<typeof shell, 'openExternal'>;
}

export interface DashboardWindowOptions {
  electron: WindowElectron;
  dashboardUrl: string;
  preloadPath: string;
  /** True once the app is quitting: then close really closes instead of hiding to the tray. */
  isQuitting(): boolean;
  logger: Logger;
  icon?: string;
}

export function createDashboardWindow(options: DashboardWindowOptions): BrowserWindow {
  const { electron, dashboardUrl, logger } = options;
  const dashboardOrigin = new URL(dashboardUrl).origin;
  const windowOptions: BrowserWindowConstructorOptions = {
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'ComfyUI MCP Bridge',
    webPreferences: secureWebPreferences(options.preloadPath),
    ...(options.icon ? { icon: options.icon } : {}),
  };
  const window = new electron.BrowserWindow(windowOptions);
  const { webContents } = window;

  webContents.session.webRequest.onHeadersReceived({ urls: [`${dashboardOrigin}/*`] }, (details, respond) => {
    respond({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [dashboardCsp(dashboardOrigin)],
      },
    });
  });
  webContents.session.setPermissionRequestHandler((_contents, permission, grant) =>
    grant(allowedPermissions.has(permission)),
  );

  const sendAway = (url: string) => {
    const target = classifyNavigation(url, dashboardOrigin);
    if (target === 'browser') {
      electron.shell.openExternal(url).catch((error: unknown) => {
        logger.warn('could not open link in the browser', { url, error });
      });
    } else if (target === 'blocked') {
      logger.warn('blocked navigation from the dashboard', { url });
    }
    return target;
  };
  webContents.setWindowOpenHandler(({ url }) => {
    sendAway(url);
    return { action: 'deny' };
  });
  webContents.on('will-navigate', (event, url) => {
    if (sendAway(url) !== 'dashboard') event.preventDefault();
  });
  webContents.on('will-attach-webview', (event) => event.preventDefault());

  window.on('close', (event) => {
    if (options.isQuitting()) return;
    event.preventDefault();
    window.hide();
  });

  void window.loadURL(dashboardUrl).catch((error: unknown) => {
    logger.error('the dashboard did not load', { error });
  });
  return window;
}

/** Brings the window to the front, also when it was hidden to the tray or minimised. */
export function showWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
