import { describe, expect, it } from 'vitest';
import {
  ComfyHttpError,
  ComfyProtocolError,
  ComfyUnreachableError,
  ComfyValidationError,
} from '../../electron/comfy/errors.js';
import { isTransient, resubmitDelayMs, submitFailure, viewRetryDelaysMs } from '../../electron/jobs/retry.js';

const url = 'http://127.0.0.1:8188';
const http = (status: number) => new ComfyHttpError(url, 'GET', '/view', status, '');
const unreachable = new ComfyUnreachableError(url, 'no answer to POST /prompt within 10000 ms');
const validation = new ComfyValidationError(
  url,
  {
    type: 'prompt_outputs_failed_validation',
    message: 'Prompt outputs failed validation',
    details: '',
    extra_info: {},
  },
  {},
);

describe('retry decisions', () => {
  it('retries 5xx and unreachable, never a 4xx, a refusal or an unreadable answer', () => {
    expect([500, 502, 503].map((status) => isTransient(http(status)))).toEqual([true, true, true]);
    expect(isTransient(unreachable)).toBe(true);
    expect([400, 403, 404].map((status) => isTransient(http(status)))).toEqual([false, false, false]);
    expect(isTransient(validation)).toBe(false);
    expect(isTransient(new ComfyProtocolError(url, '/view', 'the body is not JSON', ''))).toBe(false);
    expect(isTransient(new Error('This operation was aborted'))).toBe(false);
  });

  it('treats a failed POST /prompt as refused only when ComfyUI said no', () => {
    expect(submitFailure(validation)).toBe('refused');
    expect(submitFailure(http(400))).toBe('refused');
    expect(submitFailure(http(413))).toBe('refused');
    // Any of these may come after ComfyUI queued the prompt: it has to be looked for.
    expect(submitFailure(http(500))).toBe('unknown');
    expect(submitFailure(http(502))).toBe('unknown');
    expect(submitFailure(unreachable)).toBe('unknown');
    expect(submitFailure(new ComfyProtocolError(url, '/prompt', 'the body is not JSON', ''))).toBe('unknown');
  });

  it('waits a little longer before each new try, within bounds', () => {
    expect([1, 2, 3, 4, 5].map(resubmitDelayMs)).toEqual([250, 1_000, 4_000, 4_000, 4_000]);
    expect(viewRetryDelaysMs).toEqual([200, 500, 1_000]);
  });
});
