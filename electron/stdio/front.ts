import { createInterface } from 'node:readline';
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { Logger } from '../log.js';
import { earlyResultFor, type OpeningRequest } from './early-answer.js';

/*
 * What stands between the agent's client and the shim's backend (the relay to a running app, or the core
 * hosted in-process) while that backend is still loading. It answers the client's opening request at once
 * (early-answer.ts) and passes it on, so the backend still opens its session with the client's own handshake;
 * the backend's answer to it is then dropped, after a check that it says the same. Everything the client sends
 * after the opening request is held until that answer has come back: a 2025-era session must exist before
 * its next message is relayed. If the backend cannot be set up at all, every request gets that reason as a
 * JSON-RPC error, since the client already holds a successful initialize.
 */

export interface ShimFrontOptions {
  /** The client's side: its messages arrive here and every answer goes there. */
  input: Readable;
  output: Writable;
  /** serverInfo.version of the early answer. */
  version: string;
  logger: Logger;
}

export interface ShimFront {
  /** What the backend reads: the client's messages, in order. */
  readonly input: Readable;
  /** What the backend writes to: its answers reach the client, except the one the front already gave. */
  readonly output: Writable;
  /** Settles when the client's first message has arrived (or its stdin closed). */
  readonly opened: Promise<void>;
  /** The client closed stdin having asked nothing beyond what the front answered itself. */
  readonly clientLeftSatisfied: () => boolean;
  /**
   * The backend could not be set up (and has read nothing): every request, held or still to come, is answered
   * with `message` as a JSON-RPC error. Settles when the client closes stdin.
   */
  refuse(message: string): Promise<void>;
}

type RequestId = string | number;

interface Message extends OpeningRequest {
  result?: unknown;
  error?: unknown;
}

export function startShimFront(options: ShimFrontOptions): ShimFront {
  const logger = options.logger.child('front');
  const backendInput = new PassThrough();
  let opening = true;
  /** The request answered early, until the backend's own answer to it has come back. */
  let answeredEarly: { id: RequestId; method: string; result: Record<string, unknown> } | undefined;
  let held: string[] = [];
  let satisfied = true;
  let clientGone = false;
  let refusal: string | undefined;
  let closed: () => void = () => undefined;
  const stdinClosed = new Promise<void>((resolve) => (closed = resolve));
  let hasOpened: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (hasOpened = resolve));

  const send = (message: unknown) => options.output.write(`${JSON.stringify(message)}\n`);
  const refuseLine = (line: string) => {
    const message = parse(line);
    if (message === undefined) {
      send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    } else if (isRequest(message) && message.id !== answeredEarly?.id) {
      send({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: refusal } });
    }
  };
  const release = () => {
    for (const line of held) backendInput.write(`${line}\n`);
    held = [];
    if (clientGone) backendInput.end();
  };

  const lines = createInterface({ input: options.input, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    if (refusal !== undefined) return refuseLine(line);
    if (opening || satisfied) {
      const message = parse(line);
      if (opening) {
        opening = false;
        hasOpened();
        const result = message === undefined ? undefined : earlyResultFor(message, options.version);
        if (result !== undefined) {
          answeredEarly = { id: message!.id as RequestId, method: message!.method as string, result };
          send({ jsonrpc: '2.0', id: answeredEarly.id, result });
          backendInput.write(`${line}\n`);
          return;
        }
      }
      if (message === undefined || isRequest(message)) satisfied = false;
    }
    if (answeredEarly !== undefined) held.push(line);
    else backendInput.write(`${line}\n`);
  });
  lines.once('close', () => {
    clientGone = true;
    // Nobody waits for the session any more: the backend gets the rest now, then the end of input.
    release();
    hasOpened();
    closed();
  });

  let partial = '';
  const output: Writable = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const text = chunk.toString();
      if (answeredEarly === undefined && partial === '') {
        options.output.write(text, callback);
        return;
      }
      const parts = (partial + text).split('\n');
      partial = parts.pop()!;
      const kept = parts.filter((line) => !isAnswerGivenEarly(line));
      if (kept.length > 0) options.output.write(`${kept.join('\n')}\n`, callback);
      else callback();
    },
  });
  // A client gone from stdout is the backend's to notice (the in-process transport listens for this).
  options.output.on('error', (error) => output.destroy(error));
  /** The backend's answer to the request answered early: compared, dropped, and the held messages go on. */
  const isAnswerGivenEarly = (line: string): boolean => {
    if (answeredEarly === undefined) return false;
    const message = parse(line);
    if (message?.id !== answeredEarly.id || message.method !== undefined) return false;
    if (message.error !== undefined || !sameJson(message.result, answeredEarly.result)) {
      logger.warn(
        `the bridge answered ${answeredEarly.method} differently from the shim's early answer ` +
          '(an app of another version?); restart this MCP server in your client if its tools misbehave',
        { early: answeredEarly.result, bridge: message.error ?? message.result },
      );
    }
    answeredEarly = undefined;
    release();
    return true;
  };

  return {
    input: backendInput,
    output,
    opened,
    clientLeftSatisfied: () => clientGone && satisfied,
    refuse(message) {
      refusal = message;
      const unread: string[] = [];
      for (let chunk: Buffer | null; (chunk = backendInput.read() as Buffer | null) !== null;)
        unread.push(chunk.toString());
      for (const line of [...unread.join('').split('\n'), ...held]) if (line.trim() !== '') refuseLine(line);
      held = [];
      return stdinClosed;
    },
  };
}

function parse(line: string): Message | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isRequest(message: Message): message is Message & { id: RequestId; method: string } {
  return (
    typeof message.method === 'string' && (typeof message.id === 'string' || typeof message.id === 'number')
  );
}

/** Deep equality of two JSON values, whatever the order of their keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysOfA = Object.keys(a);
  const keysOfB = Object.keys(b);
  if (keysOfA.length !== keysOfB.length) return false;
  return keysOfA.every(
    (key) =>
      Object.hasOwn(b, key) &&
      sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}
