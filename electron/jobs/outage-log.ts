import type { Logger } from '../log.js';
import { reachabilityTransition, unreachableReason, type BackendReachability } from './reachability.js';

/** Logs the start of an outage of every backend once (WARN) and its end once (INFO), for the backend pool. */
export class OutageLog {
  /** The WARN for "no backend reachable" was logged and the INFO for the end of that outage is still due. */
  private outageReported = false;

  constructor(private readonly logger: Logger) {}

  /** Called on every change of the backends' reachability; `problems` are theirs, for the WARN. */
  report(backends: BackendReachability[], problems: (string | undefined)[]): void {
    const transition = reachabilityTransition(backends, this.outageReported);
    if (transition === 'outage') {
      this.outageReported = true;
      this.logger.warn(`waiting: ${unreachableReason(backends)}`, { problems });
    } else if (transition === 'recovered') {
      this.outageReported = false;
      const urls = backends.filter((backend) => backend.available).map((backend) => backend.url);
      this.logger.info('ComfyUI reachable again', { backends: urls });
    }
  }
}
