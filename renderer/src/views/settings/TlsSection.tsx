import { useEffect, useState } from 'react';
import type { TlsStatus } from '../../../../shared/api';
import { call, errorOf } from '../../bridge';
import { Badge, Button, Card } from '../../components';
import { useAction } from '../../state/hooks';

/**
 * HTTPS for the gateway: on with Gatehouse's own CA, or off; the CA's fingerprint (compare it on
 * each client before trusting the CA) and "Export CA…" (main's save dialog writes the public
 * certificate). A certificate of one's own is set with `gatehouse tls enable --cert … --key …`.
 */
export function TlsSection({ onSaved }: { onSaved: (note: string) => void }) {
  const [tls, setTls] = useState<TlsStatus | null>(null);
  const [tlsError, setTlsError] = useState<string | null>(null);

  useEffect(() => {
    call('tls:status').then(setTls, (err) => setTlsError(errorOf(err).message));
  }, []);

  const enable = useAction(async () => {
    setTls(await call('tls:enable'));
    onSaved('HTTPS is on from the next start: restart the gateway, then give clients the CA (Export CA…).');
  });
  const disable = useAction(async () => {
    setTls(await call('tls:disable'));
    onSaved('HTTPS is off from the next start: the key crosses the network in clear if the gateway is published beyond this machine.');
  });
  const exportCa = useAction(async () => {
    const { path } = await call('tls:export-ca');
    if (path) onSaved(`CA certificate saved to ${path}.`);
    setTls(await call('tls:status'));
  });

  const on = tls !== null && tls.mode !== 'off';
  return (
    <Card title="HTTPS" id="tls">
      <p className="muted" data-testid="tls-mode">
        {tls === null
          ? (tlsError ?? 'Checking…')
          : tls.mode === 'off'
            ? 'Off: the gateway speaks plain HTTP. Turn HTTPS on before publishing it beyond this machine.'
            : tls.mode === 'local'
              ? "On, with a certificate from Gatehouse's own CA (renewed by the start 7 days before it expires)."
              : 'On, with your own certificate.'}
      </p>
      {tls?.certificate && (
        <p>
          Certificate for {tls.certificate.names.join(', ')}, valid until {tls.certificate.notAfter.slice(0, 10)}{' '}
          <Badge tone={tls.certificate.daysLeft < 7 ? 'warn' : 'ok'}>{tls.certificate.daysLeft} days left</Badge>
        </p>
      )}
      {tls?.ca && (
        <p>
          CA fingerprint (SHA-256): <code data-testid="tls-ca-fingerprint">{tls.ca.sha256}</code>
        </p>
      )}
      {tls?.problem && <p className="muted">{tls.problem}</p>}
      <div className="row">
        {on ? (
          <Button type="button" inactive={disable.busy} onClick={() => void disable.run()}>
            Turn off HTTPS
          </Button>
        ) : (
          <Button type="button" inactive={enable.busy || tls === null} onClick={() => void enable.run()} data-testid="tls-enable">
            Turn on HTTPS
          </Button>
        )}
        <Button type="button" inactive={exportCa.busy} onClick={() => void exportCa.run()} data-testid="tls-export-ca">
          Export CA…
        </Button>
      </div>
    </Card>
  );
}
