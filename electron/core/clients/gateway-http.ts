import http from 'node:http';
import https from 'node:https';
import { trustFor } from '../tls/trust-registry';

export interface GatewayAnswer {
  status: number;
  /** The parsed JSON body; undefined when the body is not JSON. */
  json: unknown;
  text: string;
}

/** Largest answer read: model lists and key lists are small; anything bigger is cut. */
const MAX_BODY_CHARS = 1024 * 1024;

/**
 * One JSON request to the gateway with the given key as a bearer token. node:http, not fetch
 * (a booting container can leave fetch hanging); a hard timeout; an https:// gateway is verified
 * against the certificates registered for its port (tls/trust-registry.ts). The key travels only
 * in the Authorization header, never in the URL.
 */
export function gatewayRequest(
  url: string,
  options: { method?: 'GET' | 'POST'; key: string; body?: unknown; timeoutMs?: number; signal?: AbortSignal },
): Promise<GatewayAnswer> {
  const method = options.method ?? 'GET';
  const payload = options.body === undefined ? null : Buffer.from(JSON.stringify(options.body), 'utf8');
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    const headers: Record<string, string> = { authorization: `Bearer ${options.key}`, accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const req = (secure ? https : http).request(
      url,
      { method, headers, timeout: timeoutMs, signal: options.signal, agent: false, ...(secure ? { ca: trustFor(url) } : {}) },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (text.length < MAX_BODY_CHARS) text += c;
        });
        res.on('end', () => {
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json, text });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(payload ?? undefined);
  });
}

/**
 * LiteLLM's error text from an error answer ({ error: { message } }, { detail: … }, or the raw
 * body), with every key and key hash it may echo removed ("sk-...abcd", the SHA-256 "token"), so
 * it can be shown, logged and kept in state.json.
 */
export function gatewayErrorText(answer: Pick<GatewayAnswer, 'json' | 'text' | 'status'>): string {
  const j = answer.json as { error?: { message?: unknown } | string; detail?: unknown; message?: unknown } | undefined;
  let text: string;
  if (j && typeof j.error === 'object' && j.error && typeof j.error.message === 'string') text = j.error.message;
  else if (j && typeof j.error === 'string') text = j.error;
  else if (j && j.detail !== undefined) text = typeof j.detail === 'string' ? j.detail : JSON.stringify(j.detail);
  else if (j && typeof j.message === 'string') text = j.message;
  else text = answer.text || `HTTP ${answer.status}`;
  return scrubKeys(text).slice(0, 1000);
}

/** Removes anything key-shaped: sk-… values (whole or "sk-...abcd") and 64-hex hashes. */
export function scrubKeys(text: string): string {
  return text.replace(/sk-[A-Za-z0-9._~+/=-]*/g, 'sk-…').replace(/\b[0-9a-f]{64}\b/gi, '[hash]');
}

/** A network error as one short phrase (ECONNREFUSED, ETIMEDOUT, a TLS refusal…). */
export function networkErrorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code && e.message && !e.message.startsWith(e.code)) return `${e.code}: ${e.message}`;
  return e?.message ?? String(err);
}
