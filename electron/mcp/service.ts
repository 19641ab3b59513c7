import type {
  BatchAccepted,
  BatchGenerateImagesArgs,
  BatchStatus,
  CancelBatchArgs,
  CancelResult,
  CheckBatchStatusArgs,
  ComfyStatus,
  ConvertImageArgs,
  ConvertImageResult,
  EditImageArgs,
  GenerateImageArgs,
  GenerateImageResult,
  ImageList,
  ListGeneratedImagesArgs,
} from './schemas.js';

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

/** What the protocol layer knows about the call that the core needs. */
export interface ToolContext {
  /**
   * Aborted only when the client cancels this call (2025 and stdio: notifications/cancelled; 2026 over HTTP: it
   * closed the call's request stream). The call's ComfyUI work is cancelled.
   */
  signal: AbortSignal;
  /**
   * Aborted when the call must answer now with what it has and leave its work running: its session or
   * connection is closing, or the bridge is shutting down. A generation then answers `running` with its batch id.
   */
  release?: AbortSignal;
  /** Absolute directories from the client's roots; empty when the client has none or declares no roots support. */
  roots: string[];
  /** The stdio shim's working directory, when the call came through the shim. */
  cwd?: string;
  /** Set by the stdio shim: a call sent again with the same key resumes the batch the first send started. */
  requestKey?: string;
  /** Sends notifications/progress when the client asked for progress; a no-op otherwise. Never throws. */
  progress(update: ProgressUpdate): void;
}

/**
 * The contract between the MCP protocol layer and the bridge core. Domain failures are thrown as
 * `BridgeError` (see electron/errors.ts) and become `isError` tool results; anything else is a bug.
 */
export interface BridgeService {
  generateImage(args: GenerateImageArgs, ctx: ToolContext): Promise<GenerateImageResult>;
  /** Like generateImage, for an edit of an existing image; its images carry `source` (and transparency). */
  editImage(args: EditImageArgs, ctx: ToolContext): Promise<GenerateImageResult>;
  batchGenerateImages(args: BatchGenerateImagesArgs, ctx: ToolContext): Promise<BatchAccepted>;
  checkBatchStatus(args: CheckBatchStatusArgs, ctx: ToolContext): Promise<BatchStatus>;
  cancelBatch(args: CancelBatchArgs, ctx: ToolContext): Promise<CancelResult>;
  listGeneratedImages(args: ListGeneratedImagesArgs, ctx: ToolContext): Promise<ImageList>;
  checkComfyuiStatus(ctx: ToolContext): Promise<ComfyStatus>;
  /**
   * Converts images next to themselves (and with `web` makes each web-ready). One path that fails throws its
   * error; with several, each failure is an item of the result.
   */
  convertImage(args: ConvertImageArgs, ctx: ToolContext): Promise<ConvertImageResult>;
}
