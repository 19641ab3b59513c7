import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/*
 * Pure request checks for the bridge's HTTP server. DNS rebinding: a hostile page can make a browser send
 * requests to 127.0.0.1 under its own host name, so Host must be a name we answer to. Cross-site requests:
 * a browser always sends Origin for those, so a present Origin must be one of ours.
 */

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export function isLoopbackAddress(host: string): boolean {
  const bare = stripBrackets(host.toLowerCase());
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

export function isWildcardAddress(host: string): boolean {
  const bare = stripBrackets(host);
  return bare === '0.0.0.0' || bare === '::';
}

/**
 * Host names (as they appear in a Host header, IPv6 in brackets) the server answers to when bound to
 * `boundHost`. A wildcard bind answers on every interface, so every local address is ours.
 */
export function allowedHostnames(
  boundHost: string,
  options: { interfaceAddresses?: string[]; extra?: string[] } = {},
) {
  const names = new Set(LOOPBACK_NAMES);
  const add = (host: string) => names.add(hostForHeader(host.toLowerCase()));
  if (isWildcardAddress(boundHost)) (options.interfaceAddresses ?? []).forEach(add);
  else add(boundHost);
  (options.extra ?? []).forEach(add);
  return [...names];
}

/** One address of a network interface, as `os.networkInterfaces()` lists it. */
export interface InterfaceAddress {
  address: string;
  family: 'IPv4' | 'IPv6';
  internal: boolean;
}

/**
 * The host a client on this machine uses. A wildcard is no address to connect to, and our own Host check
 * refuses it, so 0.0.0.0 and :: are reached over loopback (a :: socket takes IPv4 too).
 */
export function localHostFor(boundHost: string): string {
  return isWildcardAddress(boundHost) ? '127.0.0.1' : hostForHeader(boundHost.toLowerCase());
}

/**
 * The hosts other machines can use, for the ready output and the Connect view: the bound address itself, or
 * for a wildcard the machine's external addresses (IPv6 ones only on ::, and not link-local ones, which need
 * a zone). Nothing on loopback.
 */
export function networkHostsFor(boundHost: string, interfaces: readonly InterfaceAddress[]): string[] {
  if (isLoopbackAddress(boundHost)) return [];
  if (!isWildcardAddress(boundHost)) return [hostForHeader(boundHost.toLowerCase())];
  const withIpv6 = stripBrackets(boundHost) === '::';
  return interfaces
    .filter((entry) => !entry.internal && !isLoopbackAddress(entry.address))
    .filter((entry) => entry.family === 'IPv4' || (withIpv6 && !/^fe[89ab]/i.test(entry.address)))
    .map((entry) => hostForHeader(entry.address.toLowerCase()));
}

export interface HostPolicy {
  hostnames: readonly string[];
  port: number;
}

/** Host must name one of our host names with our port (a missing port means 80). */
export function isAllowedHost(hostHeader: string | undefined, policy: HostPolicy): boolean {
  if (hostHeader === undefined) return false;
  const parsed = parseAuthority(hostHeader);
  return parsed !== undefined && parsed.port === policy.port && policy.hostnames.includes(parsed.hostname);
}

/** No Origin (non-browser clients) passes; otherwise it must be http(s) on one of our host names and our port. */
export function isAllowedOrigin(originHeader: string | undefined, policy: HostPolicy): boolean {
  if (originHeader === undefined) return true;
  let url: URL;
  try {
    url = new URL(originHeader);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return port === policy.port && policy.hostnames.includes(url.hostname.toLowerCase());
}

/**
 * The token /mcp must require, or undefined for none. Every account on the machine can reach 127.0.0.1, so
 * loopback is no boundary: the token is required there too unless the user opted out. Off loopback it is
 * always required (and the server refuses to start without one).
 */
export function mcpTokenToEnforce(settings: {
  host: string;
  mcpToken: string;
  requireTokenOnLoopback: boolean;
}): string | undefined {
  if (settings.mcpToken === '') return undefined;
  return settings.requireTokenOnLoopback || !isLoopbackAddress(settings.host) ? settings.mcpToken : undefined;
}

/** Whether the Authorization header carries exactly `Bearer <token>`. Constant-time in the token. */
export function hasBearerToken(authorizationHeader: string | undefined, token: string): boolean {
  if (authorizationHeader === undefined) return false;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorizationHeader);
  if (!match?.[1]) return false;
  return tokensEqual(match[1], token);
}

/** Whether a request carries `token` as a bearer token or, where a browser cannot set headers, as `?token=`. */
export function hasRequestToken(
  headers: { authorization?: string | undefined },
  url: string | undefined,
  token: string,
): boolean {
  if (hasBearerToken(headers.authorization, token)) return true;
  const given = new URL(url ?? '/', 'http://localhost').searchParams.get('token');
  return given !== null && tokensEqual(given, token);
}

/** Constant-time in the token; an empty expected token matches nothing. */
export function tokensEqual(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return b.byteLength > 0 && a.byteLength === b.byteLength && timingSafeEqual(a, b);
}

function parseAuthority(authority: string): { hostname: string; port: number } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(authority.trim().toLowerCase());
  if (!match?.[1]) return undefined;
  return { hostname: match[1], port: match[2] === undefined ? 80 : Number(match[2]) };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** How a host appears in Host/Origin headers and URLs: IPv6 literals in brackets. */
export function hostForHeader(host: string): string {
  const bare = stripBrackets(host);
  return isIP(bare) === 6 ? `[${bare}]` : bare;
}
