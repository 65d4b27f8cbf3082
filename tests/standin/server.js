'use strict';
// LiteLLM stand-in: behaves like the seed image (ghcr.io/cabinlab/litellm-claude-code) and
// LiteLLM's proxy on every point Gatehouse relies on (see DESIGN.md), so that integration tests
// run against a real container without pulling anything. Plain Node, no dependencies: the image
// holds only the node binary, its libraries and this folder.
//
// Knobs (environment, for tests): STANDIN_BOOT_MS (default 1500), STANDIN_OPEN=1 (answer
// without a key: an unsafe gateway), STANDIN_NO_LISTEN=1 (never becomes healthy),
// STANDIN_EXIT_AFTER_MS + STANDIN_EXIT_CODE (die on its own), STANDIN_LEAK_KEY=1 (prints the
// master key in a cache-settings line, as LiteLLM once did), STANDIN_TRACEBACK=1 (prints a
// traceback at boot), STANDIN_CLAUDE_LOGIN=none|expired (model calls fail as the seed image's
// do without a Claude login or with an expired one; POST /__standin/claude-login {state} changes
// it at run time), STANDIN_RATE_LIMITED=1 (model calls answer 429), STANDIN_PREMIUM=1 (the
// Enterprise-only /key/regenerate works).
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const env = process.env;
const KEY = env.LITELLM_MASTER_KEY;
const JSON_LOGS = /^(true|1)$/i.test(env.JSON_LOGS || '');
const PORT = Number(env.PORT || 4000);

// --- the seed image's entrypoint checks -------------------------------------------------------
if (!KEY) {
  process.stderr.write('ERROR: LITELLM_MASTER_KEY is required.\n');
  process.exit(1);
}
if (!KEY.startsWith('sk-')) {
  process.stderr.write("ERROR: LITELLM_MASTER_KEY must start with 'sk-' (LiteLLM requirement).\n");
  process.exit(1);
}
if (KEY === 'sk-1234') {
  // Recent LiteLLM refuses the documented example key at boot.
  process.stderr.write('ERROR: LITELLM_MASTER_KEY is set to the insecure default sk-1234. Set a strong key.\n');
  process.exit(1);
}

// --- logging in LiteLLM's formats ---------------------------------------------------------------
function hhmmss() {
  return new Date().toISOString().slice(11, 19);
}
const LEVEL_STREAM = { DEBUG: 'stdout', INFO: 'stdout', WARNING: 'stderr', ERROR: 'stderr', CRITICAL: 'stderr' };
/** Python logging line: "HH:MM:SS - LiteLLM Proxy:WARNING: file.py:123 - message". */
function pylog(logger, level, where, message) {
  const stream = LEVEL_STREAM[level] === 'stderr' ? process.stderr : process.stdout;
  if (JSON_LOGS) {
    stream.write(JSON.stringify({ message, level, timestamp: new Date().toISOString() }) + '\n');
  } else {
    stream.write(`${hhmmss()} - ${logger}:${level}: ${where} - ${message}\n`);
  }
}
function uvicorn(level, message) {
  // uvicorn pads the level to 9 columns: "INFO:     Uvicorn running on …"
  const stream = level === 'INFO' ? process.stdout : process.stderr;
  stream.write(`${(level + ':').padEnd(10)}${message}\n`);
}

// --- database (optional; the PostgreSQL issue extends this through db.js) -----------------------
let db = null;
if (env.DATABASE_URL) {
  const dbModule = path.join(__dirname, 'db.js');
  if (fs.existsSync(dbModule)) db = require(dbModule);
}

// --- auth as LiteLLM does it ---------------------------------------------------------------------
function presentedKey(req) {
  const h = req.headers;
  const auth = h['authorization'];
  if (typeof auth === 'string' && auth.length) return auth.replace(/^Bearer\s+/i, '');
  for (const name of ['x-api-key', 'api-key', 'x-litellm-api-key']) {
    if (typeof h[name] === 'string' && h[name].length) return h[name];
  }
  return null;
}
function send(res, status, body) {
  // LiteLLM answers JSON everywhere, even the liveness string (body: "I'm alive!" with quotes).
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(text);
}
function authError(res, message) {
  send(res, 401, { error: { message, type: 'auth_error', param: 'None', code: '401' } });
}
const sha256hex = (text) => require('node:crypto').createHash('sha256').update(text).digest('hex');
/**
 * LiteLLM's auth: the master key is the proxy admin; any other key is looked up by its SHA-256
 * in the database (virtual keys), refused when unknown or expired. Resolves with who is calling
 * ({ admin: true } or { admin: false, key: row }), or null after answering 401.
 */
async function checkAuth(req, res) {
  if (env.STANDIN_OPEN === '1') return { admin: true };
  const key = presentedKey(req);
  if (key === null) {
    authError(res, 'Authentication Error, No api key passed in.');
    return null;
  }
  if (key === KEY) return { admin: true };
  const token = sha256hex(key);
  const row = db ? await db.keys.byToken(token) : null;
  if (!row) {
    authError(res, 'Authentication Error, Invalid proxy server token passed. Received API Key = sk-...' + key.slice(-4) + ', Key Hash (Token) =' + token + '. Unable to find token in cache or `LiteLLM_VerificationTokenTable`');
    return null;
  }
  if (row.expires && Date.parse(row.expires) < Date.now()) {
    authError(res, `Authentication Error - Expired Key. Key Expiry time ${row.expires} and current time ${new Date().toISOString()}`);
    return null;
  }
  return { admin: false, key: row };
}

function readBody(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data));
  });
}

async function readiness() {
  const body = { status: 'healthy', db: 'Not connected', cache: null, litellm_version: '1.77.0-standin', success_callbacks: [] };
  if (db) {
    try {
      await db.ping();
      body.db = 'connected';
    } catch (err) {
      body.status = 'unhealthy';
      body.db = 'Not connected';
      body.error = String(err && err.message ? err.message : err);
    }
  }
  return body;
}

const { createRoutes, MODELS } = require('./litellm-routes');
const litellmRoutes = createRoutes({ db, env, pylog, checkAuth, send, readBody });

// HTTPS as LiteLLM serves it: --ssl_certfile_path / --ssl_keyfile_path, which read these two
// variables; both must be set. A file that cannot be read stops the boot, as in uvicorn.
const TLS = env.SSL_CERTFILE_PATH && env.SSL_KEYFILE_PATH ? { cert: fs.readFileSync(env.SSL_CERTFILE_PATH), key: fs.readFileSync(env.SSL_KEYFILE_PATH) } : null;
const SCHEME = TLS ? 'https' : 'http';

const server = (TLS ? (handler) => require('node:https').createServer(TLS, handler) : http.createServer)(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const route = `${req.method} ${url.pathname}`;
  try {
    if (url.pathname === '/health/liveliness' || url.pathname === '/health/liveness') {
      return send(res, 200, "I'm alive!");
    }
    if (url.pathname === '/health/readiness') {
      const body = await readiness();
      return send(res, body.status === 'healthy' ? 200 : 503, body);
    }
    // Models, completions and virtual keys (litellm-routes.js).
    if (await litellmRoutes(req, res, url)) return;
    // Test hook: print the given lines on stdout/stderr, as the gateway would.
    if (route === 'POST /__standin/emit') {
      if (!(await checkAuth(req, res))) return;
      const body = JSON.parse((await readBody(req)) || '{}');
      for (const line of body.lines || []) {
        (line.stream === 'stderr' ? process.stderr : process.stdout).write(String(line.text) + '\n');
      }
      return send(res, 200, { ok: true });
    }
    // Test hook for the database issue: store and read a value through DATABASE_URL.
    if (url.pathname === '/__standin/db' && db) {
      if (!(await checkAuth(req, res))) return;
      if (req.method === 'POST') {
        const body = JSON.parse((await readBody(req)) || '{}');
        await db.put(String(body.key), String(body.value));
        return send(res, 200, { ok: true });
      }
      return send(res, 200, { value: await db.get(String(url.searchParams.get('key'))) });
    }
    send(res, 404, { detail: 'Not Found' });
  } catch (err) {
    pylog('LiteLLM Proxy', 'ERROR', 'proxy_server.py:5120', `request failed: ${err && err.message}`);
    send(res, 500, { error: { message: String(err && err.message), type: 'internal_error', code: '500' } });
  } finally {
    uvicorn('INFO', `172.17.0.1:0 - "${req.method} ${url.pathname} HTTP/1.1" ${res.statusCode}`);
  }
});

function boot() {
  pylog('LiteLLM Proxy', 'INFO', 'proxy_server.py:512', 'Starting LiteLLM proxy (stand-in)');
  if (!env.CLAUDE_CODE_OAUTH_TOKEN) {
    pylog('LiteLLM', 'WARNING', 'claude_code_provider.py:88', 'No CLAUDE_CODE_OAUTH_TOKEN set; using credentials from /home/claude/.claude');
  }
  pylog('LiteLLM Router', 'WARNING', 'router.py:4217', `model_list has ${MODELS.length} deployments without rpm/tpm limits`);
  if (env.STANDIN_LEAK_KEY === '1') {
    pylog('LiteLLM Proxy', 'DEBUG', 'proxy_server.py:1690', `cache settings: {'type': 'local', 'master_key': '${KEY}'}`);
  }
  if (env.STANDIN_TRACEBACK === '1') {
    pylog('LiteLLM Proxy', 'ERROR', 'proxy_server.py:2901', 'Exception loading config');
    process.stderr.write(
      [
        'Traceback (most recent call last):',
        '  File "/app/litellm/proxy/proxy_server.py", line 2899, in load_config',
        '    config = yaml.safe_load(f)',
        '  File "/usr/lib/python3/site-packages/yaml/__init__.py", line 125, in safe_load',
        '    return load(stream, SafeLoader)',
        "yaml.scanner.ScannerError: mapping values are not allowed here",
      ].join('\n') + '\n',
    );
  }
  if (env.STANDIN_NO_LISTEN === '1') {
    pylog('LiteLLM Proxy', 'WARNING', 'proxy_server.py:600', 'waiting forever (STANDIN_NO_LISTEN)');
    setInterval(() => {}, 1 << 30);
    return;
  }
  // uvicorn's order: the app's startup completes, then the socket is bound, then "Uvicorn running
  // on" is printed, so that line means "listening" (Gatehouse probes the moment it appears).
  uvicorn('INFO', 'Started server process [1]');
  uvicorn('INFO', 'Waiting for application startup.');
  uvicorn('INFO', 'Application startup complete.');
  server.listen(PORT, '0.0.0.0', () => {
    uvicorn('INFO', `Uvicorn running on ${SCHEME}://0.0.0.0:${PORT} (Press CTRL+C to quit)`);
  });
  if (env.STANDIN_EXIT_AFTER_MS) {
    setTimeout(() => {
      pylog('LiteLLM Proxy', 'CRITICAL', 'proxy_server.py:9000', 'fatal error, exiting (STANDIN_EXIT_AFTER_MS)');
      process.exit(Number(env.STANDIN_EXIT_CODE || 3));
    }, Number(env.STANDIN_EXIT_AFTER_MS));
  }
}

function shutdown(signal) {
  uvicorn('INFO', 'Shutting down');
  uvicorn('INFO', 'Waiting for application shutdown.');
  uvicorn('INFO', 'Application shutdown complete.');
  uvicorn('INFO', `Finished server process [1] (${signal})`);
  server.close();
  Promise.resolve(db && db.close && db.close()).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

// LiteLLM takes a while to import and load its config; so does the stand-in.
setTimeout(boot, Number(env.STANDIN_BOOT_MS ?? 1500));
