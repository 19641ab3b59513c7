/*
 * The result view (MCP Apps, spec 2026-01-26): one self-contained HTML page, no framework, inline script and
 * style, no network access (it works under the host's default CSP: images arrive as data: URLs through the
 * bridge). It speaks the extension's postMessage JSON-RPC directly (ui/initialize, tool-result notifications,
 * tools/call through the host) instead of bundling the ext-apps App class, which brings the MCP client and zod
 * along (over 100 KB for a page this size). Colours and fonts are the host's theme variables, with fallbacks.
 */
export const resultViewHtml = String.raw`<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ComfyUI MCP Bridge</title>
<style>
:root{color-scheme:light dark}
body{margin:0;padding:8px;font-family:var(--font-sans,system-ui,sans-serif);font-size:var(--font-text-sm-size,13px);
color:var(--color-text-primary,CanvasText);background:var(--color-background-primary,Canvas)}
#status{color:var(--color-text-secondary,GrayText);margin:0 0 6px}
progress{width:100%;height:6px}
#items{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:8px}
.item{border:1px solid var(--color-border-primary,#8884);border-radius:var(--border-radius-md,6px);padding:6px;
background:var(--color-background-secondary,transparent);min-width:0}
.item img{display:block;width:100%;height:auto;max-height:240px;object-fit:contain;border-radius:4px}
.ph{aspect-ratio:1;display:grid;place-items:center;color:var(--color-text-secondary,GrayText)}
.meta{margin:4px 0;overflow-wrap:anywhere;font-family:var(--font-mono,ui-monospace,monospace);font-size:11px}
.err{color:var(--color-text-danger,#c33)}
button{font:inherit;font-size:12px;margin:2px 4px 0 0;padding:2px 8px;cursor:pointer;color:inherit;
background:var(--color-background-tertiary,#8882);border:1px solid var(--color-border-primary,#8886);
border-radius:var(--border-radius-sm,4px)}
.kept{outline:2px solid var(--color-border-info,#39f)}
</style></head>
<body><p id="status">Waiting for the result…</p><progress id="bar" hidden></progress><div id="items"></div>
<script>
(() => {
  let nextId = 1, batch = null, polling = null;
  const pending = new Map(), thumbs = new Map(), $ = (id) => document.getElementById(id);
  const send = (message) => window.parent.postMessage({ jsonrpc: '2.0', ...message }, '*');
  const rpc = (method, params) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    send({ id, method, params });
  });
  const callTool = async (name, args) => {
    const result = await rpc('tools/call', { name, arguments: args });
    if (result.isError) throw new Error((result.content || []).map((c) => c.text || '').join(' ') || name + ' failed');
    return result;
  };
  const theme = (context) => {
    const vars = context && context.styles && context.styles.variables;
    if (vars) for (const [name, value] of Object.entries(vars)) if (value) document.documentElement.style.setProperty(name, value);
    if (context && context.theme) document.documentElement.style.colorScheme = context.theme;
  };
  const el = (tag, props, ...children) => {
    const node = Object.assign(document.createElement(tag), props || {});
    for (const child of children) if (child != null) node.append(child);
    return node;
  };
  const kb = (bytes) => bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + ' MB' : Math.round(bytes / 1024) + ' KB';
  async function copy(text, button) {
    try { await navigator.clipboard.writeText(text); }
    catch { const area = el('textarea', { value: text }); document.body.append(area); area.select(); document.execCommand('copy'); area.remove(); }
    button.textContent = 'Copied';
  }
  function thumbnail(index) {
    const key = batch.id + '/' + index;
    if (!thumbs.has(key)) thumbs.set(key, callTool('result_thumbnail', { batch_id: batch.id, index })
      .then((r) => { const image = r.content.find((c) => c.type === 'image'); return 'data:' + image.mimeType + ';base64,' + image.data; })
      .catch(() => { thumbs.delete(key); return null; }));
    return thumbs.get(key);
  }
  function card(item, canPick) {
    const node = el('div', { className: 'item' });
    node.dataset.index = String(item.index);
    node.dataset.status = item.status;
    if (item.status !== 'completed') {
      node.append(el('div', { className: 'ph' + (item.error ? ' err' : ''), textContent: item.error ? item.error.message : item.status + '…' }));
      return node;
    }
    const img = el('img', { alt: item.path.split(/[\\/]/).pop() });
    const holder = el('div', { className: 'ph', textContent: 'loading…' });
    node.append(holder);
    thumbnail(item.index).then((src) => { if (src) { img.src = src; holder.replaceWith(img); } else holder.textContent = 'no preview'; });
    const copyPath = el('button', { textContent: 'Copy path', onclick: () => copy(item.path, copyPath) });
    node.append(el('div', { className: 'meta', textContent: item.path }),
      el('div', { className: 'meta', textContent: (item.width && item.height ? item.width + '×' + item.height + ' · ' : '') + (item.bytes ? kb(item.bytes) : '') }),
      copyPath);
    const html = item.html || (item.web && item.web.html);
    if (html) {
      const copyHtml = el('button', { textContent: 'Copy html', onclick: () => copy(html, copyHtml) });
      node.append(el('pre', { className: 'meta', textContent: html }), copyHtml);
    }
    if (canPick) {
      const pick = el('button', { textContent: 'Keep this one', className: 'pick' });
      pick.onclick = async () => {
        pick.disabled = true;
        try {
          const kept = (await callTool('keep_variant', { batch_id: batch.id, index: item.index })).structuredContent;
          for (const other of document.querySelectorAll('.item')) other.classList.remove('kept');
          node.classList.add('kept');
          $('status').textContent = 'Kept at ' + kept.path;
        } catch (error) { $('status').textContent = String(error.message || error); }
        pick.disabled = false;
      };
      node.append(pick);
    }
    return node;
  }
  function show(items, counts, done) {
    const finished = items.filter((item) => item.status === 'completed');
    $('items').replaceChildren(...items.map((item) => card(item, done && finished.length > 1)));
    const bar = $('bar');
    bar.hidden = done;
    bar.max = counts.total; bar.value = counts.completed + counts.failed + counts.cancelled;
    $('status').textContent = done
      ? finished.length + ' of ' + counts.total + ' done' + (counts.failed ? ', ' + counts.failed + ' failed' : '') + (finished.length > 1 ? ': keep the one you want' : '')
      : counts.completed + ' of ' + counts.total + ' done, ' + counts.running + ' running, ' + counts.pending + ' waiting';
  }
  async function follow(batchId) {
    const token = polling = {};
    while (polling === token) {
      try {
        const status = (await callTool('check_batch_status', { batch_id: batchId, wait_seconds: 3 })).structuredContent;
        if (polling !== token) return;
        show(status.items, status, status.done);
        if (status.done) return;
      } catch (error) { $('status').textContent = String(error.message || error); return; }
    }
  }
  function render(result) {
    const data = result.structuredContent;
    polling = null;
    if (result.isError || !data) {
      $('status').className = 'err';
      $('status').textContent = (data && data.error && data.error.message) || (result.content || []).map((c) => c.text || '').join(' ');
      return;
    }
    batch = { id: data.batch_id };
    if (Array.isArray(data.items)) {
      show(data.items, data, data.done);
      if (!data.done) follow(data.batch_id);
    } else if (Array.isArray(data.images) && data.status === 'completed') {
      const items = data.images.map((image, index) => ({ ...image, index, status: 'completed' }));
      show(items, { total: items.length, completed: items.length, failed: 0, cancelled: 0 }, true);
    } else {
      $('status').textContent = 'Running…';
      $('bar').hidden = false;
      follow(data.batch_id);
    }
  }
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent) return;
    const message = event.data;
    if (!message || message.jsonrpc !== '2.0') return;
    if (message.id !== undefined && !message.method) {
      const waiting = pending.get(message.id);
      pending.delete(message.id);
      if (waiting) message.error ? waiting.reject(new Error(message.error.message)) : waiting.resolve(message.result);
    } else if (message.method === 'ui/notifications/tool-result') render(message.params);
    else if (message.method === 'ui/notifications/host-context-changed') theme(message.params);
    else if (message.id !== undefined) {
      if (message.method === 'ui/resource-teardown') polling = null;
      send({ id: message.id, result: {} });
    }
  });
  new ResizeObserver(() => send({ method: 'ui/notifications/size-changed',
    params: { width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight } })).observe(document.body);
  rpc('ui/initialize', { appInfo: { name: 'comfyui-mcp-bridge-result', version: '1' }, appCapabilities: {}, protocolVersion: '2026-01-26' })
    .then((init) => { theme(init.hostContext); send({ method: 'ui/notifications/initialized' }); });
})();
</script></body></html>
`;
