/**
 * The dashboard token arrives once in the page URL (`/?token=…`, from the tray or the `serve` ready line). It is
 * kept for the tab's lifetime in sessionStorage and taken out of the address bar, so it does not linger in
 * history, bookmarks or screenshots.
 */

export const tokenStorageKey = 'comfyui-mcp-bridge.dashboardToken';

export interface TokenSources {
  location: Pick<Location, 'href'>;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
  history: Pick<History, 'replaceState' | 'state'>;
}

/** The token from the URL (remembered, then stripped from the address bar), else the remembered one. */
export function takeToken({ location, storage, history }: TokenSources): string | undefined {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    storage.setItem(tokenStorageKey, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return storage.getItem(tokenStorageKey) || undefined;
}
