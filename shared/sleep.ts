/**
 * The one wait of the project: resolves after `ms`, or rejects with the signal's reason as soon
 * as the signal aborts (at once when it already has). Callers that treat an abort as "stop
 * waiting, carry on" catch it; nobody has to guess which of several helpers they got.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A sleep that something else can end early (`wake`): for a poll that also listens for events.
 * Woken, it clears its timer, so a finished wait leaves nothing pending that would hold the
 * process open until it fires. `done` rejects only when `signal` aborts.
 */
export function wakeableSleep(ms: number, signal?: AbortSignal): { done: Promise<void>; wake: () => void } {
  const early = new AbortController();
  const done = sleep(ms, signal ? AbortSignal.any([signal, early.signal]) : early.signal).catch((err: unknown) => {
    if (signal?.aborted) throw err;
  });
  return { done, wake: () => early.abort() };
}
