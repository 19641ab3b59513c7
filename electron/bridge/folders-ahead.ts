/**
 * A streamed PNG's save folder, opened while ComfyUI runs the job (issue 16). Opened at delivery instead, after the
 * terminal event, the chain of look-ups on libuv's threads (the folder's checks, its open) often ended after a
 * fast download had arrived, and the stream into the temp file (streamed-download.ts) then had nothing to overlap.
 * Delivery takes the folder over (and closes it); a job that leaves `running` any other way has its folder closed
 * here. The folder is only a head start: delivery still checks the save path again, and the atomic write verifies
 * that the path leads to this very folder before and after it places the file.
 */
import { openExistingFolder } from '../images/atomic-write.js';
import type { FolderHandle } from '../images/folder-handle.js';
import type { JobRecord } from '../jobs/types.js';
import { streamsIntoTemp } from './streamed-download.js';

export class FoldersAhead {
  private readonly opened = new Map<string, Promise<FolderHandle | undefined>>();
  private closed = false;

  /** Follows a job's state: its folder is opened when it starts running, and closed if it stops without delivery. */
  follow(job: Pick<JobRecord, 'id' | 'state' | 'spec'>): void {
    if (job.state === 'running') this.open(job);
    else this.drop(job.id);
  }

  /** The job's opened folder, if one was opened ahead: from now on the caller closes it. */
  take(jobId: string): Promise<FolderHandle | undefined> | undefined {
    const folder = this.opened.get(jobId);
    this.opened.delete(jobId);
    return folder;
  }

  /** Closes every folder still held (the core is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    const folders = [...this.opened.values()];
    this.opened.clear();
    await Promise.all(folders.map((folder) => folder.then((handle) => handle?.close())));
  }

  private open(job: Pick<JobRecord, 'id' | 'spec'>): void {
    if (this.closed || this.opened.has(job.id) || !streamsIntoTemp(job.spec)) return;
    // Failures are undefined (openExistingFolder): delivery then opens the folder itself, as without this.
    this.opened.set(job.id, openExistingFolder(job.spec.savePath, job.spec.allowedRoots));
  }

  private drop(jobId: string): void {
    void this.take(jobId)?.then((handle) => handle?.close());
  }
}
