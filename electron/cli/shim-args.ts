import type { CliOptions } from './options.js';

/**
 * The options this run was given, as flags for the stdio shim in the "Connect an agent" snippets: an agent's
 * client starts the shim with its own environment, so a shim without them looks for the bridge in the default
 * data folder (a `serve --data-dir` elsewhere is not found, and a second bridge starts) and, when it hosts the
 * bridge itself, runs with other ComfyUI addresses and folders. Variables are turned into flags for the same
 * reason. The data folder is added by the core (every run has one); the token never goes on a command line
 * (any local account can read it there): the shim reads it from the data folder.
 */
export function shimArgsOf(options: CliOptions): string[] {
  const args: string[] = [];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined) args.push(flag, String(value));
  };
  add('--host', options.host);
  add('--port', options.port);
  for (const url of options.comfyuiUrls) add('--comfyui', url);
  add('--output-dir', options.outputDir);
  add('--workflows-dir', options.workflowsDir);
  add('--workflow', options.workflow);
  for (const dir of options.allowDirs) add('--allow-dir', dir);
  add('--max-input-megapixels', options.maxInputMegapixels);
  add('--max-pending', options.maxPendingJobs);
  if (options.noTokenOnLoopback) args.push('--no-token-on-loopback');
  return args;
}
