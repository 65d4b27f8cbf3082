import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

describe('electron-builder.yml', () => {
  const yaml = require('js-yaml') as { load(s: string): unknown };
  const cfg = yaml.load(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>;

  it('matches electron-builder’s own configuration schema', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util');
    await validateConfiguration(cfg, new DebugLogger(false));
  });

  it('sets the security fuses, unpacks native modules and targets every platform', () => {
    assert.equal(cfg.appId, 'io.gatehouse.app');
    assert.deepEqual(
      {
        runAsNode: cfg.electronFuses.runAsNode,
        enableNodeOptionsEnvironmentVariable: cfg.electronFuses.enableNodeOptionsEnvironmentVariable,
        enableNodeCliInspectArguments: cfg.electronFuses.enableNodeCliInspectArguments,
        enableEmbeddedAsarIntegrityValidation: cfg.electronFuses.enableEmbeddedAsarIntegrityValidation,
        onlyLoadAppFromAsar: cfg.electronFuses.onlyLoadAppFromAsar,
        enableCookieEncryption: cfg.electronFuses.enableCookieEncryption,
      },
      { runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, enableEmbeddedAsarIntegrityValidation: true, onlyLoadAppFromAsar: true, enableCookieEncryption: true },
    );
    assert.ok(cfg.asarUnpack.includes('**/*.node'), 'keytar.node outside the asar');
    assert.deepEqual(cfg.linux.target, ['AppImage', 'deb']);
    assert.deepEqual(cfg.mac.target, ['dmg']);
    assert.equal(cfg.mac.hardenedRuntime, true);
    assert.deepEqual(cfg.win.target, ['nsis']);
  });

  it('points at icons and entitlements that exist', () => {
    for (const rel of [cfg.mac.icon, cfg.win.icon, cfg.mac.entitlements, path.join(cfg.linux.icon, '256x256.png')]) {
      assert.ok(fs.existsSync(path.join(root, rel)), rel);
    }
    const png = fs.readFileSync(path.join(root, 'build', 'icon.png'));
    assert.equal(png.readUInt32BE(16), 1024, 'the source icon is 1024 px (macOS needs ≥ 512)');
  });
});
