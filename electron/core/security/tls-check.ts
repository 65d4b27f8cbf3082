import type { SecurityCheck } from '../../../shared/api';
import type { SecurityFacts } from './facts';
import { isLoopback, reachableFromOutside } from './exposure';

/** A certificate this close to its end is a warning (local: renewed by the next start). */
export const TLS_WARN_DAYS = 7;

function result(status: SecurityCheck['status'], finding: string, fix: string | null = null, action: SecurityCheck['action'] = null): SecurityCheck {
  return { id: 'tls', title: 'HTTPS beyond this machine', status, finding, fix: status === 'pass' ? null : fix, action: status === 'pass' ? null : action };
}

/**
 * A gateway other machines can reach must serve HTTPS: otherwise every request carries the master
 * key across the network in clear. Whether it does is read from the running container (its
 * SSL_CERTFILE_PATH / SSL_KEYFILE_PATH), else from the settings (what the next start does). With
 * TLS the check names the certificate's expiry, and warns TLS_WARN_DAYS ahead.
 */
export const tlsCheck = (f: SecurityFacts): SecurityCheck => {
  const t = f.tls;
  const beyond = f.exposure.bindings.some((b) => !isLoopback(b.hostIp));
  const running = f.gateway?.running ? f.gateway : null;
  const serves = running ? running.servesTls : t.mode !== 'off';
  const where = f.exposure.source === 'container' ? 'is published' : 'will be published';
  if (!serves) {
    if (!beyond) return result('pass', `The gateway ${where} on this machine only, so the key never crosses a network; HTTPS is not needed (it is off).`);
    const urls = reachableFromOutside(f.exposure.bindings, f.exposure.lanAddresses);
    const reach = urls.length ? ` (${urls.join(', ')})` : '';
    if (running && t.mode !== 'off') {
      return result('fail', `HTTPS is turned on, but the running gateway still serves plain HTTP to other machines${reach}: the master key crosses the network in clear.`,
        'Restart the gateway so that it is recreated with its certificate (gatehouse restart).', 'stack:restart');
    }
    // Swarm publishes on every interface whatever bindAddress says: HTTPS is the one fix there.
    return result('fail', `The gateway ${where} beyond this machine${reach} without HTTPS: the master key crosses the network in clear on every request.`,
      `Turn on HTTPS with a certificate from Gatehouse's own CA (\`gatehouse tls enable\`, then \`gatehouse restart\`; clients trust \`gatehouse tls ca\`)${f.swarm ? ' (the Swarm service gets the certificate and its key as Swarm secrets)' : ', or publish on 127.0.0.1 only'}.`, 'tls:enable');
  }
  const c = t.certificate;
  if (!c) {
    return result('warn', `HTTPS is on, but its certificate cannot be shown${t.problem ? `: ${t.problem}` : ''}.`,
      t.mode === 'custom' ? 'Check the certificate and key files (gatehouse tls status).' : 'Start the gateway (it issues the certificate), then check again.');
  }
  const names = c.names.length ? ` for ${c.names.join(', ')}` : '';
  const until = c.notAfter.slice(0, 10);
  const renew = t.mode === 'local' ? 'Restart the gateway: the start issues a new certificate from the local CA (gatehouse restart).' : 'Renew your certificate, then restart the gateway.';
  if (c.daysLeft < 0) return result('fail', `The gateway's certificate${names} expired on ${until}: clients refuse to connect.`, renew, t.mode === 'local' ? 'stack:restart' : null);
  if (c.daysLeft < TLS_WARN_DAYS) return result('warn', `The gateway's certificate${names} expires on ${until} (${c.daysLeft} day${c.daysLeft === 1 ? '' : 's'} left).`, renew, t.mode === 'local' ? 'stack:restart' : null);
  return result('pass', `The gateway serves HTTPS with a certificate${names}, valid until ${until} (${c.daysLeft} days left)${beyond ? '' : '; it is published on this machine only'}.`);
};
