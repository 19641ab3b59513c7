/**
 * A loopback stand-in for ComfyUI's two HTTP legs of a generation, in its own process (bench/comfy-http.ts):
 * GET /view answers the PNG file named by argv[2], any POST answers POST /prompt's small JSON. The port goes to
 * stdout.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const image = readFileSync(process.argv[2]!);
const accepted = JSON.stringify({ prompt_id: 'bench', number: 1, node_errors: {} });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = req.url?.startsWith('/view') ? image : Buffer.from(accepted);
    res.writeHead(200, {
      'content-type': req.url?.startsWith('/view') ? 'image/png' : 'application/json',
      'content-length': String(body.byteLength),
    });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
