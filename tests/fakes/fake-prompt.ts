/**
 * POST /prompt: validation and queueing as ComfyUI does them, plus the faults a test can ask of it (prompts
 * that fail, hang, are answered late, queued late, or answered with an HTTP error).
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ApiGraph } from '../../electron/comfy/types.js';
import type { QueueItem } from './fake-executor.js';
import { json, parseJson, pause, send, serverError, settled } from './fake-http.js';
import type { ValidationOutcome } from './fake-validation.js';

export interface PromptHooks {
  /** Aborted when the fake is killed: a request waiting then dies with it. */
  life(): AbortSignal;
  /** The number of a prompt posted without one. */
  nextNumber(front: boolean): number;
  validate(prompt: unknown): ValidationOutcome;
  /** Queues the accepted prompt and records it as submitted. */
  accept(item: QueueItem, clientId: string | undefined): void;
}

export class FakePromptDesk {
  private failures: { count: number; reason: string } = { count: 0, reason: '' };
  private hangs = 0;
  private lateAnswers = { delayMs: 0, count: 0 };
  private lateQueueing: { until: number | Promise<unknown>; count: number } = { until: 0, count: 0 };
  private postFailures = { count: 0, status: 500, queued: false };

  constructor(private readonly hooks: PromptHooks) {}

  failNext(count: number, reason: string): void {
    this.failures = { count, reason };
  }
  hangNext(): void {
    this.hangs += 1;
  }
  answerLate(delayMs: number, count: number): void {
    this.lateAnswers = { delayMs, count };
  }
  queueLate(until: number | Promise<unknown>, count: number): void {
    this.lateQueueing = { until, count };
  }
  failPosts(count: number, options: { status?: number; queued?: boolean }): void {
    this.postFailures = { count, status: options.status ?? 500, queued: options.queued ?? false };
  }

  async post(body: Buffer, res: ServerResponse): Promise<void> {
    const life = this.hooks.life();
    const failure = this.postFailures.count > 0 ? { ...this.postFailures } : undefined;
    if (failure) this.postFailures.count -= 1;
    if (failure && !failure.queued)
      return send(res, failure.status, 'text/plain; charset=utf-8', serverError);
    if (this.lateQueueing.count > 0) {
      this.lateQueueing.count -= 1;
      // Like aiohttp, the handler carries on when the caller hangs up.
      const { until } = this.lateQueueing;
      if (!(await (typeof until === 'number' ? pause(until, life) : settled(until, life)))) return;
    }
    const lateBy = this.lateAnswers.count > 0 ? this.lateAnswers.delayMs : 0;
    if (lateBy > 0) this.lateAnswers.count -= 1;
    const request = parseJson(body);
    if (request === undefined || typeof request !== 'object' || request === null) {
      return send(res, 500, 'text/plain; charset=utf-8', serverError);
    }
    const fields = request as {
      prompt?: unknown;
      number?: unknown;
      front?: unknown;
      prompt_id?: unknown;
      client_id?: unknown;
    };
    let number: number;
    let numberText: string;
    if (fields.number !== undefined) {
      number = Number(fields.number);
      // Python's float() makes an explicit number 1000 come back as 1000.0.
      numberText = Number.isInteger(number) ? `${number}.0` : String(number);
    } else {
      number = this.hooks.nextNumber(Boolean(fields.front));
      numberText = String(number);
    }
    if (!('prompt' in fields)) {
      return send(
        res,
        400,
        json,
        JSON.stringify(rejection('no_prompt', 'No prompt provided', 'No prompt provided')),
      );
    }
    const outcome = this.hooks.validate(fields.prompt);
    if (!outcome.ok) {
      return send(res, 400, json, JSON.stringify({ error: outcome.error, node_errors: outcome.nodeErrors }));
    }
    const promptId = typeof fields.prompt_id === 'string' ? fields.prompt_id : randomUUID();
    const clientId = typeof fields.client_id === 'string' ? fields.client_id : undefined;
    const item: QueueItem = {
      number,
      promptId,
      prompt: fields.prompt as ApiGraph,
      extraData: clientId === undefined ? {} : { client_id: clientId },
      outputs: outcome.outputs,
      hang: this.hangs > 0,
      interrupted: false,
    };
    if (this.hangs > 0) this.hangs -= 1;
    if (this.failures.count > 0) {
      this.failures.count -= 1;
      item.failure = this.failures.reason;
    }
    this.hooks.accept(item, clientId);
    if (lateBy > 0 && !(await pause(lateBy, life))) return;
    if (res.socket?.destroyed) return;
    if (failure) return send(res, failure.status, 'text/plain; charset=utf-8', serverError);
    send(
      res,
      200,
      json,
      `{"prompt_id": ${JSON.stringify(promptId)}, "number": ${numberText}, "node_errors": ${JSON.stringify(outcome.nodeErrors)}}`,
    );
  }
}

function rejection(type: string, message: string, details: string) {
  return { error: { type, message, details, extra_info: {} }, node_errors: {} };
}
