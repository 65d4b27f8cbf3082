import type { TlsStatus } from '../../../shared/api';
import type { TlsFacts } from './facts';

/** The TLS facts from `tls status` (core.tls.status()); a failure to read it is itself a fact. */
export async function gatherTlsFacts(status: (() => Promise<TlsStatus>) | undefined, mode: TlsFacts['mode']): Promise<TlsFacts> {
  if (!status) return { mode, certificate: null, problem: 'TLS status is not available here' };
  try {
    const st = await status();
    const c = st.certificate;
    return { mode: st.mode, certificate: c ? { notAfter: c.notAfter, daysLeft: c.daysLeft, names: c.names } : null, problem: st.problem };
  } catch (err) {
    return { mode, certificate: null, problem: (err as Error).message };
  }
}
