/**
 * Which certificates Gatehouse's own probes trust for an https:// gateway, by published port:
 * the local CA, or the chain of a custom certificate. Filled where the gateway's plan is made
 * (and by the security checks), read by the one HTTP probe, so every caller that holds only a
 * URL (health, barrier, rotation, database checks) verifies the gateway against it. A port with
 * nothing registered falls back to Node's public roots: verification is never switched off.
 */
const byPort = new Map<number, string[]>();

function portOf(url: string): number {
  const u = new URL(url);
  return Number(u.port || (u.protocol === 'https:' ? 443 : 80));
}

export function trustGateway(port: number, certificates: string[] | null): void {
  if (certificates && certificates.length) byPort.set(port, certificates);
  else byPort.delete(port);
}

/** The certificates to trust for `url` (https only); undefined means Node's public roots. */
export function trustFor(url: string): string[] | undefined {
  if (!url.startsWith('https:')) return undefined;
  return byPort.get(portOf(url));
}
