import { createContext, useCallback, useContext, useEffect, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import type { ErrorPayload, KeyInfo, Settings, StackStatus } from '../../../shared/api';
import { errorOf } from '../bridge';
import type { AppState, AppStore, ViewId } from './app-store';

const StoreContext = createContext<AppStore | null>(null);

export function AppStoreProvider({ store, children }: { store: AppStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore outside AppStoreProvider');
  return store;
}

/** One slice of the app state; the component re-renders only when that slice changes. */
export function useAppState<T>(select: (s: AppState) => T): T {
  const store = useAppStore();
  return useSyncExternalStore(store.subscribe, () => select(store.get()));
}

export function useStatus(): StackStatus | null {
  return useAppState((s) => s.status);
}

export function useKey(): KeyInfo | null {
  return useAppState((s) => s.key);
}

/** The settings, loaded once and shared; null until they arrive. */
export function useSettings(): Settings | null {
  const store = useAppStore();
  useEffect(() => {
    void store.loadSettings();
  }, [store]);
  return useAppState((s) => s.settings);
}

export function useView(): [ViewId, (v: ViewId) => void] {
  const store = useAppStore();
  const view = useAppState((s) => s.view);
  return [view, useCallback((v: ViewId) => store.navigate(v), [store])];
}

export function useError(): { error: ErrorPayload | null; report: (e: ErrorPayload | null) => void; clear: () => void } {
  const store = useAppStore();
  const error = useAppState((s) => s.error);
  return { error, report: useCallback((e) => store.reportError(e), [store]), clear: useCallback(() => store.clearError(), [store]) };
}

export interface ActionOptions {
  /** Failures that are not faults to report (a start the user cancelled). */
  ignore?: (e: ErrorPayload) => boolean;
  /** A load the user did not ask for (an event, a view opening): it leaves a shown error notice alone. */
  background?: boolean;
}

export interface Action<A extends unknown[], R> {
  /** Runs the action: clears the error notice, and shows the failure there. Resolves to undefined on failure. */
  run: (...args: A) => Promise<R | undefined>;
  /** At least one run is in progress. */
  busy: boolean;
}

/**
 * The one place that does busy → try → catch → show the error: every button that calls the core
 * goes through it. Runs may overlap (a second click on the power button cancels a start).
 */
export function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>, opts: ActionOptions = {}): Action<A, R> {
  const store = useAppStore();
  const [running, setRunning] = useState(0);
  const latest = useRef({ fn, opts });
  latest.current = { fn, opts };
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      if (!latest.current.opts.background) store.clearError();
      setRunning((n) => n + 1);
      try {
        return await latest.current.fn(...args);
      } catch (err) {
        const e = errorOf(err);
        if (!latest.current.opts.ignore?.(e)) store.reportError(e);
        return undefined;
      } finally {
        if (mounted.current) setRunning((n) => n - 1);
      }
    },
    [store],
  );
  return { run, busy: running > 0 };
}
