// Real objects for the security checks' integration tests: a core over the real keychain and a
// temp home, and gateway containers of the stand-in image created with the stack's labels.
// Everything is named after one random run id and removed by label afterwards.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type Docker from 'dockerode';
import { Gatehouse } from '../../electron/core/gatehouse';
import { PLAIN as STANDIN, docker, freePort, removeStackObjects } from './stack-helpers';
import { KeytarSecretStore } from '../../electron/core/secrets/keytar-store';
import { ACCOUNTS } from '../../electron/core/secrets/secret-store';
import type { SecurityCheck, SecurityReport } from '../../shared/api';

// One set of test plumbing: the Docker client, free ports and cleanup by label come from stack-helpers.
export { STANDIN, docker, freePort };

/** One test file's world: its own keychain service, home folder and stack-name prefix. */
export class SecurityWorld {
  readonly id = crypto.randomBytes(4).toString('hex');
  readonly service = `t-sec-${this.id}`;
  readonly home = fs.mkdtempSync(path.join(os.tmpdir(), `gh-sec-${this.id}-`));
  private readonly stacks = new Set<string>();
  private readonly cores: Gatehouse[] = [];

  /** A stack name of this world (a scenario per stack keeps scenarios from seeing each other). */
  stack(name: string): string {
    const s = `t-sec-${this.id}-${name}`;
    this.stacks.add(s);
    return s;
  }

  env(stack: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, GATEHOUSE_HOME: this.home, GATEHOUSE_KEYCHAIN_SERVICE: this.service, GATEHOUSE_STACK: stack, ...extra };
  }

  async core(stack: string, extra: NodeJS.ProcessEnv = {}): Promise<Gatehouse> {
    const core = await Gatehouse.open({ env: this.env(stack, extra) });
    this.cores.push(core);
    return core;
  }

  /** Creates (and by default starts) a gateway container of the stand-in, as the stack would. */
  async gateway(
    stack: string,
    options: {
      key: string | null;
      bind?: string;
      env?: Record<string, string>;
      image?: string;
      hostConfig?: Docker.HostConfig;
      start?: boolean;
      credentialsVolume?: boolean;
    },
  ): Promise<{ container: Docker.Container; port: number; volume: string | null }> {
    const port = await freePort();
    const env = Object.entries({ STANDIN_BOOT_MS: '100', ...(options.key ? { LITELLM_MASTER_KEY: options.key } : {}), ...options.env }).map(([k, v]) => `${k}=${v}`);
    let volume: string | null = null;
    const binds: string[] = [];
    if (options.credentialsVolume) {
      volume = `${stack}-claude`;
      await docker.createVolume({ Name: volume, Labels: { 'io.gatehouse.stack': stack, 'io.gatehouse.role': 'credentials' } });
      binds.push(`${volume}:/home/claude/.claude`);
    }
    const container = await docker.createContainer({
      name: `${stack}-litellm-${crypto.randomBytes(2).toString('hex')}`,
      Image: options.image ?? STANDIN,
      Env: env,
      Labels: { 'io.gatehouse.stack': stack, 'io.gatehouse.role': 'gateway' },
      ExposedPorts: { '4000/tcp': {} },
      HostConfig: {
        PortBindings: { '4000/tcp': [{ HostIp: options.bind ?? '127.0.0.1', HostPort: String(port) }] },
        Binds: binds,
        ...options.hostConfig,
      },
    });
    if (options.start !== false) {
      await container.start();
      await waitAlive(port);
    }
    return { container, port, volume };
  }

  /** Removes one stack's containers and volumes (found by label). */
  async cleanupStack(stack: string): Promise<void> {
    await removeStackObjects(stack);
  }

  async cleanup(): Promise<void> {
    for (const core of this.cores) await core.close();
    for (const stack of this.stacks) await this.cleanupStack(stack);
    const store = new KeytarSecretStore(this.service);
    for (const account of Object.values(ACCOUNTS)) await store.delete(account).catch(() => false);
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

/** Waits (bounded) until the stand-in answers its liveness endpoint on the loopback port. */
export async function waitAlive(port: number, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/health/liveliness', timeout: 1000, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`stand-in on port ${port} not alive within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function byId(report: SecurityReport, id: string): SecurityCheck {
  const c = report.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id}`);
  return c;
}

/** The report must never carry a secret: asserted on every report the tests produce. */
export function assertNoSecret(report: SecurityReport, secrets: string[]): void {
  const text = JSON.stringify(report);
  for (const s of secrets) if (s && text.includes(s)) throw new Error('a secret appears in the security report');
}
