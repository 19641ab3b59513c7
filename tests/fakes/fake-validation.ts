import type { NodeError, ObjectInfo, PromptError } from '../../electron/comfy/types.js';

/**
 * POST /prompt validation as ComfyUI 0.3.64 does it (execution.py validate_prompt / validate_inputs), for the
 * cases the bridge meets: unknown or missing class_type, no outputs, missing inputs, bad links, type mismatches,
 * value conversion, min/max, combo values (model files) and LoadImage's and LoadImageMask's file check.
 * Over ~300 lines on purpose: it is one port of those two functions, in their order and with their error texts, so
 * it reads against execution.py side by side.
 */
export type ValidationOutcome =
  | { ok: true; outputs: string[]; nodeErrors: Record<string, NodeError> }
  | { ok: false; error: PromptError; nodeErrors: Record<string, NodeError> };

export interface ValidationContext {
  objectInfo: ObjectInfo;
  inputFileExists: (name: string) => boolean;
}

/** Nodes whose `image` input names a file in ComfyUI's input folder, checked by the node's own validator. */
const imageLoaders = new Set(['LoadImage', 'LoadImageMask']);

interface RawNode {
  class_type?: unknown;
  inputs?: Record<string, unknown>;
}

type Verdict = { valid: boolean; errors: PromptError[] };

class ValidationException extends Error {
  constructor(
    readonly exceptionType: string,
    readonly details: string,
  ) {
    super(details);
  }
}

export function validatePrompt(prompt: unknown, context: ValidationContext): ValidationOutcome {
  const fail = (type: string, message: string, details: string): ValidationOutcome => ({
    ok: false,
    error: { type, message, details, extra_info: {} },
    nodeErrors: {},
  });
  const graph = (isRecord(prompt) ? prompt : {}) as Record<string, RawNode>;
  const outputs: string[] = [];
  for (const [id, node] of Object.entries(graph)) {
    if (!isRecord(node) || !('class_type' in node)) {
      return fail(
        'invalid_prompt',
        'Cannot execute because a node is missing the class_type property.',
        `Node ID '#${id}'`,
      );
    }
    const info = context.objectInfo[String(node.class_type)];
    if (!info) {
      return fail(
        'invalid_prompt',
        `Cannot execute because node ${String(node.class_type)} does not exist.`,
        `Node ID '#${id}'`,
      );
    }
    if (info.output_node) outputs.push(id);
  }
  if (outputs.length === 0) return fail('prompt_no_outputs', 'Prompt has no outputs', '');

  const validated = new Map<string, Verdict>();
  const goodOutputs: string[] = [];
  const failedReasons: PromptError[] = [];
  const nodeErrors: Record<string, NodeError> = {};
  for (const output of outputs) {
    let verdict: Verdict;
    try {
      verdict = validateNode(graph, output, validated, context);
    } catch (error) {
      const exception =
        error instanceof ValidationException ? error : new ValidationException('Exception', String(error));
      verdict = {
        valid: false,
        errors: [
          {
            type: 'exception_during_validation',
            message: 'Exception when validating node',
            details: exception.details,
            extra_info: {
              exception_type: exception.exceptionType,
              traceback: ['  File "<ComfyUI>/execution.py", line 1010, in validate_prompt\n'],
            },
          },
        ],
      };
      validated.set(output, verdict);
    }
    if (verdict.valid) {
      goodOutputs.push(output);
      continue;
    }
    failedReasons.push(...verdict.errors);
    for (const [nodeId, result] of validated) {
      if (result.valid || result.errors.length === 0) continue;
      nodeErrors[nodeId] ??= {
        errors: result.errors,
        dependent_outputs: [],
        class_type: String(graph[nodeId]?.class_type),
      };
      nodeErrors[nodeId].dependent_outputs.push(output);
    }
  }
  if (goodOutputs.length === 0) {
    return {
      ok: false,
      error: {
        type: 'prompt_outputs_failed_validation',
        message: 'Prompt outputs failed validation',
        details: failedReasons.map((e) => `${e.message}: ${e.details}`).join('\n'),
        extra_info: {},
      },
      nodeErrors,
    };
  }
  return { ok: true, outputs: goodOutputs, nodeErrors };
}

function validateNode(
  graph: Record<string, RawNode>,
  id: string,
  validated: Map<string, Verdict>,
  context: ValidationContext,
): Verdict {
  const known = validated.get(id);
  if (known) return known;
  const node = graph[id] as RawNode;
  const classType = String(node.class_type);
  const info = context.objectInfo[classType];
  if (!info) throw new ValidationException('KeyError', `'${classType}'`);
  const inputs = isRecord(node.inputs) ? node.inputs : {};
  const errors: PromptError[] = [];
  let valid = true;
  const specs = [
    ...Object.entries(info.input.required ?? {}).map(([name, spec]) => ({ name, spec, required: true })),
    ...Object.entries(info.input.optional ?? {}).map(([name, spec]) => ({ name, spec, required: false })),
  ];
  for (const { name, spec, required } of specs) {
    const [inputType, options = {}] = spec;
    const inputConfig = [inputType, options];
    if (!(name in inputs)) {
      if (required) {
        errors.push(error('required_input_missing', 'Required input is missing', name, { input_name: name }));
      }
      continue;
    }
    const value = inputs[name];
    if (Array.isArray(value)) {
      if (value.length !== 2) {
        errors.push(
          error(
            'bad_linked_input',
            'Bad linked input, must be a length-2 list of [node_id, slot_index]',
            name,
            {
              input_name: name,
              input_config: inputConfig,
              received_value: value,
            },
          ),
        );
        continue;
      }
      const [sourceId, slot] = value as [unknown, unknown];
      const source = graph[String(sourceId)];
      if (!source) throw new ValidationException('KeyError', `'${String(sourceId)}'`);
      const sourceInfo = context.objectInfo[String(source.class_type)];
      const receivedType = sourceInfo?.output[Number(slot)];
      if (receivedType === undefined) throw new ValidationException('IndexError', 'tuple index out of range');
      if (!typesMatch(receivedType, inputType)) {
        errors.push(
          error(
            'return_type_mismatch',
            'Return type mismatch between linked nodes',
            `${name}, received_type(${receivedType}) mismatch input_type(${String(inputType)})`,
            { input_name: name, input_config: inputConfig, received_type: receivedType, linked_node: value },
          ),
        );
        continue;
      }
      if (!validateNode(graph, String(sourceId), validated, context).valid) valid = false;
      continue;
    }
    const converted = convert(value, inputType);
    if ('failure' in converted) {
      errors.push(
        error(
          'invalid_input_type',
          `Failed to convert an input value to a ${String(inputType)} value`,
          `${name}, ${String(value)}, ${converted.failure}`,
          {
            input_name: name,
            input_config: inputConfig,
            received_value: value,
            exception_message: converted.failure,
          },
        ),
      );
      continue;
    }
    const val = converted.value;
    if (imageLoaders.has(classType) && name === 'image') {
      // LoadImage and LoadImageMask have their own validator, so the combo is not checked against the list
      // (subfolders and "name [input]" work); a missing file fails it (captures/upload-graphs.json).
      if (!context.inputFileExists(String(val))) {
        errors.push(
          error(
            'custom_validation_failed',
            'Custom validation failed for node',
            `image - Invalid image file: ${String(val)}`,
            {
              input_name: 'image',
            },
          ),
        );
      }
      continue;
    }
    if (typeof options.min === 'number' && typeof val === 'number' && val < options.min) {
      errors.push(
        error('value_smaller_than_min', `Value ${val} smaller than min of ${options.min}`, name, {
          input_name: name,
          input_config: inputConfig,
          received_value: val,
        }),
      );
      continue;
    }
    if (typeof options.max === 'number' && typeof val === 'number' && val > options.max) {
      errors.push(
        error('value_bigger_than_max', `Value ${val} bigger than max of ${options.max}`, name, {
          input_name: name,
          input_config: inputConfig,
          received_value: val,
        }),
      );
      continue;
    }
    const combo = comboValues(inputType, options);
    if (combo && !combo.includes(val)) {
      // ComfyUI does not echo long lists (scanned model folders) back.
      const long = combo.length > 20;
      errors.push(
        error(
          'value_not_in_list',
          'Value not in list',
          `${name}: '${String(val)}' not in ${long ? `(list of length ${combo.length})` : pyList(combo)}`,
          { input_name: name, input_config: long ? null : inputConfig, received_value: val },
        ),
      );
    }
  }
  const verdict = { valid: valid && errors.length === 0, errors };
  validated.set(id, verdict);
  return verdict;
}

function typesMatch(received: string, expected: unknown): boolean {
  if (typeof expected !== 'string') return received === 'COMBO';
  if (received === '*' || expected === '*') return true;
  const want = new Set(expected.split(','));
  return received.split(',').every((t) => want.has(t));
}

function comboValues(inputType: unknown, options: Record<string, unknown>): unknown[] | undefined {
  if (Array.isArray(inputType)) return inputType as unknown[];
  if (inputType === 'COMBO' && Array.isArray(options.options)) return options.options as unknown[];
  return undefined;
}

function convert(value: unknown, inputType: unknown): { value: unknown } | { failure: string } {
  if (inputType === 'INT') {
    if (typeof value === 'number') return { value: Math.trunc(value) };
    if (typeof value === 'boolean') return { value: Number(value) };
    if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value))
      return { value: Number.parseInt(value, 10) };
    return { failure: `invalid literal for int() with base 10: '${String(value)}'` };
  }
  if (inputType === 'FLOAT') {
    if (typeof value === 'number') return { value };
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
      return { value: Number(value) };
    return { failure: `could not convert string to float: '${String(value)}'` };
  }
  if (inputType === 'STRING') return { value: typeof value === 'string' ? value : JSON.stringify(value) };
  if (inputType === 'BOOLEAN') return { value: Boolean(value) };
  return { value };
}

function error(type: string, message: string, details: string, extra: Record<string, unknown>): PromptError {
  return { type, message, details, extra_info: extra };
}

/** Python's str() of a list of strings, as ComfyUI puts it in messages. */
function pyList(values: unknown[]): string {
  return `[${values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(', ')}]`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
