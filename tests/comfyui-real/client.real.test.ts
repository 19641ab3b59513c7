import { describe } from 'vitest';
import { defineClientSuite } from '../comfy/client-suite.js';

const url = process.env.COMFYUI_URL;

if (url) {
  defineClientSuite({ name: `the real ComfyUI at ${url}`, url: () => url });
} else {
  describe.skip('COMFYUI_URL not set: real ComfyUI suite skipped', () => {});
}
