import net from 'node:net';
import os from 'node:os';
import { isAllInterfaces, isLoopback } from '../../../shared/network';
import type { PortBinding } from './facts';

// One rule each for the core, main and the renderer (shared/network.ts).
export { isAllInterfaces, isLoopback };

export function urlFor(host: string, port: number): string {
  return `http://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** This machine's addresses that other machines can reach (not loopback, not link-local v6). */
export function lanAddresses(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): string[] {
  const out: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      if (info.internal) continue;
      // fe80:: addresses need a zone id to be used and are not how people reach a service.
      if (info.family === 'IPv6' && info.address.toLowerCase().startsWith('fe80:')) continue;
      out.push(info.address);
    }
  }
  return [...new Set(out)];
}

/**
 * The URLs at which other machines can reach the gateway, computed from the bindings and this
 * machine's addresses. Nothing is sent to them: knowing the binding is enough to know the answer.
 */
export function reachableFromOutside(bindings: PortBinding[], lan: string[]): string[] {
  const urls: string[] = [];
  for (const b of bindings) {
    if (isLoopback(b.hostIp)) continue;
    if (isAllInterfaces(b.hostIp)) {
      // A "0.0.0.0" binding serves IPv4 only; "::" (or "") serves both families.
      const v4only = b.hostIp === '0.0.0.0';
      for (const addr of lan) if (!v4only || net.isIPv4(addr)) urls.push(urlFor(addr, b.hostPort));
    } else {
      urls.push(urlFor(b.hostIp, b.hostPort));
    }
  }
  return [...new Set(urls)];
}

/**
 * Where Gatehouse itself probes the gateway: loopback when the port is published there or on
 * every interface, otherwise the one address it is published on (this machine's own).
 */
export function probeHost(bindings: PortBinding[]): { host: string; port: number } | null {
  const loop = bindings.find((b) => isLoopback(b.hostIp));
  if (loop) return { host: loop.hostIp, port: loop.hostPort };
  const all = bindings.find((b) => isAllInterfaces(b.hostIp));
  if (all) return { host: all.hostIp === '::' ? '::1' : '127.0.0.1', port: all.hostPort };
  const first = bindings[0];
  return first ? { host: first.hostIp, port: first.hostPort } : null;
}
