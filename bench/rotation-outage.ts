/**
 * The rotation-outage measurement bench/rotate.ts (container mode) and bench/swarm.ts (swarm mode)
 * share: the container's own boot time, and the longest time during a rotation that the gateway
 * served neither the old key nor the new one.
 */
import type Docker from 'dockerode';
import type { Gatehouse } from '../electron/core/gatehouse';
import { LABELS } from '../electron/core/engine/labels';
import { gatewayCreateOptions, type StackPlan } from '../electron/core/services/gateway-plan';
import { httpGet } from '../electron/core/services/http-probe';
import { ACCOUNTS } from '../electron/core/secrets/secret-store';
import { sleep } from './support';

/** How often the gateway is asked during a rotation: an outage is known to within this. */
export const PROBE_EVERY_MS = 20;

export interface OutageRound {
  bootMs: number;
  outageMs: number;
}

/** Whether the gateway on 127.0.0.1:`port` serves `key` (200 on /v1/models). */
export async function serves(port: number, key: string | null): Promise<boolean> {
  if (!key) return false;
  try {
    return (await httpGet(`http://127.0.0.1:${port}/v1/models`, { timeoutMs: 1000, headers: { authorization: `Bearer ${key}` } })).status === 200;
  } catch {
    return false;
  }
}

/**
 * The container's own boot: the same image and configuration as the gateway, its own port and
 * name, from `docker start` to the first 200 with the key; removed afterwards.
 */
export async function bootTime(docker: Docker, plan: StackPlan, key: string, basePort: number, name: string): Promise<number> {
  const opts = gatewayCreateOptions({ ...plan, port: basePort }, { LITELLM_MASTER_KEY: key, LITELLM_SALT_KEY: 'sk-bench-salt' }, name);
  opts.Labels = { ...opts.Labels, [LABELS.role]: 'bench-baseline' };
  const base = await docker.createContainer(opts);
  try {
    const t0 = performance.now();
    await base.start();
    while (!(await serves(basePort, key))) {
      if (performance.now() - t0 > 60_000) throw new Error('the boot baseline container did not answer within 60 s');
      await sleep(PROBE_EVERY_MS);
    }
    return performance.now() - t0;
  } finally {
    await base.remove({ force: true });
  }
}

/**
 * The longest stretch during `core.rotation.rotate()` in which the gateway on `port` served
 * neither the old key nor the new one (read from the keychain's pending account once the rotation
 * reaches its recreate step), probing until the new key answers so an outage at the end counts.
 */
export async function rotationOutage(core: Gatehouse, port: number, oldKey: string): Promise<number> {
  let newKey: string | null = null;
  const off = core.events.on('rotation:progress', (p) => {
    if (p.step === 'recreate') void core.secrets.get(ACCOUNTS.pendingMasterKey).then((k) => (newKey = k));
  });
  let lastOk = performance.now();
  let longest = 0;
  let rotating = true;
  const loop = (async () => {
    while (rotating) {
      const served = (await serves(port, oldKey)) || (await serves(port, newKey));
      const now = performance.now();
      if (served) {
        longest = Math.max(longest, now - lastOk);
        lastOk = now;
      }
      await sleep(PROBE_EVERY_MS);
    }
  })();
  try {
    const result = await core.rotation.rotate();
    const end = performance.now();
    while (!(await serves(port, await core.keys.get()))) {
      if (performance.now() - end > 30_000) throw new Error('the gateway did not answer after the rotation');
      await sleep(PROBE_EVERY_MS);
    }
    longest = Math.max(longest, performance.now() - lastOk);
    if (!result.gatewayRecreated) throw new Error('the rotation did not replace the gateway');
    return longest;
  } finally {
    rotating = false;
    await loop;
    off();
  }
}
