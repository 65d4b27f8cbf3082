import { EventEmitter } from 'node:events';

/** A typed wrapper over EventEmitter; `on` returns its own unsubscribe, as the IPC contract does. */
export class TypedEmitter<Events extends object> {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Many views and streams subscribe at once; the default cap of 10 only produces noise.
    this.emitter.setMaxListeners(0);
  }

  on<K extends keyof Events & string>(event: K, listener: (data: Events[K]) => void): () => void {
    this.emitter.on(event, listener as (data: unknown) => void);
    return () => this.emitter.off(event, listener as (data: unknown) => void);
  }

  once<K extends keyof Events & string>(event: K, listener: (data: Events[K]) => void): () => void {
    this.emitter.once(event, listener as (data: unknown) => void);
    return () => this.emitter.off(event, listener as (data: unknown) => void);
  }

  emit<K extends keyof Events & string>(event: K, data: Events[K]): void {
    this.emitter.emit(event, data);
  }
}
