import { useEffect, useState } from 'react';
import type { ClaudeStatus } from '../../../../shared/api';
import { call, errorOf } from '../../bridge';
import { Button, Card } from '../../components';
import { useAction } from '../../state/hooks';

/** The Claude token: written to the keychain, never kept in the page longer than the call. */
export function ClaudeSection({ onSaved }: { onSaved: (note: string) => void }) {
  const [claude, setClaude] = useState<ClaudeStatus | null>(null);
  const [claudeError, setClaudeError] = useState<string | null>(null);
  const [token, setToken] = useState('');

  useEffect(() => {
    call('claude:status').then(setClaude, (err) => setClaudeError(errorOf(err).message));
  }, []);

  const save = useAction(async (value: string) => {
    setClaude(await call('claude:set-token', value));
    onSaved('Claude token stored in the keychain; the gateway uses it from its next start.');
  });

  function submit(e: React.FormEvent) {
    e.preventDefault();
    if (!token) return;
    const value = token;
    setToken('');
    void save.run(value);
  }

  return (
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
      <form onSubmit={submit} className="row">
        <label htmlFor="claude-token" className="sr-only">
          Claude token
        </label>
        <input id="claude-token" type="password" autoComplete="off" spellCheck={false} placeholder="sk-ant-oat01-…" value={token} onChange={(e) => setToken(e.target.value)} />
        <Button type="submit" inactive={!token || save.busy}>
          {claude?.tokenStored ? 'Replace token' : 'Set token'}
        </Button>
      </form>
    </Card>
  );
}
