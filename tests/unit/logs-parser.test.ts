import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogParser, type ParsedEntry } from '../../electron/core/logs/parser';
import type { RawLine } from '../../electron/core/engine/log-stream';

let tick = 0;
function parse(lines: (string | [RawLine['stream'], string])[]): ParsedEntry[] {
  const out: ParsedEntry[] = [];
  const p = new LogParser((e) => out.push(e));
  for (const l of lines) {
    const [stream, text] = typeof l === 'string' ? (['stdout', l] as const) : l;
    tick++;
    p.push({ time: `2026-11-28T04:00:00.${String(tick).padStart(9, '0')}Z`, stream, text });
  }
  p.flush();
  return out;
}

function brief(e: ParsedEntry) {
  return { level: e.level, source: e.source, message: e.message };
}

test('Python logging lines: level, logger as source, message without time and level', () => {
  const got = parse([
    ['stderr', '04:42:18 - LiteLLM Proxy:WARNING: proxy_server.py:123 - something odd'],
    ['stdout', '04:42:19 - LiteLLM:INFO: utils.py:9 - hello'],
    ['stderr', '04:42:20 - LiteLLM Router:ERROR: router.py:4217 - no deployments'],
    ['stderr', '04:42:21,123 - LiteLLM Proxy:CRITICAL: proxy_server.py:9000 - fatal'],
    ['stdout', '04:42:22 - LiteLLM:DEBUG: x.py:1 - dbg'],
  ]).map(brief);
  assert.deepEqual(got, [
    { level: 'warning', source: 'LiteLLM Proxy', message: 'proxy_server.py:123 - something odd' },
    { level: 'info', source: 'LiteLLM', message: 'utils.py:9 - hello' },
    { level: 'error', source: 'LiteLLM Router', message: 'router.py:4217 - no deployments' },
    { level: 'critical', source: 'LiteLLM Proxy', message: 'proxy_server.py:9000 - fatal' },
    { level: 'debug', source: 'LiteLLM', message: 'x.py:1 - dbg' },
  ]);
});

test('uvicorn lines (padded level) and entrypoint lines (one space) are told apart', () => {
  const got = parse([
    'INFO:     Uvicorn running on http://0.0.0.0:4000 (Press CTRL+C to quit)',
    ['stderr', 'WARNING:  Invalid HTTP request received.'],
    ['stderr', 'ERROR:    Exception in ASGI application'],
    ['stderr', 'CRITICAL: boom'],
    ['stderr', 'ERROR: LITELLM_MASTER_KEY is required.'],
    ['stderr', "ERROR: LITELLM_MASTER_KEY must start with 'sk-' (LiteLLM requirement)."],
  ]).map(brief);
  assert.deepEqual(got, [
    { level: 'info', source: 'uvicorn', message: 'Uvicorn running on http://0.0.0.0:4000 (Press CTRL+C to quit)' },
    { level: 'warning', source: 'uvicorn', message: 'Invalid HTTP request received.' },
    { level: 'error', source: 'uvicorn', message: 'Exception in ASGI application' },
    { level: 'critical', source: 'uvicorn', message: 'boom' },
    { level: 'error', source: 'entrypoint', message: 'LITELLM_MASTER_KEY is required.' },
    { level: 'error', source: 'entrypoint', message: "LITELLM_MASTER_KEY must start with 'sk-' (LiteLLM requirement)." },
  ]);
});

test('JSON log lines: level and message from the object, stack trace appended, non-objects kept whole', () => {
  const got = parse([
    ['stderr', JSON.stringify({ message: 'cooldown', level: 'WARNING', timestamp: '2026-11-28T04:00:00Z' })],
    JSON.stringify({ message: 'ok', level: 'INFO', timestamp: 't', name: 'LiteLLM Proxy' }),
    ['stderr', JSON.stringify({ message: 'failed', level: 'ERROR', stacktrace: 'Traceback (most recent call last):\n  File "x"\nValueError: bad\n' })],
    '{not json at all',
    '[1,2,3]',
  ]).map(brief);
  assert.deepEqual(got, [
    { level: 'warning', source: 'LiteLLM', message: 'cooldown' },
    { level: 'info', source: 'LiteLLM Proxy', message: 'ok' },
    { level: 'error', source: 'LiteLLM', message: 'failed\nTraceback (most recent call last):\n  File "x"\nValueError: bad' },
    { level: 'info', source: 'gateway', message: '{not json at all' },
    { level: 'info', source: 'gateway', message: '[1,2,3]' },
  ]);
});

test('a traceback is joined to the error line it belongs to, and what follows is separate again', () => {
  const got = parse([
    ['stderr', '04:42:18 - LiteLLM Proxy:ERROR: proxy_server.py:2901 - Exception loading config'],
    ['stderr', 'Traceback (most recent call last):'],
    ['stderr', '  File "/app/litellm/proxy/proxy_server.py", line 2899, in load_config'],
    ['stderr', '    config = yaml.safe_load(f)'],
    ['stderr', 'yaml.scanner.ScannerError: mapping values are not allowed here'],
    ['stdout', 'INFO:     Started server process [1]'],
  ]);
  assert.equal(got.length, 2);
  const first = got[0] as ParsedEntry;
  assert.equal(first.level, 'error');
  assert.equal(first.source, 'LiteLLM Proxy');
  assert.equal(
    first.message,
    [
      'proxy_server.py:2901 - Exception loading config',
      'Traceback (most recent call last):',
      '  File "/app/litellm/proxy/proxy_server.py", line 2899, in load_config',
      '    config = yaml.safe_load(f)',
      'yaml.scanner.ScannerError: mapping values are not allowed here',
    ].join('\n'),
  );
  assert.ok(first.lastLineTime > first.time, 'the watermark is the last joined line');
  assert.equal((got[1] as ParsedEntry).source, 'uvicorn');
});

test('chained tracebacks stay one entry; a log line right after ends it', () => {
  const got = parse([
    ['stderr', 'ERROR:    Exception in ASGI application'],
    ['stderr', 'Traceback (most recent call last):'],
    ['stderr', '  File "a.py", line 1, in f'],
    ['stderr', 'KeyError: \'x\''],
    ['stderr', ''],
    ['stderr', 'During handling of the above exception, another exception occurred:'],
    ['stderr', ''],
    ['stderr', 'Traceback (most recent call last):'],
    ['stderr', '  File "b.py", line 2, in g'],
    ['stderr', 'RuntimeError'],
    ['stderr', 'ERROR:    next problem'],
  ]);
  assert.equal(got.length, 2);
  assert.equal((got[0] as ParsedEntry).message.split('\n').length, 10);
  assert.equal((got[1] as ParsedEntry).message, 'next problem');
});

test('a bare traceback (uncaught) is an error entry of its own; one after an info line is not glued to it', () => {
  const got = parse([
    'INFO:     Application startup complete.',
    ['stderr', 'Traceback (most recent call last):'],
    ['stderr', '  File "main.py", line 3, in <module>'],
    ['stderr', 'ModuleNotFoundError: No module named \'prisma\''],
  ]);
  assert.equal(got.length, 2);
  assert.deepEqual(brief(got[1] as ParsedEntry), {
    level: 'error',
    source: 'python',
    message: "Traceback (most recent call last):\n  File \"main.py\", line 3, in <module>\nModuleNotFoundError: No module named 'prisma'",
  });
});

test('unknown lines are kept exactly, with a level from their stream; blank lines are kept too', () => {
  const got = parse([
    'LiteLLM: Proxy initialized with Config, Set models:',
    ['stderr', '/usr/lib/python3/site-packages/x.py:12: DeprecationWarning: old'],
    ['stderr', 'prisma:warn something'],
    '',
  ]).map(brief);
  assert.deepEqual(got, [
    { level: 'info', source: 'gateway', message: 'LiteLLM: Proxy initialized with Config, Set models:' },
    { level: 'warning', source: 'gateway', message: '/usr/lib/python3/site-packages/x.py:12: DeprecationWarning: old' },
    { level: 'warning', source: 'gateway', message: 'prisma:warn something' },
    { level: 'info', source: 'gateway', message: '' },
  ]);
});

test('indented continuation lines join the entry on the same stream; ANSI colours are removed', () => {
  const got = parse([
    'LiteLLM: Proxy initialized with Config, Set models:',
    '    claude-opus-4',
    '    claude-sonnet-4',
    ['stderr', '\x1b[92m04:42:18 - LiteLLM Proxy:WARNING\x1b[0m: proxy_server.py:1 - coloured'],
    ['stdout', '   not for the stderr entry'],
  ]).map(brief);
  assert.deepEqual(got, [
    { level: 'info', source: 'gateway', message: 'LiteLLM: Proxy initialized with Config, Set models:\n    claude-opus-4\n    claude-sonnet-4' },
    { level: 'warning', source: 'LiteLLM Proxy', message: 'proxy_server.py:1 - coloured' },
    { level: 'info', source: 'gateway', message: '   not for the stderr entry' },
  ]);
});
