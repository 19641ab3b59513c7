// Use as `node --import ./tests/conformance/register.mjs node_modules/@modelcontextprotocol/conformance/dist/index.js ...`
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
