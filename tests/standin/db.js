'use strict';
// The stand-in's database client: a minimal PostgreSQL client speaking the wire protocol (v3)
// in plain Node, because the stand-in image holds no npm packages. It does what LiteLLM does
// with DATABASE_URL on the points Gatehouse relies on: connect and authenticate (SCRAM-SHA-256,
// md5 or cleartext, whichever the server asks for), answer readiness with `SELECT 1`, and keep
// data in a table so tests can prove it survives restarts and key rotations.
//
// API used by server.js: ping(), put(key, value), get(key) -> string | null, close(), and
// keys.* for LiteLLM's virtual keys (stored hashed, as LiteLLM stores them).
// Errors carry the server's own message (e.g. 'password authentication failed for user
// "llmproxy"'), never the URL or the password.
const net = require('node:net');
const crypto = require('node:crypto');

const CONNECT_TIMEOUT_MS = Number(process.env.STANDIN_DB_CONNECT_TIMEOUT_MS || 3000);
const QUERY_TIMEOUT_MS = Number(process.env.STANDIN_DB_QUERY_TIMEOUT_MS || 5000);
const TABLE = 'gatehouse_standin_kv';

/** postgresql://user:pass@host:5432/db (also postgres://); percent-encoding decoded. */
function parseDatabaseUrl(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new Error('DATABASE_URL is not a valid URL (expected postgresql://user:password@host:5432/database)');
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`DATABASE_URL has scheme "${url.protocol.replace(/:$/, '')}", expected postgresql`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username);
  return {
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    host: url.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    port: url.port ? Number(url.port) : 5432,
    database,
  };
}

// --- message building --------------------------------------------------------------------------
function cstr(s) {
  return Buffer.concat([Buffer.from(String(s), 'utf8'), Buffer.from([0])]);
}
function int32(n) {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}
function int16(n) {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
}
/** A frontend message: type byte, int32 length (including itself), body. */
function msg(type, ...parts) {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(type, 'ascii'), int32(body.length + 4), body]);
}
function startupMessage(user, database) {
  const body = Buffer.concat([
    int32(196608), // protocol 3.0
    cstr('user'), cstr(user),
    cstr('database'), cstr(database),
    cstr('application_name'), cstr('litellm-standin'),
    cstr('client_encoding'), cstr('UTF8'),
    Buffer.from([0]),
  ]);
  return Buffer.concat([int32(body.length + 4), body]);
}

/** ErrorResponse / NoticeResponse fields: S severity, C code, M message, D detail, … */
function parseFields(body) {
  const fields = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const code = String.fromCharCode(body[i]);
    const end = body.indexOf(0, i + 1);
    fields[code] = body.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return fields;
}
function serverError(body) {
  const f = parseFields(body);
  const err = new Error(f.M || 'the database server reported an error');
  err.code = f.C;
  err.severity = f.S;
  return err;
}

// --- SCRAM-SHA-256 (RFC 5802 / 7677) -----------------------------------------------------------
function hmac(key, data) {
  return crypto.createHmac('sha256', key).update(data).digest();
}
function sha256(data) {
  return crypto.createHash('sha256').update(data).digest();
}
function xor(a, b) {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}
function parseScramAttrs(text) {
  const attrs = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) attrs[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return attrs;
}

class Connection {
  constructor(cfg) {
    this.cfg = cfg;
    this.socket = null;
    this.buffer = Buffer.alloc(0);
    this.messages = [];
    this.waiter = null;
    this.closedError = null;
    this.params = {};
  }

  /** Resolves with the next backend message { type, body }; rejects when the socket closes. */
  next(timeoutMs) {
    if (this.messages.length) return Promise.resolve(this.messages.shift());
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        const err = new Error(`the database at ${this.cfg.host}:${this.cfg.port} did not answer within ${timeoutMs} ms`);
        this.destroy(err);
        reject(err);
      }, timeoutMs);
      this.waiter = {
        resolve: (m) => (clearTimeout(timer), resolve(m)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      };
    });
  }

  onData(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 5) {
      const len = this.buffer.readInt32BE(1);
      if (this.buffer.length < len + 1) break;
      const m = { type: String.fromCharCode(this.buffer[0]), body: this.buffer.subarray(5, len + 1) };
      this.buffer = this.buffer.subarray(len + 1);
      if (m.type === 'N') continue; // NoticeResponse: informational
      if (m.type === 'S') {
        const [k, v] = m.body.toString('utf8').split('\0');
        this.params[k] = v;
        continue;
      }
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w.resolve(m);
      } else {
        this.messages.push(m);
      }
    }
  }

  destroy(err) {
    if (!this.closedError) this.closedError = err || new Error('the database connection was closed');
    if (this.socket) this.socket.destroy();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w.reject(this.closedError);
    }
  }

  get usable() {
    return this.socket !== null && this.closedError === null;
  }

  async open() {
    const { host, port } = this.cfg;
    await new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      this.socket = socket;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`could not connect to the database at ${host}:${port} within ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`could not connect to the database at ${host}:${port}: ${err.code || err.message}`));
      });
    });
    this.socket.on('data', (c) => this.onData(c));
    this.socket.on('error', (err) => this.destroy(new Error(`the database connection failed: ${err.code || err.message}`)));
    this.socket.on('close', () => this.destroy(new Error('the database closed the connection')));
    this.socket.write(startupMessage(this.cfg.user, this.cfg.database));
    await this.authenticate();
  }

  async authenticate() {
    let scram = null;
    for (;;) {
      const m = await this.next(CONNECT_TIMEOUT_MS);
      if (m.type === 'E') throw serverError(m.body);
      if (m.type === 'Z') return; // ReadyForQuery: the session is open
      if (m.type === 'K') continue; // BackendKeyData
      if (m.type !== 'R') throw new Error(`unexpected message "${m.type}" from the database during authentication`);
      const code = m.body.readInt32BE(0);
      if (code === 0) continue; // AuthenticationOk; ParameterStatus…ReadyForQuery follow
      if (code === 3) {
        this.socket.write(msg('p', cstr(this.cfg.password)));
      } else if (code === 5) {
        const salt = m.body.subarray(4, 8);
        const inner = crypto.createHash('md5').update(this.cfg.password + this.cfg.user).digest('hex');
        const outer = crypto.createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex');
        this.socket.write(msg('p', cstr('md5' + outer)));
      } else if (code === 10) {
        const mechanisms = m.body.subarray(4).toString('utf8').split('\0').filter(Boolean);
        if (!mechanisms.includes('SCRAM-SHA-256')) {
          throw new Error(`the database offers only ${mechanisms.join(', ')}; this client speaks SCRAM-SHA-256`);
        }
        // PostgreSQL takes the user from the startup message; "n=*" as libpq sends.
        const nonce = crypto.randomBytes(18).toString('base64');
        const firstBare = `n=*,r=${nonce}`;
        const first = Buffer.from('n,,' + firstBare, 'utf8');
        scram = { nonce, firstBare };
        this.socket.write(msg('p', cstr('SCRAM-SHA-256'), int32(first.length), first));
      } else if (code === 11) {
        if (!scram) throw new Error('the database sent a SCRAM challenge without starting SCRAM');
        const serverFirst = m.body.subarray(4).toString('utf8');
        const a = parseScramAttrs(serverFirst);
        if (!a.r || !a.r.startsWith(scram.nonce) || !a.s || !a.i) throw new Error('the database sent an invalid SCRAM challenge');
        // The password is used as is: SASLprep changes nothing for the ASCII passwords Gatehouse generates.
        const salted = crypto.pbkdf2Sync(Buffer.from(this.cfg.password, 'utf8'), Buffer.from(a.s, 'base64'), Number(a.i), 32, 'sha256');
        const clientKey = hmac(salted, 'Client Key');
        const finalNoProof = `c=biws,r=${a.r}`;
        const authMessage = `${scram.firstBare},${serverFirst},${finalNoProof}`;
        const proof = xor(clientKey, hmac(sha256(clientKey), authMessage)).toString('base64');
        scram.serverSignature = hmac(hmac(salted, 'Server Key'), authMessage).toString('base64');
        this.socket.write(msg('p', Buffer.from(`${finalNoProof},p=${proof}`, 'utf8')));
      } else if (code === 12) {
        const a = parseScramAttrs(m.body.subarray(4).toString('utf8'));
        if (!scram || a.v !== scram.serverSignature) {
          throw new Error('the database failed SCRAM server verification (it does not know the password it claims to)');
        }
      } else {
        throw new Error(`the database asks for an authentication method this client does not speak (code ${code})`);
      }
    }
  }

  /**
   * Runs one statement and resolves with its rows (arrays of text values, null for NULL).
   * Without params: the simple query protocol. With params: Parse/Bind/Execute/Sync, so values
   * never need quoting.
   */
  async query(sql, params) {
    if (params && params.length) {
      const values = params.map((p) => (p === null ? int32(-1) : ((b) => Buffer.concat([int32(b.length), b]))(Buffer.from(String(p), 'utf8'))));
      this.socket.write(
        Buffer.concat([
          msg('P', cstr(''), cstr(sql), int16(0)),
          msg('B', cstr(''), cstr(''), int16(0), int16(params.length), ...values, int16(0)),
          msg('E', cstr(''), int32(0)),
          msg('S'),
        ]),
      );
    } else {
      this.socket.write(msg('Q', cstr(sql)));
    }
    const rows = [];
    let error = null;
    for (;;) {
      const m = await this.next(QUERY_TIMEOUT_MS);
      if (m.type === 'D') {
        const n = m.body.readInt16BE(0);
        const row = [];
        let i = 2;
        for (let c = 0; c < n; c++) {
          const len = m.body.readInt32BE(i);
          i += 4;
          if (len < 0) row.push(null);
          else {
            row.push(m.body.toString('utf8', i, i + len));
            i += len;
          }
        }
        rows.push(row);
      } else if (m.type === 'E') {
        error = serverError(m.body);
      } else if (m.type === 'Z') {
        if (error) throw error;
        return rows;
      }
      // T RowDescription, C CommandComplete, I EmptyQuery, 1 ParseComplete, 2 BindComplete: nothing to keep.
    }
  }

  async end() {
    if (this.usable) {
      this.socket.end(msg('X'));
    }
    this.destroy(new Error('the database connection was closed'));
  }
}

// --- the module's API: one connection, re-opened after any failure, queries one at a time --------
let conn = null;
let tableReady = false;
let queue = Promise.resolve();

function config() {
  return parseDatabaseUrl(process.env.DATABASE_URL || '');
}

async function connection() {
  if (conn && conn.usable) return conn;
  if (conn) conn.destroy();
  tableReady = false;
  const c = new Connection(config());
  conn = c;
  try {
    await c.open();
  } catch (err) {
    c.destroy(err);
    throw err;
  }
  return c;
}

function serial(fn) {
  const run = queue.catch(() => undefined).then(fn);
  queue = run;
  return run;
}

async function run(sql, params) {
  const c = await connection();
  return c.query(sql, params);
}

async function ensureTable() {
  if (tableReady) return;
  await run(`CREATE TABLE IF NOT EXISTS ${TABLE} (k text PRIMARY KEY, v text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
  tableReady = true;
}

// --- virtual keys, kept as LiteLLM keeps them: only the SHA-256 of the key (its "token") ------
// Columns follow LiteLLM_VerificationToken on the points the key endpoints answer with. Times are
// ISO text (the stand-in compares them in JS); models and metadata are JSON text.
const KEYS_TABLE = '"LiteLLM_VerificationToken"';
const KEY_COLUMNS = 'token, key_name, key_alias, models, max_budget, spend, expires, created_at, metadata';
let keysTableReady = false;

async function ensureKeysTable() {
  if (keysTableReady && conn && conn.usable) return;
  await run(
    `CREATE TABLE IF NOT EXISTS ${KEYS_TABLE} (token text PRIMARY KEY, key_name text NOT NULL, key_alias text UNIQUE, models text NOT NULL DEFAULT '[]', ` +
      `max_budget double precision, spend double precision NOT NULL DEFAULT 0, expires text, created_at text NOT NULL, metadata text NOT NULL DEFAULT '{}')`,
  );
  keysTableReady = true;
}

function keyRow(r) {
  return {
    token: r[0],
    key_name: r[1],
    key_alias: r[2],
    models: JSON.parse(r[3] || '[]'),
    max_budget: r[4] === null ? null : Number(r[4]),
    spend: Number(r[5] || 0),
    expires: r[6],
    created_at: r[7],
    metadata: JSON.parse(r[8] || '{}'),
  };
}

const keys = {
  insert: (k) => serial(async () => {
    await ensureKeysTable();
    await run(`INSERT INTO ${KEYS_TABLE} (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8)`, [
      k.token, k.key_name, k.key_alias, JSON.stringify(k.models || []), k.max_budget ?? null, k.expires ?? null, k.created_at, JSON.stringify(k.metadata || {}),
    ]);
  }),
  byToken: (token) => serial(async () => {
    await ensureKeysTable();
    const rows = await run(`SELECT ${KEY_COLUMNS} FROM ${KEYS_TABLE} WHERE token = $1`, [token]);
    return rows.length ? keyRow(rows[0]) : null;
  }),
  byAlias: (alias) => serial(async () => {
    await ensureKeysTable();
    const rows = await run(`SELECT ${KEY_COLUMNS} FROM ${KEYS_TABLE} WHERE key_alias = $1`, [alias]);
    return rows.length ? keyRow(rows[0]) : null;
  }),
  list: () => serial(async () => {
    await ensureKeysTable();
    return (await run(`SELECT ${KEY_COLUMNS} FROM ${KEYS_TABLE} ORDER BY created_at`)).map(keyRow);
  }),
  /** Deletes by token; returns the tokens that existed. */
  delete: (tokens) => serial(async () => {
    await ensureKeysTable();
    const gone = [];
    for (const t of tokens) {
      const rows = await run(`DELETE FROM ${KEYS_TABLE} WHERE token = $1 RETURNING token`, [t]);
      if (rows.length) gone.push(t);
    }
    return gone;
  }),
  /** A regenerated key: same row, new token and display name. */
  replaceToken: (oldToken, newToken, keyName) => serial(async () => {
    await ensureKeysTable();
    const rows = await run(`UPDATE ${KEYS_TABLE} SET token = $2, key_name = $3 WHERE token = $1 RETURNING token`, [oldToken, newToken, keyName]);
    return rows.length > 0;
  }),
  addSpend: (token, amount) => serial(async () => {
    await ensureKeysTable();
    await run(`UPDATE ${KEYS_TABLE} SET spend = spend + $2 WHERE token = $1`, [token, amount]);
  }),
};

module.exports = {
  parseDatabaseUrl,
  keys,
  ping: () => serial(async () => {
    const rows = await run('SELECT 1');
    if (!rows.length || rows[0][0] !== '1') throw new Error('the database answered SELECT 1 with something else');
  }),
  put: (key, value) => serial(async () => {
    await ensureTable();
    await run(`INSERT INTO ${TABLE} (k, v) VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v, updated_at = now()`, [key, value]);
  }),
  get: (key) => serial(async () => {
    await ensureTable();
    const rows = await run(`SELECT v FROM ${TABLE} WHERE k = $1`, [key]);
    return rows.length ? rows[0][0] : null;
  }),
  close: () => serial(async () => {
    if (conn) await conn.end();
    conn = null;
  }),
};
