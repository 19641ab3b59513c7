/*
 * A JSON text nested thousands of levels deep is cheap to send and costly to take in: parsing it and then
 * walking it (JSON-RPC and zod validation) held the bridge's one thread for seconds (a 3.8 MB body: 3-5 s,
 * every other client waiting). MCP messages and dashboard bodies are a few levels deep, so a body nested deeper
 * than this is refused before it is parsed, by a linear scan that needs no memory.
 */
export const MAX_JSON_NESTING = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Whether `bytes` (JSON text, UTF-8) opens more than `limit` arrays/objects inside one another. Brackets inside
 * strings do not count; UTF-8 continuation bytes are never ASCII, so a byte scan is exact. Malformed JSON is
 * left to the parser.
 */
export function isNestedDeeperThan(bytes: Uint8Array, limit: number = MAX_JSON_NESTING): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}
