import type { GetPromptResult, McpServer, ReadResourceResult } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { Playbook } from './playbook.js';
import { playbookFor } from './playbook.js';

/*
 * The playbook for clients without Agent Skills: the whole text as a prompt and as a resource, and one prompt per
 * task (generate, batch, edit) carrying the user's request and the sections that task needs. The texts come from
 * the skill file at call time (playbook.ts), so the skill stays their one source.
 */

export const PLAYBOOK_PROMPT = 'comfyui_images_playbook';
export const PLAYBOOK_URI = 'comfyui-mcp-bridge://playbook';

interface TaskPrompt {
  name: string;
  title: string;
  description: string;
  /** What the agent is asked to do, before the user's words. */
  ask: string;
  sections: readonly string[];
}

const shared = ['Waiting', 'Files and names', 'Errors'] as const;

export const taskPrompts: readonly TaskPrompt[] = [
  {
    name: 'comfyui_generate',
    title: 'Generate an image with ComfyUI',
    description: 'Make one image for the project and save it where the code expects it.',
    ask: 'Generate this image with the comfyui tools and save it in the project:',
    sections: ['One image', 'Sizes per page element', 'Prompts that models follow', 'Alt text', ...shared],
  },
  {
    name: 'comfyui_batch',
    title: 'Generate a set of images with ComfyUI',
    description: 'Make several matching images in one batch and wait for them.',
    ask: 'Generate these images with the comfyui tools, as one batch, and save them in the project:',
    sections: ['Several images', 'Sizes per page element', 'Prompts that models follow', ...shared],
  },
  {
    name: 'comfyui_edit',
    title: 'Edit an image with ComfyUI',
    description: 'Restyle, inpaint, outpaint, upscale or cut out an existing image.',
    ask: 'Edit this image with the comfyui tools:',
    sections: ['Editing', 'Prompts that models follow', ...shared],
  },
];

const requestArgs = z.object({
  request: z.string().describe('What the user wants: the image, where it goes, its size'),
});

const userText = (text: string): GetPromptResult => ({
  messages: [{ role: 'user', content: { type: 'text', text } }],
});

export function registerPlaybook(server: McpServer, playbook: () => Playbook): void {
  server.registerPrompt(
    PLAYBOOK_PROMPT,
    {
      title: 'ComfyUI images: playbook',
      description:
        'How to generate, batch and edit images with the comfyui tools, wait for them and handle errors.',
    },
    () => userText(playbook().body),
  );
  for (const task of taskPrompts) {
    server.registerPrompt(
      task.name,
      { title: task.title, description: task.description, argsSchema: requestArgs },
      ({ request }) =>
        userText(
          `${task.ask}\n\n${request}\n\nFollow this guide.\n\n${playbookFor(playbook(), task.sections)}`,
        ),
    );
  }
  server.registerResource(
    'playbook',
    PLAYBOOK_URI,
    {
      title: 'ComfyUI images: playbook',
      description: 'The agent playbook for the comfyui tools (the comfyui-images skill).',
      mimeType: 'text/markdown',
    },
    (uri): ReadResourceResult => ({
      contents: [{ uri: uri.href, mimeType: 'text/markdown', text: playbook().body }],
    }),
  );
}
