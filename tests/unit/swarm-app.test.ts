/**
 * The desktop app's swarm pieces in plain Node: swarm:status / swarm:init through the real
 * registration, schemas, handler table and preload bridge (the engine below answers Docker's
 * swarm calls as an engine in no swarm does, then as the manager it becomes), and the settings
 * draft rules of "Where the gateway runs".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GatehouseBridge, Settings } from '../../shared/api';
import { SETTINGS_LIMITS } from '../../shared/settings-limits';
import type { Gatehouse } from '../../electron/core/gatehouse';
import type { ClipboardGuard } from '../../electron/core/secrets/clipboard';
import type { SwarmMembership } from '../../electron/core/engine/types';
import { createHandlers } from '../../electron/main/ipc-handlers';
import { registerIpc, trustedPageGate } from '../../electron/main/ipc-main';
import { createBridge } from '../../electron/preload/preload-api';
import { patchOf, replicasProblem } from '../../renderer/src/views/settings/draft';
import { InProcessIpc } from '../support/in-process-ipc';

const PAGE = 'file:///app/dist/renderer/index.html';

/** Docker's answers to `info` and `swarm init` for one engine: in no swarm until an init, then its only manager. */
class SwarmAnswers {
  inits: string[] = [];
  membership: SwarmMembership = { localNodeState: 'inactive', controlAvailable: false, nodeId: null, nodes: 0, managers: 0 };
  async swarmMembership(): Promise<SwarmMembership> {
    return { ...this.membership };
  }
  async swarmInit(advertiseAddr: string): Promise<string> {
    // Docker refuses an init on an engine already in a swarm (503); the core must never ask.
    if (this.membership.localNodeState !== 'inactive') throw new Error('This node is already part of a swarm.');
    this.inits.push(advertiseAddr);
    this.membership = { localNodeState: 'active', controlAvailable: true, nodeId: 'node1abcdef0123456789', nodes: 1, managers: 1 };
    return 'node1abcdef0123456789';
  }
}

function appOver(engine: SwarmAnswers, gesture: () => boolean): GatehouseBridge {
  // Only what the swarm channels touch: the core's engine.
  const core = { engine } as unknown as Gatehouse;
  const unused = (): never => {
    throw new Error('not used by the swarm channels');
  };
  const handlers = createHandlers(core, {
    keyClipboard: {} as ClipboardGuard,
    copyText: unused,
    openExternal: unused,
    hardening: unused,
    revealAllowed: () => false,
    userGesture: gesture,
    confirmImageChange: unused,
    chooseExportPath: unused,
    chooseEnvFile: unused,
  });
  const ipc = new InProcessIpc();
  registerIpc(ipc.main, handlers, trustedPageGate(PAGE));
  return createBridge(ipc.renderer(() => ({ url: PAGE, parent: null })));
}

describe('app: swarm:status and swarm:init', () => {
  it('swarm:status reports the engine in no swarm; swarm:init without a user gesture is refused and asks nothing of the engine', async () => {
    const engine = new SwarmAnswers();
    const bridge = appOver(engine, () => false);
    const status = await bridge.invoke('swarm:status');
    assert.deepEqual(status, { ok: true, value: { localNodeState: 'inactive', controlAvailable: false, nodeId: null, nodes: 0, managers: 0 } });
    const init = await bridge.invoke('swarm:init');
    assert.equal(init.ok, false);
    assert.equal(!init.ok && init.error.code, 'NOT_FOCUSED');
    assert.deepEqual(engine.inits, []);
  });

  it('swarm:init after a click makes the single-node swarm on 127.0.0.1 once; a manager is left as it is', async () => {
    const engine = new SwarmAnswers();
    const bridge = appOver(engine, () => true);
    const first = await bridge.invoke('swarm:init');
    assert.ok(first.ok);
    assert.equal(first.value.created, true);
    assert.equal(first.value.membership.controlAvailable, true);
    assert.equal(first.value.membership.nodes, 1);
    assert.deepEqual(engine.inits, ['127.0.0.1']);
    const again = await bridge.invoke('swarm:init');
    assert.ok(again.ok);
    assert.equal(again.value.created, false);
    assert.deepEqual(engine.inits, ['127.0.0.1'], 'no second init');
    const status = await bridge.invoke('swarm:status');
    assert.ok(status.ok && status.value.controlAvailable);
  });

  it('a swarm worker is SWARM_NOT_MANAGER, not an init', async () => {
    const engine = new SwarmAnswers();
    engine.membership = { localNodeState: 'active', controlAvailable: false, nodeId: 'w1', nodes: 3, managers: 1 };
    const r = await appOver(engine, () => true).invoke('swarm:init');
    assert.equal(!r.ok && r.error.code, 'SWARM_NOT_MANAGER');
    assert.match(!r.ok ? r.error.message : '', /worker/);
    assert.deepEqual(engine.inits, []);
  });

  it('the page cannot name an advertise address: swarm:init takes no argument', async () => {
    const engine = new SwarmAnswers();
    const bridge = appOver(engine, () => true);
    const r = await (bridge.invoke as (c: string, ...a: unknown[]) => Promise<{ ok: boolean; error?: { code: string } }>)('swarm:init', '0.0.0.0');
    assert.equal(r.ok, false);
    assert.equal(r.error?.code, 'INVALID_ARGUMENT');
    assert.deepEqual(engine.inits, []);
  });
});

describe('app: "Where the gateway runs" in the settings draft', () => {
  it('replicas outside the shared limits get the field message; inside, none', () => {
    const { min, max } = SETTINGS_LIMITS.replicas;
    for (const bad of [0, max + 1, -1, 1.5, Number.NaN]) assert.equal(replicasProblem(bad), `Replicas must be a whole number from ${min} to ${max}.`, String(bad));
    for (const good of [min, 2, max]) assert.equal(replicasProblem(good), null, String(good));
  });

  it('target, publish mode and replicas are saved when changed', () => {
    const saved = { image: 'img:1', port: 4000, bindAddress: '127.0.0.1', clipboardClearSeconds: 30, keyMaxAgeDays: 90, stopGatewayOnQuit: false, watchedFolders: [], database: { enabled: false }, target: 'container', publishMode: 'ingress', replicas: 1 } as unknown as Settings;
    assert.deepEqual(patchOf(saved, saved), {});
    assert.deepEqual(patchOf(saved, { ...saved, target: 'swarm', publishMode: 'host', replicas: 3 }), { target: 'swarm', publishMode: 'host', replicas: 3 });
  });
});
