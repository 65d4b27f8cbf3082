import { hostProbe, type GatewayProbe } from '../services/gateway-probe';
import { urlFor } from './exposure';
import type { ProbeFacts } from './facts';

const PROBE_PATH = '/v1/models';
const TIMEOUT_MS = 3000;

function why(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? `${e.code}` : err instanceof Error ? err.message : String(err);
}

/**
 * Knocks on the gateway twice: without a key (must be refused) and with the keychain's key (must
 * be let in). Every request has a timeout (a booting container can leave a request hanging).
 */
export async function probeBarrier(host: string, port: number, key: string | null, tls = false, via?: GatewayProbe): Promise<ProbeFacts> {
  // A gateway serving HTTPS is probed over HTTPS, trusting its CA (tls/trust-registry.ts).
  const base = urlFor(host, port).replace(/^http:/, tls ? 'https:' : 'http:');
  // `via`: a remote engine's gateway, probed from inside its container (gatewayProbe).
  const probe = via ?? hostProbe(base);
  const facts: ProbeFacts = { url: base, withoutKey: null, withKey: null, error: null };
  try {
    facts.withoutKey = (await probe.get(PROBE_PATH, null, { timeoutMs: TIMEOUT_MS })).status;
  } catch (err) {
    facts.error = why(err);
    return facts;
  }
  if (key === null) return facts;
  try {
    facts.withKey = (await probe.get(PROBE_PATH, key, { timeoutMs: TIMEOUT_MS })).status;
  } catch (err) {
    facts.error = why(err);
  }
  return facts;
}
