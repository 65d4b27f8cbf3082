import type { Settings, SettingsPatch } from '../../../../shared/api';
import { SETTINGS_LIMITS } from '../../../../shared/settings-limits';
import { isLoopback } from '../../format';

export const BIND_CHOICES = [
  { value: '127.0.0.1', label: 'This computer only (127.0.0.1)' },
  { value: '0.0.0.0', label: 'All network interfaces (0.0.0.0)' },
];

/** Sets some fields of the draft. */
export type SetDraft = (patch: Partial<Settings>) => void;

/**
 * What choosing a non-loopback address exposes, in words a user acts on. It names neither the
 * port nor a typed address: it is announced when it appears, and must not be again at every
 * keystroke in those fields.
 */
export function exposureText(bind: string): string | null {
  if (isLoopback(bind)) return null;
  const where = bind === '0.0.0.0' || bind === '::' ? 'every network this computer is on (Wi-Fi, LAN, VPN, Docker networks)' : 'the networks that address is on';
  return `The gateway becomes reachable from ${where}. Anyone there who has or guesses the master key can spend your Claude account; the key is the only barrier. Keep it loopback unless other machines must connect.`;
}

const SIMPLE_FIELDS = ['image', 'port', 'bindAddress', 'clipboardClearSeconds', 'keyMaxAgeDays', 'stopGatewayOnQuit', 'target', 'publishMode', 'replicas'] as const;

/** The fields the draft changed, as the patch settings:update takes. */
export function patchOf(saved: Settings, draft: Settings): SettingsPatch {
  const p: SettingsPatch = {};
  for (const k of SIMPLE_FIELDS) {
    if (draft[k] !== saved[k]) (p as Record<string, unknown>)[k] = draft[k];
  }
  if (draft.database.enabled !== saved.database.enabled) p.database = { enabled: draft.database.enabled };
  if (draft.watchedFolders.join('\n') !== saved.watchedFolders.join('\n')) p.watchedFolders = draft.watchedFolders;
  return p;
}

/** The replicas field's own message, from the same bounds the settings schema holds; null when valid. */
export function replicasProblem(value: number): string | null {
  const { min, max } = SETTINGS_LIMITS.replicas;
  if (Number.isInteger(value) && value >= min && value <= max) return null;
  return `Replicas must be a whole number from ${min} to ${max}.`;
}
