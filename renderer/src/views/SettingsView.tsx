import { useEffect, useState } from 'react';
import type { ClaudeStatus, ErrorPayload, Settings, SettingsPatch } from '../../../shared/api';
import { call, errorOf } from '../bridge';
import { Card, Field } from '../components';
import { isLoopback } from '../format';

const BIND_CHOICES = [
  { value: '127.0.0.1', label: 'This computer only (127.0.0.1)' },
  { value: '0.0.0.0', label: 'All network interfaces (0.0.0.0)' },
];

/** What choosing a non-loopback address exposes, in words a user acts on. */
export function exposureText(bind: string, port: number): string | null {
  if (isLoopback(bind)) return null;
  const where = bind === '0.0.0.0' || bind === '::' ? 'every network this computer is on (Wi-Fi, LAN, VPN, Docker networks)' : `the network of ${bind}`;
  return `The gateway on port ${port} becomes reachable from ${where}. Anyone there who has or guesses the master key can spend your Claude account; the key is the only barrier. Keep it loopback unless other machines must connect.`;
}

export function SettingsView({ onError }: { onError: (e: ErrorPayload | null) => void }) {
  const [saved, setSaved] = useState<Settings | null>(null);
  const [draft, setDraft] = useState<Settings | null>(null);
  const [customBind, setCustomBind] = useState(false);
  const [claude, setClaude] = useState<ClaudeStatus | null>(null);
  const [claudeError, setClaudeError] = useState<string | null>(null);
  const [token, setToken] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [folder, setFolder] = useState('');

  useEffect(() => {
    call('settings:get').then(
      (s) => {
        setSaved(s);
        setDraft(s);
        setCustomBind(!BIND_CHOICES.some((c) => c.value === s.bindAddress));
      },
      (err) => onError(errorOf(err)),
    );
    call('claude:status').then(setClaude, (err) => setClaudeError(errorOf(err).message));
  }, [onError]);

  if (!draft || !saved) return <div className="view"><h1 className="view-title">Settings</h1><p className="muted">Loading…</p></div>;

  const set = <K extends keyof Settings>(k: K, v: Settings[K]) => setDraft({ ...draft, [k]: v });
  const exposure = exposureText(draft.bindAddress, draft.port);

  function patch(): SettingsPatch {
    const p: SettingsPatch = {};
    for (const k of ['image', 'port', 'bindAddress', 'clipboardClearSeconds', 'keyMaxAgeDays', 'stopGatewayOnQuit'] as const) {
      if (draft![k] !== saved![k]) (p as Record<string, unknown>)[k] = draft![k];
    }
    if (draft!.database.enabled !== saved!.database.enabled) p.database = { enabled: draft!.database.enabled };
    if (draft!.watchedFolders.join('\n') !== saved!.watchedFolders.join('\n')) p.watchedFolders = draft!.watchedFolders;
    return p;
  }

  async function save(e: React.FormEvent) {
    e.preventDefault();
    onError(null);
    setSaving(true);
    try {
      const next = await call('settings:update', patch());
      setSaved(next);
      setDraft(next);
      setNote('Saved. A running gateway picks up image, port and address changes at its next start.');
    } catch (err) {
      onError(errorOf(err));
    } finally {
      setSaving(false);
    }
  }

  async function saveToken(e: React.FormEvent) {
    e.preventDefault();
    onError(null);
    try {
      setClaude(await call('claude:set-token', token));
      setNote('Claude token stored in the keychain; the gateway uses it from its next start.');
    } catch (err) {
      onError(errorOf(err));
    } finally {
      // Never keep the token in the page longer than the call.
      setToken('');
    }
  }

  const dirty = Object.keys(patch()).length > 0;

  return (
    <div className="view" data-testid="settings-view">
      <h1 className="view-title">Settings</h1>
      {note && (
        <div className="notice notice-ok" role="status">
          {note}
        </div>
      )}
      <form onSubmit={save}>
        <Card title="Gateway" id="gateway-settings">
          <Field label="Image" id="image" hint="Any LiteLLM image; pin by digest (…@sha256:…) to run exactly what you checked.">
            <input id="image" value={draft.image} onChange={(e) => set('image', e.target.value)} spellCheck={false} aria-describedby="image-hint" />
          </Field>
          <div className="field-row">
            <Field label="Port" id="port">
              <input id="port" type="number" min={1} max={65535} value={draft.port} onChange={(e) => set('port', Number(e.target.value))} />
            </Field>
            <Field label="Listen on" id="bind">
              <select
                id="bind"
                value={customBind ? 'custom' : draft.bindAddress}
                onChange={(e) => {
                  if (e.target.value === 'custom') setCustomBind(true);
                  else {
                    setCustomBind(false);
                    set('bindAddress', e.target.value);
                  }
                }}
                data-testid="bind-select"
              >
                {BIND_CHOICES.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
                <option value="custom">A specific address…</option>
              </select>
            </Field>
            {customBind && (
              <Field label="Address" id="bind-custom">
                <input id="bind-custom" value={draft.bindAddress} onChange={(e) => set('bindAddress', e.target.value)} placeholder="192.168.1.20" />
              </Field>
            )}
          </div>
          {exposure && (
            <div className="notice notice-warn" role="alert" data-testid="exposure-warning">
              {exposure}
            </div>
          )}
          <label className="check-field">
            <input type="checkbox" checked={draft.stopGatewayOnQuit} onChange={(e) => set('stopGatewayOnQuit', e.target.checked)} />
            Stop the gateway when Gatehouse quits
          </label>
        </Card>
        <Card title="Database" id="database-settings">
          <label className="check-field">
            <input
              type="checkbox"
              checked={draft.database.enabled}
              onChange={(e) => setDraft({ ...draft, database: { ...draft.database, enabled: e.target.checked } })}
              data-testid="database-enabled"
            />
            Run a PostgreSQL database next to the gateway (virtual keys, spend tracking)
          </label>
          <dl className="facts">
            <dt>Image</dt>
            <dd className="mono">{draft.database.image}</dd>
            <dt>Data volume</dt>
            <dd className="mono" data-testid="database-volume">
              {draft.database.volume ?? `${draft.stackName}-db-data`}
              {draft.database.volume === null && <span className="muted small"> (created at the first start)</span>}
            </dd>
          </dl>
          <p className="muted small">
            The volume is kept when the database is turned off. To adopt the volume of an existing docker-compose stack, run{' '}
            <code>gatehouse db adopt VOLUME</code> (it checks the volume and the keychain password first). The change applies at the next start.
          </p>
        </Card>
        <Card title="Watched folders" id="watched-folders">
          <p className="muted small">The security check scans the .env files in these folders for plaintext keys.</p>
          <ul className="folder-list" data-testid="watched-folders">
            {draft.watchedFolders.map((dir) => (
              <li key={dir} className="row">
                <code>{dir}</code>
                <button
                  className="btn btn-small"
                  type="button"
                  aria-label={`Stop watching ${dir}`}
                  onClick={() => set('watchedFolders', draft.watchedFolders.filter((d) => d !== dir))}
                >
                  Remove
                </button>
              </li>
            ))}
            {draft.watchedFolders.length === 0 && <li className="muted">None.</li>}
          </ul>
          <div className="row">
            <label htmlFor="watch-folder" className="sr-only">
              Folder to watch
            </label>
            <input id="watch-folder" value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="/home/you/projects" spellCheck={false} />
            <button
              className="btn"
              type="button"
              disabled={!folder.trim()}
              data-testid="add-folder"
              onClick={() => {
                const dir = folder.trim();
                // The schema wants absolute paths; the core says so (with the field named) on save.
                if (!draft.watchedFolders.includes(dir)) set('watchedFolders', [...draft.watchedFolders, dir]);
                setFolder('');
              }}
            >
              Add folder
            </button>
          </div>
        </Card>
        <Card title="Key" id="key-settings">
          <div className="field-row">
            <Field label="Clear clipboard after (seconds)" id="clip">
              <input id="clip" type="number" min={5} max={600} value={draft.clipboardClearSeconds} onChange={(e) => set('clipboardClearSeconds', Number(e.target.value))} />
            </Field>
            <Field label="Rotate key after (days)" id="maxage">
              <input id="maxage" type="number" min={1} max={3650} value={draft.keyMaxAgeDays} onChange={(e) => set('keyMaxAgeDays', Number(e.target.value))} />
            </Field>
          </div>
        </Card>
        <div className="form-actions">
          <button className="btn btn-primary" type="submit" disabled={!dirty || saving} data-testid="save-settings">
            {saving ? 'Saving…' : 'Save settings'}
          </button>
          <button className="btn" type="button" disabled={!dirty} onClick={() => setDraft(saved)}>
            Revert
          </button>
        </div>
      </form>

      <Card title="Claude login" id="claude">
        <p className="muted">
          {claude === null
            ? (claudeError ?? 'Checking…')
            : claude.tokenStored
              ? 'A Claude token is stored in the keychain.'
              : claude.volumeHasLogin
                ? 'The credentials volume holds a Claude login.'
                : 'No Claude token or login yet. Run `claude setup-token` and paste the token here.'}
        </p>
        <form onSubmit={saveToken} className="row">
          <label htmlFor="claude-token" className="sr-only">
            Claude token
          </label>
          <input
            id="claude-token"
            type="password"
            autoComplete="off"
            spellCheck={false}
            placeholder="sk-ant-oat01-…"
            value={token}
            onChange={(e) => setToken(e.target.value)}
          />
          <button className="btn" type="submit" disabled={!token}>
            {claude?.tokenStored ? 'Replace token' : 'Set token'}
          </button>
        </form>
      </Card>
    </div>
  );
}
