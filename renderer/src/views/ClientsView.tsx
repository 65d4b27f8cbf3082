import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { ClipboardState, ErrorPayload } from '../../../shared/api';
import type { ClientKeyInfo, ClientKeyOptions } from '../../../shared/clients';
import { ConfirmDialog } from '../a11y/ConfirmDialog';
import { call, errorOf, useEvent } from '../bridge';
import { Button, Card, Field, ViewTitle } from '../components';
import { formatTime } from '../format';
import { useAction, useView } from '../state/hooks';
import { ClipboardCountdown } from './key/ClipboardCountdown';
import './clients/clients.css';

function money(v: number | null): string {
  return v === null ? '—' : `$${v.toFixed(v < 1 ? 4 : 2)}`;
}

/**
 * One key per tool (LiteLLM virtual keys, kept in the keychain): add with limits, copy through
 * the guarded clipboard, rotate, revoke. The keys never enter the page; rows show fingerprints.
 */
export function ClientsView() {
  const [list, setList] = useState<ClientKeyInfo[] | null>(null);
  const [unavailable, setUnavailable] = useState<ErrorPayload | null>(null);
  const [clip, setClip] = useState<ClipboardState | null>(null);
  const [clipTotal, setClipTotal] = useState(30);
  const [note, setNote] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const revokeOpener = useRef<HTMLButtonElement | null>(null);
  const [, setView] = useView();
  useEvent('clipboard:state', setClip);

  const refresh = useCallback(async () => {
    try {
      setList(await call('clients:list'));
      setUnavailable(null);
    } catch (err) {
      // No database (or no gateway): said in the view itself, with what to do.
      setUnavailable(errorOf(err));
      setList([]);
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const copied = (st: ClipboardState) => {
    setClipTotal(st.secondsLeft ?? 30);
    setClip(st);
  };
  const add = useAction(async (name: string, options: ClientKeyOptions) => {
    const info = await call('clients:add', name, options);
    await refresh();
    setNote(`Made a key for “${info.name}” (${info.fingerprint}). Copy it into the tool now.`);
    return info;
  });
  const copy = useAction(async (name: string) => copied(await call('clients:copy', name)));
  const rotate = useAction(async (name: string) => {
    const info = await call('clients:rotate', name);
    await refresh();
    setNote(`“${name}” has a new key (${info.fingerprint}); the old one is refused from now on. Copy the new one into the tool.`);
  });
  const revoke = useAction(async (name: string) => {
    await call('clients:revoke', name);
    await refresh();
    setNote(`The key of “${name}” is revoked: the gateway refuses it from now on.`);
  });

  return (
    <div className="view" data-testid="clients-view">
      <ViewTitle>Clients</ViewTitle>
      {unavailable && (
        <div className="notice notice-warn" role="status" data-testid="clients-unavailable" data-code={unavailable.code}>
          <div>
            <strong>{unavailable.message}</strong>
            {unavailable.fix && <p className="fix">{unavailable.fix}</p>}
          </div>
          {unavailable.code === 'DATABASE_OFF' && (
            <Button onClick={() => setView('settings')} data-testid="open-database-settings">
              Open Settings
            </Button>
          )}
        </div>
      )}
      {note && (
        <div className="notice notice-ok" role="status" data-testid="clients-note">
          {note}
        </div>
      )}
      <Card title="Client keys" id="client-keys">
        <p className="muted small">Give each tool its own key: a leaked tool config is then one revoke, not a master-key rotation. Keys live in LiteLLM's database (stored hashed) and in your keychain.</p>
        {list && list.length > 0 ? (
          <table className="clients-table" data-testid="clients-table">
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Budget</th>
                <th scope="col">Spend</th>
                <th scope="col">Models</th>
                <th scope="col">Key</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.name} data-client={c.name}>
                  <th scope="row">{c.name}</th>
                  <td>{formatTime(c.createdAt)}</td>
                  <td>{c.expires ? formatTime(c.expires) : 'never'}</td>
                  <td>{money(c.maxBudget)}</td>
                  <td>{money(c.spend)}</td>
                  <td>{c.models.length ? c.models.join(', ') : 'all'}</td>
                  <td>{c.inGateway ? <code>{c.fingerprint}</code> : <span className="muted">gone from the gateway</span>}</td>
                  <td>
                    <div className="row client-actions">
                      <Button className="btn btn-small" onClick={() => void copy.run(c.name)} aria-label={`Copy the key of ${c.name}`} data-testid={`copy-client-${c.name}`}>
                        Copy
                      </Button>
                      <Button className="btn btn-small" onClick={() => void rotate.run(c.name)} inactive={rotate.busy} aria-label={`Rotate the key of ${c.name}`} data-testid={`rotate-client-${c.name}`}>
                        Rotate
                      </Button>
                      <Button
                        className="btn btn-small btn-danger"
                        onClick={(e) => {
                          revokeOpener.current = e.currentTarget;
                          setRevoking(c.name);
                        }}
                        aria-label={`Revoke the key of ${c.name}`}
                        data-testid={`revoke-client-${c.name}`}
                      >
                        Revoke…
                      </Button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          list && !unavailable && <p data-testid="clients-empty">No client keys yet.</p>
        )}
        <ClipboardCountdown clip={clip} total={clipTotal} />
      </Card>
      {!unavailable || unavailable.code !== 'DATABASE_OFF' ? <AddClientForm busy={add.busy} onAdd={(n, o) => add.run(n, o)} /> : null}
      {revoking && (
        <ConfirmDialog
          title={`Revoke the key of “${revoking}”?`}
          confirmLabel="Revoke"
          onConfirm={() => {
            const name = revoking;
            setRevoking(null);
            void revoke.run(name);
          }}
          onCancel={() => setRevoking(null)}
          returnFocus={revokeOpener}
          testId="revoke-dialog"
        >
          <p>The gateway refuses this key at once; the tool stops working until it gets a new key.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function AddClientForm({ busy, onAdd }: { busy: boolean; onAdd: (name: string, options: ClientKeyOptions) => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [models, setModels] = useState('');
  const [budget, setBudget] = useState('');
  const [expires, setExpires] = useState('');
  async function submit(e: FormEvent) {
    e.preventDefault();
    const options: ClientKeyOptions = {};
    const list = models.split(',').map((m) => m.trim()).filter(Boolean);
    if (list.length) options.models = list;
    if (budget.trim()) options.budget = Number(budget);
    if (expires.trim()) options.expires = expires.trim();
    const made = await onAdd(name.trim(), options);
    if (made) {
      setName('');
      setModels('');
      setBudget('');
      setExpires('');
    }
  }
  return (
    <Card title="Add a client" id="add-client">
      <form onSubmit={(e) => void submit(e)} data-testid="add-client-form">
        <div className="field-row">
          <Field label="Name" id="client-name" hint="The tool, e.g. open-webui">
            <input id="client-name" value={name} onChange={(e) => setName(e.target.value)} required spellCheck={false} aria-describedby="client-name-hint" />
          </Field>
          <Field label="Models (optional)" id="client-models" hint="Comma-separated; empty: all">
            <input id="client-models" value={models} onChange={(e) => setModels(e.target.value)} spellCheck={false} aria-describedby="client-models-hint" />
          </Field>
        </div>
        <div className="field-row">
          <Field label="Budget in USD (optional)" id="client-budget">
            <input id="client-budget" type="number" min="0" step="0.01" value={budget} onChange={(e) => setBudget(e.target.value)} />
          </Field>
          <Field label="Expires after (optional)" id="client-expires" hint="30d, 12h, 2w; empty: never">
            <input id="client-expires" value={expires} onChange={(e) => setExpires(e.target.value)} spellCheck={false} aria-describedby="client-expires-hint" />
          </Field>
        </div>
        <div className="form-actions">
          <Button className="btn btn-primary" type="submit" inactive={busy || !name.trim()} data-testid="add-client">
            {busy ? 'Adding…' : 'Add client'}
          </Button>
        </div>
      </form>
    </Card>
  );
}
