import type { ErrorPayload, KeyInfo, Settings, SettingsPatch, StackStatus } from '../../../shared/api';
import { call, errorOf } from '../bridge';

export type ViewId = 'dashboard' | 'key' | 'connect' | 'clients' | 'security' | 'logs' | 'settings';

export interface AppState {
  view: ViewId;
  status: StackStatus | null;
  key: KeyInfo | null;
  /** Loaded on first use and shared by every view that reads settings. */
  settings: Settings | null;
  /** The error notice above the current view. */
  error: ErrorPayload | null;
  /** Docker cannot be reached: the trouble screen replaces the app. */
  dockerError: ErrorPayload | null;
  /** The first status and key have been asked for (the splash screen is gone). */
  booted: boolean;
}

const DOCKER_CODES = new Set(['DOCKER_UNREACHABLE', 'DOCKER_PERMISSION']);

/**
 * The renderer's state outside React: what the core reported (status, key, settings), the one
 * error notice and the current view. Views read it through the hooks in ./hooks and never pass
 * callbacks up; calls to the core that change shared state go through here so every view sees
 * the result.
 */
export class AppStore {
  private state: AppState;
  private readonly listeners = new Set<() => void>();
  private settingsLoad: Promise<void> | null = null;

  constructor(view: ViewId) {
    this.state = { view, status: null, key: null, settings: null, error: null, dockerError: null, booted: false };
  }

  readonly get = (): AppState => this.state;

  readonly subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  private update(patch: Partial<AppState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of [...this.listeners]) fn();
  }

  navigate(view: ViewId): void {
    if (view !== this.state.view) this.update({ view });
  }

  reportError(error: ErrorPayload | null): void {
    this.update({ error });
  }

  clearError(): void {
    if (this.state.error) this.update({ error: null });
  }

  /** A status from the core (an event or a call's result): Docker answered, so it is reachable. */
  setStatus(status: StackStatus): void {
    this.update({ status, dockerError: null });
  }

  setKey(key: KeyInfo): void {
    this.update({ key });
  }

  /** Status and key together: at start and when Docker comes back. */
  async refresh(): Promise<void> {
    const [s, k] = await Promise.allSettled([call('stack:status'), call('key:info')]);
    const patch: Partial<AppState> = { booted: true };
    if (s.status === 'fulfilled') {
      patch.status = s.value;
      patch.dockerError = null;
    } else {
      const e = errorOf(s.reason);
      if (DOCKER_CODES.has(e.code)) patch.dockerError = e;
      else patch.error = e;
    }
    if (k.status === 'fulfilled') patch.key = k.value;
    else patch.error = errorOf(k.reason);
    this.update(patch);
  }

  /** Asks the core for the status again (after a failed action, to show what really happened). */
  async refreshStatus(): Promise<void> {
    try {
      this.setStatus(await call('stack:status'));
    } catch {
      // The action's own error is already shown; a second notice would say less.
    }
  }

  async refreshKey(): Promise<void> {
    try {
      this.setKey(await call('key:info'));
    } catch (err) {
      this.reportError(errorOf(err));
    }
  }

  /** Loads the settings once; views that need them call this on mount. */
  loadSettings(): Promise<void> {
    this.settingsLoad ??= call('settings:get').then(
      (settings) => this.update({ settings }),
      (err) => {
        this.settingsLoad = null;
        this.reportError(errorOf(err));
      },
    );
    return this.settingsLoad;
  }

  /** Settings changed by anyone (this window, the CLI, an editor): the core says so with the effective settings. */
  setSettings(settings: Settings): void {
    this.update({ settings });
  }

  /** Saves a patch; the saved settings (as the core normalised them) become everyone's. Throws on refusal. */
  async saveSettings(patch: SettingsPatch): Promise<Settings> {
    const settings = await call('settings:update', patch);
    this.update({ settings });
    return settings;
  }
}
