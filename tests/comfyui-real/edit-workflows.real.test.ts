import { describe } from 'vitest';
import { defineEditWorkflowSuite } from '../workflows/edit-workflows-suite.js';

const url = process.env.COMFYUI_URL;

if (url) {
  defineEditWorkflowSuite({ name: `real ComfyUI at ${url}`, url });
} else {
  describe.skip('COMFYUI_URL not set: real ComfyUI edit workflows skipped', () => {});
}
