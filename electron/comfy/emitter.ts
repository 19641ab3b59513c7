import type { Logger } from '../log.js';

type Listener<T> = (event: T) => void;

/**
 * A minimal typed event emitter. A throwing listener is logged and skipped, so one bad subscriber cannot break
 * message handling for the others.
 */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>();

  constructor(private readonly emitterLogger: Logger) {}

  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return this;
  }

  off<K extends keyof Events>(event: K, fn: Listener<Events[K]>): this {
    this.listeners.get(event)?.delete(fn);
    return this;
  }

  protected emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        (fn as Listener<Events[K]>)(payload);
      } catch (error) {
        this.emitterLogger.warn('event listener threw', { event: String(event), error });
      }
    }
  }
}
