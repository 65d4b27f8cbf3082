import http from 'node:http';
import https from 'node:https';
import { trustFor } from '../tls/trust-registry';

export interface ProbeResult {
  status: number;
  body: string;
}

/**
 * One HTTP GET with a hard timeout. node:http, not fetch: Node 20's fetch against a published
 * port whose container is still booting (docker-proxy accepts, then resets) can hang forever,
 * while node:http reports ECONNRESET as an error. Rejects on any network error or timeout.
 */
export function httpGet(url: string, options: { headers?: Record<string, string>; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    // An https:// gateway is verified against the certificates registered for its port (the local CA), never not at all.
    const secure = url.startsWith('https:');
    const get = secure ? https.get : http.get;
    const req = get(url, { headers: options.headers, timeout: options.timeoutMs ?? 2000, signal: options.signal, agent: false, ...(secure ? { ca: trustFor(url) } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        // Probes read small answers; a large one is cut rather than buffered.
        if (body.length < 64 * 1024) body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs ?? 2000} ms`)));
    req.on('error', reject);
  });
}
