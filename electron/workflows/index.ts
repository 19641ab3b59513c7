export { bindWorkflow, resolveRequestedSize, randomSeed, MAX_SEED, WorkflowBindingError } from './bind.js';
export type { BoundWorkflow, GenerationParams } from './bind.js';
export { chooseDefaultWorkflow } from './default.js';
export type { DefaultCandidate, DefaultChoice } from './default.js';
export { detectParameters } from './detect.js';
export type { WorkflowParameters } from './detect.js';
export { createWorkflowLibrary } from './library.js';
export type {
  LoadedWorkflowEntry,
  WorkflowEntry,
  WorkflowLibrary,
  WorkflowLibraryOptions,
  WorkflowSource,
} from './library.js';
export { parseWorkflowMeta, workflowMetaSchema } from './meta.js';
export type { ModelFile, NodePack, WorkflowMeta } from './meta.js';
export { MAX_WORKFLOW_NODES, parseWorkflow, WorkflowFormatError } from './parse.js';
export { PARAMETER_NAMES } from './placeholders.js';
export type { ParameterName, ParameterTarget, ParameterTargets } from './placeholders.js';
export { planGenerationSize } from './size.js';
export type { Size, SizeRules } from './size.js';
export { modelFolder, resolveModelPaths, validateWorkflow } from './validate.js';
export type { InvalidValue, MissingModel, MissingPack, WorkflowValidation } from './validate.js';
export { detectModes, WORKFLOW_MODES } from './modes.js';
export type { EditMode, WorkflowMode } from './modes.js';
export { describeWorkflow } from './workflow.js';
export type { Workflow } from './workflow.js';
