/**
 * The `data` payloads of a text/event-stream body, one per event, as they arrive. Comment lines (keep-alives),
 * `id:`/`event:`/`retry:` fields and events with empty data (the SDK's priming event) yield nothing.
 */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  let data: string[] = [];
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffered += done ? decoder.decode() + '\n\n' : decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffered.search(/\r\n|\r|\n/)) >= 0) {
        // A CR at the very end may be the first half of a CRLF split across chunks.
        if (!done && newline === buffered.length - 1 && buffered.endsWith('\r')) break;
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + (buffered.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          const payload = data.join('\n');
          if (payload !== '') yield payload;
          data = [];
        } else if (line === 'data' || line.startsWith('data:')) {
          data.push(line.slice(5).replace(/^ /, ''));
        }
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}
