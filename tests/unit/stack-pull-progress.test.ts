import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PullTracker, repoDigest } from '../../electron/core/engine/pull';
import type Docker from 'dockerode';

test('per-layer bytes are summed; done layers count in full; progress never goes backwards', () => {
  const t = new PullTracker('img:1');
  t.apply({ status: 'Pulling from library/img', id: '1' });
  t.apply({ status: 'Already exists', id: 'aaa' });
  t.apply({ status: 'Pulling fs layer', id: 'bbb' });
  t.apply({ status: 'Pulling fs layer', id: 'ccc' });
  let p = t.apply({ status: 'Downloading', id: 'bbb', progressDetail: { current: 50, total: 100 } });
  assert.equal(p.layers.length, 3, 'the tag line is not a layer');
  assert.equal(p.totalBytes, 100);
  assert.equal(p.percent, 50);
  // The second layer's size becomes known: the estimate would drop; it holds instead.
  p = t.apply({ status: 'Downloading', id: 'ccc', progressDetail: { current: 10, total: 300 } });
  assert.equal(p.totalBytes, 400);
  assert.equal(p.percent, 50);
  p = t.apply({ status: 'Download complete', id: 'bbb' });
  p = t.apply({ status: 'Downloading', id: 'ccc', progressDetail: { current: 290, total: 300 } });
  assert.equal(p.currentBytes, 390);
  assert.ok(p.percent! > 97 && p.percent! <= 99, 'below 100 until the pull ends');
  p = t.apply({ status: 'Extracting', id: 'ccc', progressDetail: { current: 5, total: 300 } });
  assert.equal(p.layers.find((l) => l.id === 'ccc')!.current, 300, 'extraction does not move bytes back');
  p = t.apply({ status: 'Pull complete', id: 'ccc' });
  assert.ok(p.percent! < 100);
  p = t.finish();
  assert.equal(p.percent, 100);
  assert.equal(p.image, 'img:1');
});

test('unknown sizes give a null percent', () => {
  const t = new PullTracker('img');
  assert.equal(t.apply({ status: 'Pulling fs layer', id: 'x' }).percent, null);
});

test('repoDigest picks the digest of the configured repository', () => {
  const info = { RepoDigests: ['other/repo@sha256:' + '1'.repeat(64), '127.0.0.1:5000/x@sha256:' + '2'.repeat(64)] } as Docker.ImageInspectInfo;
  assert.equal(repoDigest(info, '127.0.0.1:5000/x:v1'), 'sha256:' + '2'.repeat(64));
  assert.equal(repoDigest(info, 'nope:1'), 'sha256:' + '1'.repeat(64));
  assert.equal(repoDigest({ RepoDigests: [] } as unknown as Docker.ImageInspectInfo, 'x'), null);
  assert.equal(repoDigest(null, 'x'), null);
});
