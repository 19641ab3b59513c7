import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { SHIM_HELLO_PATH } from '../http/server.js';

/*
 * Before a stdio shim sends anything of value (the bearer token, the shim secret, the agent's working
 * directory, its prompts) to the address in endpoint.json, the server there must prove it holds that record's
 * secret. After a crash the record outlives its app: the pid may be reused and another program (another
 * user's) may listen on the old port. The shim sends only a random nonce; the server answers with its own
 * nonce and HMAC-SHA256(secret, label ‖ shim nonce ‖ server nonce). The secret itself never travels, and the
 * server's nonce keeps it from being used to sign a value of the caller's choosing.
 */

const label = 'comfyui-mcp-bridge shim hello v1';
/** 32 random bytes, base64url. */
const nonceSchema = z.string().regex(/^[\w-]{43}$/);
const answerSchema = z.object({ server_nonce: nonceSchema, proof: z.string().regex(/^[\w-]{43}$/) });
export type HelloAnswer = z.infer<typeof answerSchema>;

export function newNonce(): string {
  return randomBytes(32).toString('base64url');
}

function proofOf(secret: string, shimNonce: string, serverNonce: string): string {
  return createHmac('sha256', secret).update(`${label}\n${shimNonce}\n${serverNonce}`).digest('base64url');
}

/** The server's answer to a shim's nonce; undefined for something that is not a nonce. */
export function answerHello(secret: string, shimNonce: string): HelloAnswer | undefined {
  if (!nonceSchema.safeParse(shimNonce).success) return undefined;
  const serverNonce = newNonce();
  return { server_nonce: serverNonce, proof: proofOf(secret, shimNonce, serverNonce) };
}

/** Whether `answer` (parsed JSON of any shape) proves knowledge of `secret` for the shim's nonce. */
export function verifyHello(secret: string, shimNonce: string, answer: unknown): boolean {
  const parsed = answerSchema.safeParse(answer);
  if (!parsed.success) return false;
  const expected = Buffer.from(proofOf(secret, shimNonce, parsed.data.server_nonce));
  const given = Buffer.from(parsed.data.proof);
  return given.byteLength === expected.byteLength && timingSafeEqual(given, expected);
}

/**
 * The HTTP route for `GET /shim/hello?nonce=…` on the app's server. Unauthenticated by design: it proves the
 * server to the shim and reveals nothing to anyone without the secret.
 */
export function createShimHelloHandler(secret: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const nonce = new URL(req.url ?? '/', 'http://localhost').searchParams.get('nonce') ?? '';
    const answer = req.method === 'GET' ? answerHello(secret, nonce) : undefined;
    res.writeHead(answer ? 200 : 400, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(
      JSON.stringify(
        answer ?? { error: { code: 'bad_request', message: 'GET /shim/hello?nonce=<32 bytes base64url>' } },
      ),
    );
  };
}

/** Answers larger than this are not a hello answer; nothing more is read. */
const maxAnswerBytes = 4096;

/**
 * Whether the server at the record's address holds the record's secret. Sends the nonce and nothing else:
 * no token, no secret, no working directory. Any failure (refused, timed out, redirected, wrong or oversized
 * answer) is a no.
 */
export async function serverHoldsSecret(
  record: { mcpUrl: string; shimSecret: string },
  timeoutMs: number,
): Promise<boolean> {
  const nonce = newNonce();
  const url = new URL(SHIM_HELLO_PATH, record.mcpUrl);
  url.searchParams.set('nonce', nonce);
  try {
    const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      return false;
    }
    const text = await readCapped(response, maxAnswerBytes);
    return text !== undefined && verifyHello(record.shimSecret, nonce, JSON.parse(text));
  } catch {
    return false;
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<string | undefined> {
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
