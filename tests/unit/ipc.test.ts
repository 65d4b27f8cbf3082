import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { EVENT_CHANNEL, EVENT_NAMES, INVOKE_CHANNELS, type GatehouseBridge, type InvokeChannel, type InvokeMap, type StackStatus } from '../../shared/api';
import { BridgeError, invokeOrThrow, payloadFromError, unwrapEnvelope } from '../../shared/bridge-errors';
import { IPC_SCHEMAS } from '../../shared/ipc-schemas';
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

/** The bridge as the renderer uses it: the envelope opened, a failure thrown as BridgeError. */
function caller(bridge: GatehouseBridge) {
  return <K extends InvokeChannel>(channel: K, ...args: InvokeMap[K]['args']) => invokeOrThrow(bridge, channel, ...args);
}
const callAny = (bridge: GatehouseBridge, channel: string, ...args: unknown[]) => (invokeOrThrow as (b: GatehouseBridge, c: string, ...a: unknown[]) => Promise<unknown>)(bridge, channel, ...args);

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
    await assert.rejects(caller(bridge)('settings:get'), (err: unknown) => {
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
      await assert.rejects(caller(bridge)('key:reveal'), (err: unknown) => payloadFromError(err).code === 'FORBIDDEN_SENDER');
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
        callAny(bridge, channel, ...args),
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
    await assert.rejects(caller(bridge)('claude:set-token', secretish), (err: unknown) => {
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
    assert.deepEqual(await caller(bridge)('logs:query', { minLevel: 'warning', text: 'boom', limit: 10 }), { entries: [], total: 0 });
    assert.deepEqual(seen, { minLevel: 'warning', text: 'boom', limit: 10 });
  });

  it('the bridge refuses a channel that is not in the contract without calling main', async () => {
    const { bridge, calls } = setup({});
    await assert.rejects(callAny(bridge, 'shell:exec'), (err: unknown) => payloadFromError(err).code === 'INVALID_ARGUMENT');
    assert.deepEqual(calls, []);
  });
});

describe('errors across the bridge', () => {
  it('cross as data in the envelope: code, message, fix and cause, with nothing parsed from a message', async () => {
    const { bridge } = setup({
      'stack:start': async () => {
        const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4000'), { code: 'ECONNREFUSED' });
        throw new GatehouseError('PORT_IN_USE', 'Port 4000 on 127.0.0.1 is already in use by another program.', 'Choose another port in Settings, or stop the other program.', { cause });
      },
    });
    const expected = {
      code: 'PORT_IN_USE',
      message: 'Port 4000 on 127.0.0.1 is already in use by another program.',
      fix: 'Choose another port in Settings, or stop the other program.',
      cause: 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:4000',
    };
    // What the preload hands the page (contextBridge copies plain data whole): the envelope.
    const envelope = await bridge.invoke('stack:start');
    assert.deepEqual(structuredClone(envelope), { ok: false, error: expected });
    // What the renderer's call() makes of it.
    const err = await caller(bridge)('stack:start').then(
      () => assert.fail('should reject'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BridgeError);
    assert.equal(err.message, expected.message, 'the message is the message, with no code or fix packed in');
    assert.deepEqual(payloadFromError(err), expected);
    // An Error that lost its data on the way is not guessed at: it is INTERNAL with its text.
    assert.deepEqual(payloadFromError(new Error(`[PORT_IN_USE] ${expected.message}`)), { code: 'INTERNAL', message: `[PORT_IN_USE] ${expected.message}`, fix: null });
  });

  it('a refusal in the preload and a failed transport are envelopes too', async () => {
    const { bridge } = setup({});
    const unknown = await (bridge.invoke as (c: string) => Promise<unknown>)('shell:exec');
    assert.deepEqual(unknown, { ok: false, error: { code: 'INVALID_ARGUMENT', message: '"shell:exec" is not a Gatehouse method.', fix: null } });
    const broken = createBridge({
      invoke: async () => {
        throw new Error('No handler registered for \'stack:status\'');
      },
      on: () => undefined,
      removeListener: () => undefined,
    });
    const env = await broken.invoke('stack:status');
    assert.equal(env.ok, false);
    assert.throws(() => unwrapEnvelope(env), (e: unknown) => payloadFromError(e).code === 'INTERNAL' && /did not reach Gatehouse/.test((e as Error).message));
  });

  it('turns an unexpected exception into INTERNAL with a fix', async () => {
    const { bridge } = setup({ 'key:info': async () => { throw new TypeError('boom'); } });
    await assert.rejects(caller(bridge)('key:info'), (err: unknown) => {
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

/** The member names of `interface <name>` in shared/api.ts, read with the TypeScript parser. */
function interfaceKeys(name: string): string[] {
  const file = path.join(__dirname, '..', '..', 'shared', 'api.ts');
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const decl = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  assert.ok(decl, `interface ${name} in shared/api.ts`);
  return decl.members.map((m) => {
    assert.ok(m.name && (ts.isStringLiteral(m.name) || ts.isIdentifier(m.name)));
    return m.name.text;
  });
}

describe('the contract lists', () => {
  it('INVOKE_CHANNELS holds every InvokeMap channel once, and nothing else', () => {
    const declared = interfaceKeys('InvokeMap');
    assert.deepEqual([...INVOKE_CHANNELS].sort(), [...declared].sort(), 'a channel missing here is refused at run time without a word');
    assert.equal(new Set(INVOKE_CHANNELS).size, INVOKE_CHANNELS.length, 'no duplicates');
  });

  it('every channel has an argument schema, and every event of EventMap is forwarded', () => {
    assert.deepEqual(Object.keys(IPC_SCHEMAS).sort(), [...INVOKE_CHANNELS].sort());
    assert.deepEqual([...EVENT_NAMES].sort(), interfaceKeys('EventMap').sort());
  });
});
