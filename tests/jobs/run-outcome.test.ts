import { describe, expect, it } from 'vitest';
import type { ImageRef } from '../../electron/comfy/types.js';
import { gaveUpError, outcomeOf, pickImage, toJobError } from '../../electron/jobs/run-outcome.js';

const image = (filename: string): ImageRef => ({ filename, subfolder: '', type: 'output' });

describe('outcomeOf', () => {
  it('delivers the preferred output node’s image, else any node’s', () => {
    const outputs = { '3': { images: [image('preview.png')] }, '9': { images: [image('final.png')] } };
    expect(outcomeOf({ status: 'success', outputs }, ['9'])).toEqual({
      kind: 'deliver',
      image: image('final.png'),
    });
    expect(pickImage(outputs, ['42'])).toEqual(image('preview.png'));
  });

  it('fails a success without an image, an execution error and an interrupt; sends a lost run again', () => {
    expect(outcomeOf({ status: 'success', outputs: {} }, [])).toMatchObject({
      kind: 'fail',
      error: { code: 'no_image' },
    });
    const error = {
      nodeId: '7',
      nodeType: 'KSampler',
      exceptionType: 'torch.OutOfMemoryError',
      exceptionMessage: 'CUDA out of memory',
      traceback: ['  File "x.py"'],
    };
    expect(outcomeOf({ status: 'error', error, outputs: {} }, [])).toMatchObject({
      kind: 'fail',
      error: { code: 'execution_error', details: { nodeId: '7', nodeType: 'KSampler' } },
    });
    expect(outcomeOf({ status: 'interrupted' }, [])).toMatchObject({
      kind: 'fail',
      error: { code: 'interrupted' },
    });
    expect(outcomeOf({ status: 'lost' }, [])).toMatchObject({ kind: 'retry' });
  });
});

describe('job errors', () => {
  it('ends the give-up message with one full stop', () => {
    expect(gaveUpError(3, 'ComfyUI at a stopped answering').message).toBe(
      'Gave up after 3 attempts: ComfyUI at a stopped answering.',
    );
    expect(gaveUpError(3, 'no answer.').message).toBe('Gave up after 3 attempts: no answer.');
  });

  it('keeps a BridgeError’s code and details, else the fallback code', () => {
    const bridgeError = Object.assign(new Error('changed'), {
      code: 'source_changed',
      details: { path: '/a' },
    });
    expect(toJobError(bridgeError, 'staging_failed')).toEqual({
      code: 'source_changed',
      message: 'changed',
      details: { path: '/a' },
    });
    expect(toJobError(new Error('disk'), 'delivery_failed')).toEqual({
      code: 'delivery_failed',
      message: 'disk',
    });
    expect(toJobError('odd', 'workflow')).toEqual({ code: 'workflow', message: 'odd' });
  });
});
