import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { LogEntry, LogLevel, SecurityCheck, StackStatus } from '../../shared/api';
import { RENDERER_CSP } from '../../electron/main/csp';
import { externalUrlToOpen, isAllowedExternalUrl } from '../../electron/main/external-links';
import { NotificationRules } from '../../electron/main/notification-rules';
import { drawBadge } from '../../electron/main/png';
import { trayLook } from '../../electron/main/tray-state';
import { LevelIndex, LogStore, findMatches } from '../../renderer/src/logs/log-store';

const root = path.resolve(__dirname, '..', '..');

describe('renderer CSP', () => {
  it('the page carries exactly the policy main reports, with no inline script or eval', () => {
    const html = fs.readFileSync(path.join(root, 'renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
    assert.ok(meta, 'index.html must carry a CSP meta tag');
    assert.equal(meta[1], RENDERER_CSP);
    assert.doesNotMatch(RENDERER_CSP, /unsafe-inline|unsafe-eval|\*|https?:/);
    assert.match(RENDERER_CSP, /default-src 'none'/);
    assert.match(RENDERER_CSP, /connect-src 'none'/);
  });
});

describe('openExternal allow-list', () => {
  it('allows the documentation paths over https and the gateway’s UI only', () => {
    assert.equal(isAllowedExternalUrl('https://docs.litellm.ai/docs/proxy/quick_start'), true);
    assert.equal(isAllowedExternalUrl('https://github.com/BerriAI/litellm'), true);
    assert.equal(isAllowedExternalUrl('https://github.com/BerriAI/litellm/issues/1'), true);
    assert.equal(isAllowedExternalUrl('http://127.0.0.1:4000/ui', 'http://127.0.0.1:4000'), true);
    assert.equal(isAllowedExternalUrl('http://127.0.0.1:4000/ui/', 'http://127.0.0.1:4000'), true);
  });
  it('refuses everything else', () => {
    for (const url of [
      'http://docs.litellm.ai/docs/', // not https
      'https://docs.litellm.ai.evil.example/docs/',
      'https://user:pass@github.com/BerriAI/litellm',
      'https://github.com/', // an allowed host, but not an allowed path
      'https://github.com/BerriAI/litellm-evil', // a prefix, not a whole segment
      'https://github.com/attacker/BerriAI/litellm',
      'https://github.com/BerriAI/litellm%2F..%2F..%2Fattacker', // encoded slashes are not segments
      'https://github.com/BerriAI/litellm/../../attacker/repo', // dot segments resolve to /attacker/repo
      'https://docs.litellm.ai:8443/docs/',
      'file:///etc/passwd',
      'smb://host/share',
      'javascript:alert(1)',
      'http://127.0.0.1:4001/ui',
      'http://127.0.0.1:4000/key/generate', // the gateway’s API, not its UI
      'http://127.0.0.1:4000/', // the gateway’s root
      'not a url',
    ]) {
      assert.equal(isAllowedExternalUrl(url, 'http://127.0.0.1:4000'), false, url);
    }
  });
  it('hands out the normalised href it judged, never the raw text', () => {
    assert.equal(externalUrlToOpen('https://DOCS.LiteLLM.ai/docs/a/../proxy\\quick_start'), 'https://docs.litellm.ai/docs/proxy/quick_start');
    assert.equal(externalUrlToOpen('https://docs.docker.com/engine/security/ rootless'), 'https://docs.docker.com/engine/security/%20rootless');
    assert.equal(externalUrlToOpen('https://github.com/BerriAI/litellm/..'), null);
  });
});

describe('tray look', () => {
  it('maps every state to a colour and the action that fits', () => {
    assert.equal(trayLook('healthy').action, 'stop');
    assert.equal(trayLook('stopped').action, 'start');
    assert.equal(trayLook('crashed').action, 'start');
    assert.equal(trayLook('stopping').action, 'none');
    assert.notDeepEqual(trayLook('healthy').colour, trayLook('crashed').colour);
    assert.notDeepEqual(trayLook('healthy').colour, trayLook('stopped').colour);
    assert.deepEqual(trayLook('unsafe').colour, trayLook('crashed').colour);
  });
});

describe('icon drawing', () => {
  it('produces a valid RGBA PNG of the asked size with transparent corners', () => {
    const png = drawBadge(64, [37, 99, 235]);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), 64);
    assert.equal(png.readUInt32BE(20), 64);
    const idatLen = png.readUInt32BE(33);
    assert.equal(png.subarray(37, 41).toString('ascii'), 'IDAT');
    const raw = zlib.inflateSync(png.subarray(41, 41 + idatLen));
    assert.equal(raw.length, (64 * 4 + 1) * 64);
    assert.equal(raw[1 + 3], 0, 'top-left corner is transparent');
    const mid = 32 * (64 * 4 + 1) + 1 + 4 * 4; // row 32, x = 4: inside the square, outside the gate
    assert.deepEqual([...raw.subarray(mid, mid + 4)], [37, 99, 235, 255]);
  });
});

describe('notification rules', () => {
  const st = (state: StackStatus['state'], extra: Partial<StackStatus> = {}) => ({ state, detail: null, exitCode: null, ...extra }) as StackStatus;
  it('notifies a crash once, not on every status after it', () => {
    const r = new NotificationRules();
    assert.equal(r.stackStatus(st('healthy')), null);
    const n = r.stackStatus(st('crashed', { exitCode: 137 }));
    assert.ok(n && n.urgent && /137/.test(n.body));
    assert.equal(r.stackStatus(st('crashed')), null);
  });
  it('rotation done and rollback, new warnings, and a worse security check', () => {
    const r = new NotificationRules();
    assert.equal(r.rotation({ step: 'verify', message: '' }), null);
    assert.equal(r.rotation({ step: 'done', message: 'New key sha256:ab' })?.title, 'Master key rotated');
    assert.match(r.rotation({ step: 'rollback', message: 'Health failed.' })?.body ?? '', /previous key is still in use/);
    assert.equal(r.warningsNew([]), null);
    const w = r.warningsNew([{ id: 'a', level: 'error', pattern: 'p', count: 2, firstSeen: '', lastSeen: '', example: 'boom', acknowledged: false }]);
    assert.ok(w?.urgent);
    assert.equal(r.warningsNew([{ id: 'a', level: 'error', pattern: 'p', count: 3, firstSeen: '', lastSeen: '', example: 'boom', acknowledged: false }]), null, 'the same group does not notify twice');
    const check = { id: 'exposure', title: 'Exposure', status: 'warn', finding: 'Reachable from the LAN.', fix: null, action: null } as SecurityCheck;
    assert.equal(r.securityWorsened([check])?.body, 'Reachable from the LAN.');
  });
});

describe('renderer log store', () => {
  const levels: LogLevel[] = ['debug', 'info', 'warning', 'error', 'critical'];
  const entry = (seq: number): LogEntry => ({
    seq,
    time: new Date(1_700_000_000_000 + seq).toISOString(),
    stream: 'stdout',
    level: levels[seq % 5]!,
    source: 'LiteLLM Proxy',
    message: `line ${seq}${seq % 1000 === 0 ? ' needle' : ''}`,
    containerId: null,
  });

  it('holds 100,000 lines, filters by level incrementally and finds matches', () => {
    const store = new LogStore(100_000);
    const batch: LogEntry[] = [];
    for (let i = 1; i <= 100_000; i++) batch.push(entry(i));
    store.append(batch);
    const idx = new LevelIndex();
    assert.equal(idx.rowsFor(store, 'debug').length, 100_000);
    assert.equal(idx.rowsFor(store, 'error').length, 40_000);
    store.append([entry(100_001), entry(100_002), entry(100_003)]); // 100_003 % 5 = 3: error
    assert.equal(idx.rowsFor(store, 'error').length, 40_001);
    const rows = idx.rowsFor(store, 'debug');
    assert.equal(findMatches(store, rows, 'NEEDLE').length, 100);
  });

  it('loading the backlog keeps the lines that arrived as events after the query', () => {
    const store = new LogStore(1000);
    store.append([entry(5), entry(6), entry(7)]); // events, while the query was in flight
    store.loadBacklog([entry(1), entry(2), entry(3), entry(4), entry(5)]);
    assert.deepEqual(store.all().map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7]);
  });

  it('drops entries it already has and trims to its cap', () => {
    const store = new LogStore(1000);
    store.append([entry(1), entry(2)]);
    store.append([entry(2), entry(3)]);
    assert.equal(store.size, 3);
    const many: LogEntry[] = [];
    for (let i = 4; i <= 2000; i++) many.push(entry(i));
    store.append(many);
    assert.equal(store.size, 1000);
    assert.equal(store.at(999)?.seq, 2000);
  });
});
