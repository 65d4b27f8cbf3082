/**
 * Addresses and the gateway's URL, one rule each, for the core, the main process and the
 * renderer. No runtime dependencies (no node:net): the renderer bundle imports it, so the
 * address checks use the WHATWG URL parser, which every runtime here has.
 */

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIPv4(address: string): boolean {
  return IPV4.test(address);
}

/** The canonical form of an IPv6 address ("0:0::1" → "::1"), or null when it is not one. */
function canonicalIPv6(address: string): string | null {
  if (!address.includes(':') || /[[\]/%@\s]/.test(address)) return null;
  try {
    const host = new URL(`http://[${address}]/`).hostname;
    return host.slice(1, -1).toLowerCase();
  } catch {
    return null;
  }
}

export function isIPv6(address: string): boolean {
  return canonicalIPv6(address) !== null;
}

export function isIpAddress(address: string): boolean {
  return isIPv4(address) || isIPv6(address);
}

/**
 * Whether an address is this machine's loopback: 127.0.0.0/8, ::1, and 127.x written as an
 * IPv4-mapped IPv6 address (::ffff:127.0.0.1, which Docker and Node print for v4 peers).
 */
export function isLoopback(address: string): boolean {
  if (isIPv4(address)) return address.startsWith('127.');
  const v6 = canonicalIPv6(address);
  if (v6 === null) return false;
  // The URL parser writes a mapped v4 address in hex: ::ffff:127.0.0.1 → ::ffff:7f00:1.
  return v6 === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(v6);
}

/** Whether a published host address accepts connections from every interface. */
export function isAllInterfaces(address: string): boolean {
  return address === '' || address === '0.0.0.0' || address === '::';
}

/**
 * The host part of a URL that reaches a port published on `bind`: a wildcard means "this
 * machine" (0.0.0.0 → 127.0.0.1, :: → [::1]); an IPv6 address is bracketed.
 */
export function clientHost(bind: string): string {
  if (bind === '0.0.0.0' || bind === '') return '127.0.0.1';
  if (bind === '::') return '[::1]';
  return isIPv6(bind) ? `[${bind}]` : bind;
}

/** The URL clients on this machine use for a gateway published on `bindAddress:port`. */
export function gatewayUrl(settings: { bindAddress: string; port: number }, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${clientHost(settings.bindAddress)}:${settings.port}`;
}
