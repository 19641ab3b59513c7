/** The dashboard's Workflows route: each workflow, its parameters and models, and where it runs. */
import { z } from 'zod';

export const workflowParameterSchema = z.object({
  name: z.string(),
  nodeId: z.string(),
  classType: z.string(),
  input: z.string(),
  source: z.enum(['placeholder', 'detected']),
});
export const workflowViewSchema = z.object({
  id: z.string(),
  source: z.enum(['bundled', 'user']),
  file: z.string(),
  status: z.enum(['ok', 'error']),
  error: z.string().optional(),
  overridesBundled: z.string().optional(),
  title: z.string(),
  description: z.string(),
  family: z.string(),
  /** `folder`: ComfyUI's models sub-folder the file goes in; `url`: where to download it. */
  models: z.array(z.object({ file: z.string(), folder: z.string().optional(), url: z.string().optional() })),
  parameters: z.array(workflowParameterSchema),
  outputNodeIds: z.array(z.string()),
  notes: z.array(z.string()),
  /** One entry per known backend. */
  validation: z.array(
    z.object({ backend: z.string(), runnable: z.boolean(), messages: z.array(z.string()) }),
  ),
});
export type WorkflowView = z.infer<typeof workflowViewSchema>;
export const workflowListSchema = z.object({
  /** The workflow calls get when they name none, and why. */
  defaultId: z.string().optional(),
  defaultReason: z.string(),
  userFolder: z.string(),
  /** The flag or variable that chose the default for this run (`--workflow`): it cannot be changed here then. */
  defaultLockedBy: z.string().optional(),
  workflows: z.array(workflowViewSchema),
});
