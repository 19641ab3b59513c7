import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeExecutionError, decodeValidationBody } from '../../electron/comfy/parse.js';
import {
  executionFailure,
  executionFailureLog,
  withoutTracebacks,
} from '../../electron/jobs/comfy-failure.js';

/** A capture recorded from ComfyUI 0.3.64 (comfyui/API.md). */
function capture(name: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL(`../fakes/captures/${name}.json`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
}

describe('a ComfyUI failure as the agent gets it', () => {
  const messages = capture('08-failure').messages as { type: string; data: unknown }[];
  const real = decodeExecutionError(messages.find((message) => message.type === 'execution_error')!.data);

  it('keeps the node, exception type and message of the captured execution_error, not its traceback', () => {
    expect(real.traceback.join('')).toContain('^^^^');
    const failure = executionFailure(real);
    expect(failure).toEqual({
      code: 'execution_error',
      message:
        'ComfyUI failed in node 2 (SlowProgress): SlowProgressFailure: SlowProgress failed on request at step 2 of 5',
      details: {
        nodeId: '2',
        nodeType: 'SlowProgress',
        exceptionType: '<custom_nodes>/slow_progress.SlowProgressFailure',
        exceptionMessage: 'SlowProgress failed on request at step 2 of 5',
      },
    });
  });

  it('puts the whole traceback in the log fields', () => {
    const logged = executionFailureLog(real);
    expect(logged.node).toBe('2 (SlowProgress)');
    expect(logged.traceback).toContain('in process_inputs');
    expect(logged.traceback).toContain('^^^^^^^^^^^');
  });

  it('cuts a very long exception message in the result', () => {
    const failure = executionFailure({
      ...real,
      exceptionType: 'RuntimeError',
      exceptionMessage: 'x'.repeat(5000),
    });
    expect(failure.details.exceptionMessage).toHaveLength(1001);
    expect(failure.message.startsWith('ComfyUI failed in node 2 (SlowProgress): RuntimeError: xxx')).toBe(
      true,
    );
  });

  it("drops the traceback of an exception during validation from a 400's node_errors, keeping what names the input", () => {
    const post = capture('11-invalid').linkToMissingNode as { json: unknown };
    const { nodeErrors } = decodeValidationBody(post.json)!;
    expect(JSON.stringify(nodeErrors)).toContain('^^^^');
    const kept = withoutTracebacks(nodeErrors);
    expect(JSON.stringify(kept)).not.toContain('^^^^');
    expect(kept['2']).toEqual({
      errors: [
        {
          type: 'exception_during_validation',
          message: 'Exception when validating node',
          details: "'99'",
          extra_info: { exception_type: 'KeyError' },
        },
      ],
      dependent_outputs: ['2'],
      class_type: 'SaveImage',
    });
  });
});
