import { useEffect, useState } from 'react';
import type { ClipboardState } from '../../../shared/api';
import type { ClientKeyInfo, ConnectInfo, ConnectSnippet } from '../../../shared/clients';
import { call, useEvent } from '../bridge';
import { Button, Card, ViewTitle } from '../components';
import { useAction, useSettings } from '../state/hooks';
import { ChainTestCard } from './clients/ChainTestCard';
import { ClipboardCountdown } from './key/ClipboardCountdown';
import './clients/clients.css';

/**
 * Connect a tool: the base URL and ready snippets (shell, curl, OpenAI SDKs, Open WebUI,
 * Anthropic-style clients) for the master key or a client key. Snippets name the key by reference;
 * "Copy with key" has main put the key in and copy it to the guarded clipboard (the page never
 * holds the key).
 */
export function ConnectView() {
  const settings = useSettings();
  const [client, setClient] = useState<string | null>(null);
  const [clients, setClients] = useState<ClientKeyInfo[]>([]);
  const [info, setInfo] = useState<ConnectInfo | null>(null);
  const [clip, setClip] = useState<ClipboardState | null>(null);
  const [clipTotal, setClipTotal] = useState(30);
  const [copiedRef, setCopiedRef] = useState<string | null>(null);
  useEvent('clipboard:state', setClip);

  const load = useAction(async (who: string | null) => setInfo(await call('connect:info', who)));
  useEffect(() => {
    void load.run(client);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client]);
  const databaseOn = !!settings?.database.enabled;
  useEffect(() => {
    if (!databaseOn) return;
    // Client keys are optional here: without them the master key is the only choice.
    void call('clients:list').then(setClients, () => setClients([]));
  }, [databaseOn]);

  const copyWithKey = useAction(async (s: ConnectSnippet) => {
    const st = await call('connect:copy', s.tool, client);
    setClipTotal(st.secondsLeft ?? 30);
    setClip(st);
  });
  const copyAsShown = useAction(async (s: ConnectSnippet) => {
    await call('app:copy-text', s.text);
    setCopiedRef(s.tool);
  });

  return (
    <div className="view" data-testid="connect-view">
      <ViewTitle>Connect a tool</ViewTitle>
      <Card title="Gateway" id="connect-gateway">
        <dl className="facts">
          <dt>Base URL (OpenAI)</dt>
          <dd>
            <code data-testid="connect-base-url">{info?.baseUrl ?? '…'}</code>
          </dd>
          <dt>Base URL (Anthropic)</dt>
          <dd>
            <code>{info?.anthropicBaseUrl ?? '…'}</code>
          </dd>
          <dt>
            <label htmlFor="connect-key">Key</label>
          </dt>
          <dd>
            <select id="connect-key" value={client ?? ''} onChange={(e) => setClient(e.target.value || null)} data-testid="connect-key">
              <option value="">Master key</option>
              {clients.map((c) => (
                <option key={c.name} value={c.name}>
                  Client key “{c.name}”
                </option>
              ))}
            </select>{' '}
            <span className="muted small">
              read by <code>{info?.keyReference ?? '…'}</code>
            </span>
          </dd>
          {info?.caFile && (
            <>
              <dt>Trust (HTTPS)</dt>
              <dd>
                <code>{info.caFile}</code>
              </dd>
            </>
          )}
        </dl>
        {!databaseOn && <p className="muted small">One key per tool (revocable alone) needs the database: turn it on in Settings, then make keys under Clients.</p>}
        <ClipboardCountdown clip={clip} total={clipTotal} />
      </Card>
      {info?.snippets.map((s) => (
        <Card
          key={s.tool}
          title={s.title}
          id={`snippet-${s.tool}`}
          actions={
            <div className="row">
              <Button onClick={() => void copyAsShown.run(s)} data-testid={`copy-snippet-${s.tool}`} aria-label={`${copiedRef === s.tool ? 'Copied' : 'Copy'}: ${s.title}, as shown (no key)`}>
                {copiedRef === s.tool ? 'Copied' : 'Copy'}
              </Button>
              <Button onClick={() => void copyWithKey.run(s)} inactive={copyWithKey.busy} data-testid={`copy-with-key-${s.tool}`} aria-label={`Copy with key: ${s.title} (cleared from the clipboard after a countdown)`}>
                Copy with key
              </Button>
            </div>
          }
        >
          <pre className="snippet" data-testid={`snippet-${s.tool}`} tabIndex={0} aria-label={`${s.title} snippet`}>
            <code>{s.text}</code>
          </pre>
          {s.note && <p className="muted small">{s.note}</p>}
        </Card>
      ))}
      <ChainTestCard client={client} />
    </div>
  );
}
