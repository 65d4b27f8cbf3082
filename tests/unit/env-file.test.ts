import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envValue, parseEnvFile, scrubEnvText } from '../../electron/core/secrets/env-file';

const note = () => 'moved';

test('parses the forms Compose accepts: export, quotes, escapes, inline comments, blanks', () => {
  const text = [
    '# a comment',
    '',
    'PLAIN=value1',
    'export EXPORTED=value2',
    "SINGLE='lit $x \\n # not a comment'",
    'DOUBLE="a\\nb \\"q\\" # inside"',
    'INLINE=abc # trailing comment',
    'HASHINVALUE=abc#def',
    '  SPACED = spaced value  ',
    'EMPTY=',
    'not an assignment line',
  ].join('\n') + '\n';
  const p = parseEnvFile(text);
  assert.equal(envValue(p, 'PLAIN'), 'value1');
  assert.equal(envValue(p, 'EXPORTED'), 'value2');
  assert.equal(envValue(p, 'SINGLE'), 'lit $x \\n # not a comment');
  assert.equal(envValue(p, 'DOUBLE'), 'a\nb "q" # inside');
  assert.equal(envValue(p, 'INLINE'), 'abc');
  assert.equal(envValue(p, 'HASHINVALUE'), 'abc#def');
  assert.equal(envValue(p, 'SPACED'), 'spaced value');
  assert.equal(envValue(p, 'EMPTY'), '');
  assert.equal(envValue(p, 'MISSING'), undefined);
});

test('the last assignment wins, as in Compose', () => {
  assert.equal(envValue(parseEnvFile('A=1\nA=2\n'), 'A'), '2');
});

test('CRLF files parse without a trailing \\r and are rewritten with CRLF', () => {
  const text = 'LITELLM_MASTER_KEY=sk-abc\r\nOTHER=keep\r\n';
  const p = parseEnvFile(text);
  assert.equal(envValue(p, 'LITELLM_MASTER_KEY'), 'sk-abc');
  assert.equal(envValue(p, 'OTHER'), 'keep');
  assert.equal(scrubEnvText(p, ['LITELLM_MASTER_KEY'], note), '# LITELLM_MASTER_KEY: moved\r\nOTHER=keep\r\n');
});

test('scrub removes only the named assignments and keeps every other line byte for byte', () => {
  const text = [
    '# header',
    'export LITELLM_MASTER_KEY="sk-secret"   # the key',
    'DATABASE_URL=postgres://x',
    '',
    'CLAUDE_CODE_OAUTH_TOKEN=\'sk-ant-oat01-x\'',
    '  weird line kept   ',
    'LITELLM_MASTER_KEY=sk-second',
  ].join('\n');
  const p = parseEnvFile(text);
  const out = scrubEnvText(p, ['LITELLM_MASTER_KEY', 'CLAUDE_CODE_OAUTH_TOKEN'], note);
  assert.equal(
    out,
    ['# header', '# LITELLM_MASTER_KEY: moved', 'DATABASE_URL=postgres://x', '', '# CLAUDE_CODE_OAUTH_TOKEN: moved', '  weird line kept   ', '# LITELLM_MASTER_KEY: moved'].join('\n'),
  );
  assert.ok(!out.includes('sk-secret') && !out.includes('sk-second') && !out.includes('oat01'));
});

test('a double-quoted value spanning lines is read whole and scrubbed whole', () => {
  const text = 'A=1\nPOSTGRES_PASSWORD="line1\nline2"\nB=2\n';
  const p = parseEnvFile(text);
  assert.equal(envValue(p, 'POSTGRES_PASSWORD'), 'line1\nline2');
  assert.equal(envValue(p, 'B'), '2');
  assert.equal(scrubEnvText(p, ['POSTGRES_PASSWORD'], note), 'A=1\n# POSTGRES_PASSWORD: moved\nB=2\n');
});
