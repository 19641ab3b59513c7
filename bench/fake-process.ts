/**
 * Runs the fake ComfyUI as its own process for the benchmarks, so its CPU work (PNG encoding, timers) is not on
 * the bridge's or the measuring client's event loop. Options arrive as one JSON argument; the URL goes to stdout.
 */
import { startFakeComfyUI, type FakeComfyUIOptions } from '../tests/fakes/fake-comfyui.js';

const options = JSON.parse(process.argv[2] ?? '{}') as FakeComfyUIOptions;
const fake = await startFakeComfyUI(options);
process.stdout.write(`FAKE_COMFYUI ${fake.url}\n`);

const stop = () => void fake.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
