// `npm run screenshots`: rebuilds, then runs the dashboard's end-to-end views test with SCREENSHOTS=1, the
// only run that rewrites docs/screenshots/ (a plain `npm test` leaves them alone). A script rather than an
// inline `SCREENSHOTS=1 vitest …` so it works in Windows shells too.
import { spawnSync } from 'node:child_process';

const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const run = (args) => {
  const result = spawnSync(npx, args, {
    stdio: 'inherit',
    env: { ...process.env, SCREENSHOTS: '1' },
    shell: process.platform === 'win32',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
run(['vitest', 'run', '--project', 'e2e', 'tests/e2e/views.test.ts']);
