import type { InputSpec, ObjectInfo } from '../comfy/types.js';

/** The declared spec of one input of a node class, from required or optional inputs. */
export function inputSpec(objectInfo: ObjectInfo, classType: string, input: string): InputSpec | undefined {
  const info = objectInfo[classType];
  if (!info) return undefined;
  return info.input.required?.[input] ?? info.input.optional?.[input];
}

/** The input's type name; old-style (V1) list combos report as "COMBO" like new-style (V3) ones. */
export function inputType(objectInfo: ObjectInfo, classType: string, input: string): string | undefined {
  const spec = inputSpec(objectInfo, classType, input);
  if (!spec) return undefined;
  return Array.isArray(spec[0]) ? 'COMBO' : (spec[0] as string);
}

/**
 * The allowed values of a combo input: V1 `[["a","b"], {...}]` or V3 `["COMBO", {"options": [...]}]`.
 * Undefined when the input is not a combo or its options are not listed (absent or empty options object).
 */
export function comboOptions(spec: InputSpec): readonly unknown[] | undefined {
  const [head, options] = spec;
  if (Array.isArray(head)) return head as readonly unknown[];
  if (head === 'COMBO' && Array.isArray(options?.options)) return options.options as readonly unknown[];
  return undefined;
}
