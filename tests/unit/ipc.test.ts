import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_CHANNEL, INVOKE_CHANNELS, type StackStatus } from '../../shared/api';
import { payloadFromError } from '../../shared/bridge-errors';
import { GatehouseError } from '../../electron/core/errors';
import { TypedEmitter } from '../../electron/core/typed-emitter';
import type { EventMap } from '../../shared/api';
import { forwardEvents, registerIpc, trustedPageGate, type InvokeHandlers } from '../../electron/main/ipc-main';
import { createBridge } from '../../electron/preload/preload-api';
import { InProcessIpc } from '../support/in-process-ipc';

const PAGE = 'file:///opt/Gatehouse/resources/app.asar/dist/renderer/index.html';

/** Handlers that record calls; any channel not given throws, so a test sees unexpected calls. */
function recordingHandlers(overrides: Partial<InvokeHandlers>): { handlers: InvokeHandlers; calls: string[] } {
  const calls: string[] = [];
  const handlers = Object.fromEntries(
    INVOKE_CHANNELS.map((ch) => [
      ch,
      async (...args: unknown[]) => {
        calls.push(ch);
        const fn = overrides[ch] as ((...a: unknown[]) => Promise<unknown>) | undefined;
        if (!fn) throw new Error(`unexpected call ${ch}`);
        return fn(...args);
      },
    ]),
  ) as unknown as InvokeHandlers;
  return { handlers, calls };
}

function setup(overrides: Partial<InvokeHandlers>, frame: () => { url: string; parent: unknown } | null = () => ({ url: PAGE, parent: null })) {
  const ipc = new InProcessIpc();
  const { handlers, calls } = recordingHandlers(overrides);
  const dispose = registerIpc(ipc.main, handlers, trustedPageGate(PAGE));
  const bridge = createBridge(ipc.renderer(frame));
  return { ipc, bridge, calls, dispose };
}

describe('IPC sender gate', () => {
  it('refuses a call from another page and never runs the handler', async () => {
    const { bridge, calls } = setup({ 'settings:get': async () => ({}) as never }, () => ({ url: 'https://evil.example/index.html', parent: null }));
    await assert.rejects(bridge.invoke('settings:get'), (err: unknown) => {
      const p = payloadFromError(err);
      assert.equal(p.code, 'FORBIDDEN_SENDER');
      assert.match(p.message, /not Gatehouse's own window/);
      return true;
    });
    assert.deepEqual(calls, []);
  });

  it('refuses a sub-frame of the app page and a destroyed frame', async () => {
    for (const frame of [{ url: PAGE, parent: { url: PAGE } }, null]) {
      const { bridge, calls } = setup({ 'key:reveal': async () => 'sk-should-never-be-returned' }, () => frame);
      await assert.rejects(bridge.invoke('key:reveal'), (err: unknown) => payloadFromError(err).code === 'FORBIDDEN_SENDER');
      assert.deepEqual(calls, []);
    }
  });

  it('accepts the app page with a hash or query, and nothing that only looks like it', () => {
    const gate = trustedPageGate(PAGE);
    assert.equal(gate({ senderFrame: { url: `${PAGE}#logs`, parent: null } }), true);
    assert.equal(gate({ senderFrame: { url: `${PAGE}?x=1`, parent: null } }), true);
    assert.equal(gate({ senderFrame: { url: PAGE.replace('index.html', 'other.html'), parent: null } }), false);
    assert.equal(gate({ senderFrame: { url: 'not a url', parent: null } }), false);
  });
});

describe('IPC argument validation', () => {
  it('refuses bad arguments with INVALID_ARGUMENT before the handler runs', async () => {
    const { bridge, calls } = setup({ 'warnings:ack': async () => [], 'settings:update': async () => ({}) as never });
    const bad: [string, unknown[]][] = [
      ['warnings:ack', [42]],
      ['warnings:ack', []],
      ['settings:update', [{ port: 'eighty' }]],
      ['settings:update', [{ nodeIntegration: true }]],
      ['logs:query', [{ minLevel: 'loud' }]],
      ['logs:export', [{}, 'pdf']],
      ['stack:start', ['extra']],
    ];
    for (const [channel, args] of bad) {
      await assert.rejects(
        (bridge.invoke as (c: string, ...a: unknown[]) => Promise<unknown>)(channel, ...args),
        (err: unknown) => {
          const p = payloadFromError(err);
          assert.equal(p.code, 'INVALID_ARGUMENT', `${channel} ${JSON.stringify(args)}`);
          assert.match(p.message, new RegExp(`"${channel}" was refused`));
          return true;
        },
      );
    }
    assert.deepEqual(calls, []);
  });

  it('never echoes the value of a refused argument (it may be a token)', async () => {
    const { bridge } = setup({});
    const secretish = 'sk-ant-oat01-' + 'x'.repeat(5000); // over the size bound
    await assert.rejects(bridge.invoke('claude:set-token', secretish), (err: unknown) => {
      const p = payloadFromError(err);
      assert.equal(p.code, 'INVALID_ARGUMENT');
      assert.ok(!p.message.includes('sk-ant-oat01'), 'the message must not contain the value');
      return true;
    });
  });

  it('passes validated arguments through to the handler', async () => {
    let seen: unknown = null;
    const { bridge } = setup({
      'logs:query': async (q) => {
        seen = q;
        return { entries: [], total: 0 };
      },
    });
    assert.deepEqual(await bridge.invoke('logs:query', { minLevel: 'warning', text: 'boom', limit: 10 }), { entries: [], total: 0 });
    assert.deepEqual(seen, { minLevel: 'warning', text: 'boom', limit: 10 });
  });

  it('the bridge refuses a channel that is not in the contract without calling main', async () => {
    const { bridge, calls } = setup({});
    await assert.rejects((bridge.invoke as (c: string) => Promise<unknown>)('shell:exec'), (err: unknown) => payloadFromError(err).code === 'INVALID_ARGUMENT');
    assert.deepEqual(calls, []);
  });
});

describe('errors across the bridge', () => {
  it('keep code, message and fix, even when only the message survives the transport', async () => {
    const { bridge } = setup({
      'stack:start': async () => {
        throw new GatehouseError('PORT_IN_USE', 'Port 4000 on 127.0.0.1 is already in use by another program.', 'Choose another port in Settings, or stop the other program.');
      },
    });
    const err = await bridge.invoke('stack:start').then(
      () => assert.fail('should reject'),
      (e: unknown) => e,
    );
    const expected = { code: 'PORT_IN_USE', message: 'Port 4000 on 127.0.0.1 is already in use by another program.', fix: 'Choose another port in Settings, or stop the other program.' };
    assert.deepEqual(payloadFromError(err), expected);
    // contextBridge copies only `message`: rebuild from that alone, and from Electron's prefixed form.
    assert.deepEqual(payloadFromError(new Error((err as Error).message)), expected);
    assert.deepEqual(payloadFromError(new Error(`Error invoking remote method 'x': ${(err as Error).message}`)), expected);
  });

  it('turns an unexpected exception into INTERNAL with a fix', async () => {
    const { bridge } = setup({ 'key:info': async () => { throw new TypeError('boom'); } });
    await assert.rejects(bridge.invoke('key:info'), (err: unknown) => {
      const p = payloadFromError(err);
      return p.code === 'INTERNAL' && p.message === 'boom' && p.fix !== null;
    });
  });
});

describe('events and registration', () => {
  const status = { state: 'healthy', stackName: 't' } as unknown as StackStatus;

  it('forwards core events, and unsubscribe stops delivery and detaches the IPC listener', () => {
    const { ipc, bridge } = setup({});
    const events = new TypedEmitter<EventMap>();
    const stop = forwardEvents(events, (ch, env) => ipc.send(ch, env));
    const got: string[] = [];
    const off = bridge.on('stack:status', (s) => got.push(s.state));
    const off2 = bridge.on('stack:status', () => got.push('second'));
    events.emit('stack:status', status);
    assert.deepEqual(got, ['healthy', 'second']);
    off();
    off(); // idempotent
    events.emit('stack:status', status);
    assert.deepEqual(got, ['healthy', 'second', 'second']);
    assert.equal(ipc.listenerCount(EVENT_CHANNEL), 1);
    off2();
    assert.equal(ipc.listenerCount(EVENT_CHANNEL), 0);
    events.emit('stack:status', status);
    assert.equal(got.length, 3);
    stop();
  });

  it('a throwing listener does not keep the others from the event', () => {
    const { ipc, bridge } = setup({});
    const events = new TypedEmitter<EventMap>();
    forwardEvents(events, (ch, env) => ipc.send(ch, env));
    const got: string[] = [];
    const orig = console.error;
    console.error = () => undefined;
    try {
      bridge.on('stack:status', () => {
        throw new Error('view bug');
      });
      bridge.on('stack:status', (s) => got.push(s.state));
      events.emit('stack:status', status);
    } finally {
      console.error = orig;
    }
    assert.deepEqual(got, ['healthy']);
  });

  it('registers one handler per contract channel and removes them all on dispose', () => {
    const { ipc, dispose } = setup({});
    assert.equal(ipc.handlerCount(), INVOKE_CHANNELS.length);
    dispose();
    assert.equal(ipc.handlerCount(), 0);
  });

  it('refuses to subscribe to an event that is not in the contract', () => {
    const { bridge } = setup({});
    assert.throws(() => (bridge.on as (e: string, f: () => void) => void)('secret:dump', () => undefined), (err: unknown) => payloadFromError(err).code === 'INVALID_ARGUMENT');
  });
});
