import { timingSafeEqual } from 'node:crypto';
import { isAbsolute } from 'node:path';

/*
 * The stdio shim forwards to the running app over HTTP and must tell it the agent's working directory,
 * because relative save paths land there and the folder becomes an allowed save root. Anything on the
 * network could send such a header, so it is honoured only next to the per-run shim secret that the app
 * writes into its endpoint file (mode 0600: readable by the same user only).
 */

export const SHIM_SECRET_HEADER = 'x-comfyui-bridge-shim-secret';
export const SHIM_CWD_HEADER = 'x-comfyui-bridge-cwd';

/** Header values for a forwarded request; the path is percent-encoded because headers carry bytes only. */
export function shimHeaders(secret: string, cwd: string): Record<string, string> {
  return { [SHIM_SECRET_HEADER]: secret, [SHIM_CWD_HEADER]: encodeURIComponent(cwd) };
}

/**
 * The shim's working directory carried by a request, or undefined unless the request proves it comes from
 * a shim of this user (the secret matches) and the directory is an absolute path.
 */
export function shimCwdOf(headers: Headers | undefined, secret: string | undefined): string | undefined {
  if (headers === undefined || !secret) return undefined;
  const given = headers.get(SHIM_SECRET_HEADER);
  const encodedCwd = headers.get(SHIM_CWD_HEADER);
  if (given === null || encodedCwd === null || !sameSecret(given, secret)) return undefined;
  let cwd: string;
  try {
    cwd = decodeURIComponent(encodedCwd);
  } catch {
    return undefined;
  }
  return isAbsolute(cwd) && !cwd.includes('\0') ? cwd : undefined;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
