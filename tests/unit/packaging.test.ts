import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { APP_ID, PRODUCT_NAME } from '../../electron/main/app-identity';

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

  it('the deb declares electron-builder’s own default dependencies, then Gatehouse’s', () => {
    // The list electron-builder uses when deb.depends is not set, read from its own source: a
    // custom list replaces it, so every entry must be repeated.
    const FpmTarget = require('app-builder-lib/out/targets/FpmTarget').default;
    const defaults = FpmTarget.prototype.getDefaultDepends.call(null, 'deb') as string[];
    assert.ok(defaults.length >= 8 && defaults.includes('libgtk-3-0'), `app-builder-lib's defaults: ${defaults.join(', ')}`);
    const depends = cfg.deb.depends as string[];
    for (const pkg of defaults) assert.ok(depends.includes(pkg), `deb.depends lacks ${pkg}`);
    for (const pkg of ['libsecret-1-0', 'xdg-utils', 'dbus']) assert.ok(depends.includes(pkg), pkg);
  });

  it('does not rebuild native modules against Electron’s headers (keytar is N-API)', () => {
    assert.equal(cfg.npmRebuild, false);
    const keytar = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'keytar', 'package.json'), 'utf8')) as { binary?: { napi_versions?: number[] } };
    assert.ok(keytar.binary?.napi_versions?.length, 'keytar ships N-API binaries');
  });

  it('names the app as main does: appId for Windows toasts, productName for the data folder', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { productName?: string };
    assert.equal(cfg.appId, APP_ID);
    assert.equal(cfg.productName, PRODUCT_NAME);
    // Electron names app.getName() and the default userData folder after package.json, not the builder config.
    assert.equal(pkg.productName, PRODUCT_NAME);
  });

  it('packages what the installed `gatehouse` runs: the CLI sources beside main, no unusable Node entry', () => {
    assert.ok((cfg.files as string[]).includes('dist/electron/**/*.js'), 'dist/electron/cli and dist/electron/main');
    assert.ok(!(cfg.files as string[]).includes('bin/gatehouse.js'), 'bin/gatehouse.js needs a Node the package does not have');
    assert.equal(cfg.linux.executableName, 'gatehouse', 'the deb links /usr/bin/gatehouse to the app binary');
  });

  it('points at icons and entitlements that exist', () => {
    for (const rel of [cfg.mac.icon, cfg.win.icon, cfg.mac.entitlements, path.join(cfg.linux.icon, '256x256.png')]) {
      assert.ok(fs.existsSync(path.join(root, rel)), rel);
    }
    const png = fs.readFileSync(path.join(root, 'build', 'icon.png'));
    assert.equal(png.readUInt32BE(16), 1024, 'the source icon is 1024 px (macOS needs ≥ 512)');
  });
});
