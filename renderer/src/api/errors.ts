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

/** Whether the bridge refused the page's token (it answers, so "not answering" would send the person astray). */
export function isTokenProblem(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 'unauthorized' || error.code === 'no_token');
}

/** What the person should do about an error, in one sentence they can act on; `code` spans in backticks. */
export function adviceFor(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  switch (error.code) {
    case 'no_token':
      return 'This page has no access token. Open the dashboard from the tray menu, or from the `Dashboard:` link that `comfyui-mcp-bridge serve` prints.';
    case 'unauthorized':
      return "The access token in this page's address is wrong (the bridge's token changed, or the link is from another bridge). Open the dashboard from the tray menu, or from the `Dashboard:` link that `comfyui-mcp-bridge serve` prints; the token is `dashboardToken` in `settings.json` in the data folder.";
    case 'network':
      return 'The bridge is not answering. Check that the app (or `comfyui-mcp-bridge serve`) is still running, then reload.';
    case 'bad_response':
      return `The bridge answered in an unexpected form (${error.message}). The page and the bridge may be different versions: reload the page.`;
    default:
      return error.message;
  }
}
