import { afterAll, beforeAll } from 'vitest';
import { startFakeComfyUI, type FakeComfyUI } from '../fakes/fake-comfyui.js';
import { defineClientSuite } from './client-suite.js';

let fake: FakeComfyUI;

beforeAll(async () => {
  fake = await startFakeComfyUI();
});

afterAll(async () => {
  await fake.close();
});

defineClientSuite({ name: 'the fake ComfyUI', url: () => fake.url });
