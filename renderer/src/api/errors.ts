/** Any failure talking to the bridge, with a code the views can turn into advice. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** The bridge's error code, or `network` / `bad_response` for failures on the way. */
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What the person should do about an error, in one sentence they can act on. */
export function adviceFor(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  switch (error.code) {
    case 'no_token':
    case 'unauthorized':
      return 'This page has no valid access token. Open the dashboard from the tray menu, or from the "Dashboard:" link that `comfyui-mcp-bridge serve` prints.';
    case 'network':
      return 'The bridge is not answering. Check that the app (or `comfyui-mcp-bridge serve`) is still running, then reload.';
    case 'bad_response':
      return `The bridge answered in an unexpected form (${error.message}). The page and the bridge may be different versions: reload the page.`;
    default:
      return error.message;
  }
}
