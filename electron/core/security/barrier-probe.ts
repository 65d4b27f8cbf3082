import { httpGet } from '../services/http-probe';
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
export async function probeBarrier(host: string, port: number, key: string | null, tls = false): Promise<ProbeFacts> {
  // A gateway serving HTTPS is probed over HTTPS, trusting its CA (tls/trust-registry.ts).
  const base = urlFor(host, port).replace(/^http:/, tls ? 'https:' : 'http:');
  const url = base + PROBE_PATH;
  const facts: ProbeFacts = { url: base, withoutKey: null, withKey: null, error: null };
  try {
    facts.withoutKey = (await httpGet(url, { timeoutMs: TIMEOUT_MS })).status;
  } catch (err) {
    facts.error = why(err);
    return facts;
  }
  if (key === null) return facts;
  try {
    facts.withKey = (await httpGet(url, { timeoutMs: TIMEOUT_MS, headers: { authorization: `Bearer ${key}` } })).status;
  } catch (err) {
    facts.error = why(err);
  }
  return facts;
}
