import { probeTransportFor } from '../engine/connection';
import type { DockerEngine } from '../engine/types';
import { httpGet, type ProbeResult } from './http-probe';

/**
 * One GET against the gateway, with the key as a Bearer token or without a key. The readiness,
 * status and rotation checks ask through this, so how the request travels is decided in one place
 * (gatewayProbe) and never by a caller.
 */
export interface GatewayProbe {
  /** Where the requests go, for messages ("http://127.0.0.1:4000", "inside <container>"). */
  readonly where: string;
  get(path: string, key: string | null, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ProbeResult>;
}

/**
 * HTTP from this process to `url` (a local engine's published port). `keyless`: the gateway is on
 * another machine and no container is at hand to probe from; keyless requests still go, a request
 * with a key over plain http:// is refused rather than sent.
 */
export function hostProbe(url: string, keyless = false): GatewayProbe {
  return {
    where: url,
    get: async (path, key, options = {}) => {
      if (key !== null && keyless && !url.startsWith('https:')) throw new Error(`the key is not sent in clear to ${url} on another machine`);
      return httpGet(url + path, { ...options, headers: key === null ? undefined : { authorization: `Bearer ${key}` } });
    },
  };
}

/** The variable the in-container probe reads the key from: exec Env is neither argv nor shown by inspect or events. */
export const PROBE_KEY_VAR = 'GATEHOUSE_PROBE_KEY';

/**
 * The in-container probe: GET argv[1] with a timeout of argv[2] seconds, the key (if any) from
 * PROBE_KEY_VAR; prints the status code on the first line and the body after it. Exit 3: no answer.
 * TLS is not verified: the request never leaves the container's own loopback.
 */
const PYTHON = [
  'import os,sys,ssl,urllib.request as u,urllib.error as e',
  'q=u.Request(sys.argv[1])',
  `k=os.environ.get('${PROBE_KEY_VAR}')`,
  "k and q.add_header('Authorization','Bearer '+k)",
  'c=ssl._create_unverified_context()',
  'try:',
  ' r=u.urlopen(q,timeout=float(sys.argv[2]),context=c);s,b=r.status,r.read(65536)',
  'except e.HTTPError as x:',
  ' s,b=x.code,x.read(65536)',
  'except Exception as x:',
  ' print(x,file=sys.stderr);sys.exit(3)',
  "sys.stdout.write(str(s)+'\\n'+b.decode('utf-8','replace'))",
].join('\n');

const NODE = [
  'const [url,t]=process.argv.slice(1);',
  "const m=url.startsWith('https:')?require('https'):require('http');",
  `const k=process.env.${PROBE_KEY_VAR};`,
  "const q=m.get(url,{headers:k?{authorization:'Bearer '+k}:{},timeout:Number(t)*1000,rejectUnauthorized:false},(r)=>{let b='';r.setEncoding('utf8');",
  "r.on('data',(c)=>{if(b.length<65536)b+=c});r.on('end',()=>process.stdout.write(r.statusCode+'\\n'+b))});",
  "q.on('timeout',()=>q.destroy(new Error('timeout')));q.on('error',(x)=>{console.error(x.message);process.exit(3)});",
].join('');

/** Interpreters tried in order: the LiteLLM images have python3, images built on node have node. */
const RUNTIMES: Array<{ name: string; argv: (url: string, timeoutS: string) => string[] }> = [
  { name: 'python3', argv: (url, t) => ['python3', '-c', PYTHON, url, t] },
  { name: 'node', argv: (url, t) => ['node', '-e', NODE, url, t] },
];

/** Exit codes of an exec whose program could not be found or run. */
const NOT_RUNNABLE = new Set([126, 127]);

/**
 * GETs run inside the gateway container (Docker exec) against its own port: over a remote engine
 * the request travels inside the engine's TLS or SSH connection, and only the container's loopback
 * sees the key. The key is passed in the exec's Env, never in its argv.
 */
export function execProbe(engine: DockerEngine, containerId: string, scheme: 'http' | 'https', port: number): GatewayProbe {
  let runtime: (typeof RUNTIMES)[number] | null = null;
  return {
    where: `inside the gateway container ${containerId.slice(0, 12)}`,
    async get(path, key, options = {}) {
      const url = `${scheme}://127.0.0.1:${port}${path}`;
      const timeoutMs = options.timeoutMs ?? 2000;
      const env = key === null ? [] : [`${PROBE_KEY_VAR}=${key}`];
      for (const candidate of runtime ? [runtime] : RUNTIMES) {
        if (options.signal?.aborted) throw options.signal.reason;
        const r = await engine.exec(containerId, candidate.argv(url, String(timeoutMs / 1000)), env, {
          signal: options.signal,
          timeoutMs: timeoutMs + 3000,
          action: 'probe the gateway from inside its container',
        });
        if (r.exitCode !== null && NOT_RUNNABLE.has(r.exitCode)) continue;
        runtime = candidate;
        const nl = r.output.indexOf('\n');
        const status = Number(nl < 0 ? NaN : r.output.slice(0, nl));
        if (r.exitCode !== 0 || !Number.isInteger(status)) {
          throw new Error(`no answer from ${url} ${this.where}: ${r.output.trim().slice(0, 200) || `exit code ${r.exitCode ?? 'unknown'}`}`);
        }
        return { status, body: r.output.slice(nl + 1) };
      }
      throw new Error(`the gateway image has neither python3 nor node to probe ${url} from inside the container`);
    },
  };
}

/**
 * The one place the probe transport is chosen: a local engine's gateway is probed over HTTP at
 * `url` on this machine; a remote engine's (tcp+TLS, ssh) from inside the container.
 */
export function gatewayProbe(engine: DockerEngine, url: string, container: { id: string; scheme: 'http' | 'https'; port: number } | null): GatewayProbe {
  if (probeTransportFor(engine.endpoint()) === 'host-http') return hostProbe(url);
  return container ? execProbe(engine, container.id, container.scheme, container.port) : hostProbe(url, true);
}
