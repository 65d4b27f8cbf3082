import net from 'node:net';
import os from 'node:os';

/** The names a gateway certificate must hold: DNS names and IP addresses (SubjectAltName). */
export interface CertificateNames {
  dns: string[];
  ips: string[];
}

/** What this machine is called and where it can be reached (os.hostname(), os.networkInterfaces()). */
export interface HostIdentity {
  hostname: string;
  addresses: string[];
}

/**
 * Interfaces a container engine makes for its own networks (docker0, a user network's br-…, each
 * container's veth…, Swarm's docker_gwbridge): they come and go with containers and swarms, and no
 * client reaches the gateway there. Left out, so that starting a stack or joining a swarm does not
 * change the names and renew the certificate.
 */
const ENGINE_INTERFACE = /^(docker\d*|docker_gwbridge|br-[0-9a-f]+|veth[0-9a-z]*|cni\d*|podman\d*)$/;

export function hostIdentity(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): HostIdentity {
  const addresses: string[] = [];
  for (const [name, list] of Object.entries(interfaces)) {
    if (ENGINE_INTERFACE.test(name)) continue;
    for (const a of list ?? []) {
      // Link-local IPv6 addresses need a zone id that no certificate can hold.
      if (a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:')) continue;
      addresses.push(a.address);
    }
  }
  return { hostname: os.hostname(), addresses };
}

function isWildcard(bind: string): boolean {
  return bind === '0.0.0.0' || bind === '::';
}

/** A stable, comparable form: lower-case names, canonical addresses, sorted, no duplicates. */
export function normalizeNames(names: CertificateNames): CertificateNames {
  const ips = [...new Set(names.ips.map(canonicalIp))].sort();
  const dns = [...new Set(names.dns.map((d) => d.toLowerCase().replace(/\.$/, '')).filter(Boolean))].sort();
  return { dns, ips };
}

/** "::ffff:7f00:1" and "0:0::1" in the one form Node's X509Certificate prints. */
export function canonicalIp(ip: string): string {
  if (net.isIPv4(ip)) return ip;
  const sock = new net.SocketAddress({ address: ip, family: 'ipv6' });
  return sock.address;
}

/**
 * Every name a client may use to reach a gateway published on `bindAddress`: the address itself,
 * and always `localhost` and 127.0.0.1 (what this machine's own clients use); for a wildcard
 * binding also every address of this machine and its host name (with and without the domain
 * part), since the gateway answers on all of them.
 */
export function gatewayNames(bindAddress: string, host: HostIdentity): CertificateNames {
  const dns = ['localhost'];
  const ips = ['127.0.0.1'];
  if (isWildcard(bindAddress)) {
    if (bindAddress === '::') ips.push('::1');
    ips.push(...host.addresses.filter((a) => net.isIPv4(a) || bindAddress === '::'));
    const hostname = host.hostname.trim().toLowerCase();
    if (hostname && hostname !== 'localhost') {
      dns.push(hostname);
      const short = hostname.split('.')[0];
      if (short && short !== hostname) dns.push(short);
    }
  } else {
    ips.push(bindAddress);
  }
  return normalizeNames({ dns, ips });
}

export function sameNames(a: CertificateNames, b: CertificateNames): boolean {
  const x = normalizeNames(a);
  const y = normalizeNames(b);
  return x.dns.join(',') === y.dns.join(',') && x.ips.join(',') === y.ips.join(',');
}

/** The names of `wanted` that `held` lacks (empty = covered). */
export function missingNames(held: CertificateNames, wanted: CertificateNames): string[] {
  const h = normalizeNames(held);
  const w = normalizeNames(wanted);
  return [...w.dns.filter((d) => !h.dns.includes(d) && !h.dns.some((pattern) => wildcardMatches(pattern, d))), ...w.ips.filter((i) => !h.ips.includes(i))];
}

/** "*.example.org" covers "gw.example.org", not "example.org" nor "a.gw.example.org" (RFC 6125). */
function wildcardMatches(pattern: string, name: string): boolean {
  if (!pattern.startsWith('*.')) return false;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === pattern.slice(2);
}

export function describeNames(names: CertificateNames): string {
  return [...names.dns, ...names.ips].join(', ');
}

/** The address this machine's own clients (and Gatehouse's probes) use for a gateway bound to `bind`. */
export function localAddress(bind: string): string {
  if (bind === '0.0.0.0') return '127.0.0.1';
  if (bind === '::') return '::1';
  return bind;
}
