'use strict';
// The stand-in's model and key routes, answering as LiteLLM's proxy does on the points Gatehouse
// relies on: /v1/models, /v1/chat/completions and /v1/messages (a small fake completion, or the
// error the seed image gives without a Claude login / with an expired one, in LiteLLM's error
// shape), and the virtual-key endpoints /key/generate, /key/list, /key/info, /key/regenerate,
// /key/delete (database mode: keys stored as SHA-256 "tokens" in PostgreSQL, so they survive
// restarts and master-key rotations; a deleted key is refused at once; /key/regenerate only with
// STANDIN_PREMIUM=1, as LiteLLM allows it only with an Enterprise license).
const crypto = require('node:crypto');

const MODELS = ['claude-opus-4', 'claude-sonnet-4', 'claude-3-5-haiku'];
/** What one fake completion costs, so budgets and spend move as in LiteLLM. */
const FAKE_COST_USD = 0.0001;

const sha256hex = (text) => crypto.createHash('sha256').update(text).digest('hex');
/** LiteLLM accepts a key or its hash wherever a key is named (_hash_token_if_needed). */
const tokenOf = (keyOrToken) => (String(keyOrToken).startsWith('sk-') ? sha256hex(String(keyOrToken)) : String(keyOrToken));
/** The display name LiteLLM keeps of a key: "sk-...abcd". */
const keyName = (key) => `sk-...${key.slice(-4)}`;
const newKey = () => 'sk-' + crypto.randomBytes(16).toString('base64url');

/** LiteLLM's error body: { error: { message, type, param, code } } with the status as a string. */
function errorBody(status, message, type) {
  return { error: { message, type: type ?? null, param: null, code: String(status) } };
}

/** "30d", "12h", "15m", "45s" → milliseconds; null for no expiry. LiteLLM's duration_in_seconds. */
function durationMs(text) {
  if (text === null || text === undefined || text === '' || text === 'permanent') return null;
  const m = /^(\d+)(s|m|h|d|w|mo)$/.exec(String(text));
  if (!m) throw Object.assign(new Error(`Invalid duration format: ${text}. Use e.g. 30s, 30m, 30h, 30d`), { status: 400 });
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, mo: 30 * 86400e3 }[m[2]];
  return Number(m[1]) * unit;
}

/** A stored key as LiteLLM's /key/info and /key/list (return_full_object) show it: never the key itself. */
function keyObject(row) {
  return {
    token: row.token,
    key_name: row.key_name,
    key_alias: row.key_alias,
    models: row.models,
    max_budget: row.max_budget,
    spend: row.spend,
    expires: row.expires,
    created_at: row.created_at,
    metadata: row.metadata,
  };
}

/** The seed image's Claude Code provider without a usable login: what LiteLLM passes on. */
function claudeLoginFailure(state, model) {
  if (state === 'expired') {
    return {
      status: 401,
      body: errorBody(
        401,
        `litellm.AuthenticationError: Claude_codeException - {"type":"error","error":{"type":"authentication_error","message":"OAuth token has expired. Please obtain a new token or refresh your existing token."}}. Received Model Group=${model}\nAvailable Model Group Fallbacks=None`,
        'auth_error',
      ),
    };
  }
  return {
    status: 500,
    body: errorBody(500, `litellm.APIConnectionError: Claude_codeException - Invalid API key · Please run /login. Received Model Group=${model}\nAvailable Model Group Fallbacks=None`),
  };
}

function createRoutes({ db, env, pylog, checkAuth, send, readBody }) {
  let claudeLogin = env.STANDIN_CLAUDE_LOGIN || 'ok';

  async function json(req) {
    const text = await readBody(req);
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      throw Object.assign(new Error('Invalid JSON in request body'), { status: 400 });
    }
  }

  function visibleModels(auth) {
    return auth.key && auth.key.models.length ? MODELS.filter((m) => auth.key.models.includes(m)) : MODELS;
  }

  /** The checks LiteLLM runs before a model call, then the call itself. Returns [status, body]. */
  async function modelCall(auth, model) {
    if (!MODELS.includes(model)) {
      return [400, errorBody(400, `/chat/completions: Invalid model name passed in model=${model}. Call \`/v1/models\` to view available models for your key.`, 'invalid_request_error')];
    }
    if (auth.key) {
      if (auth.key.models.length && !auth.key.models.includes(model)) {
        return [401, errorBody(401, `Authentication Error, key not allowed to access model. This key can only access models=${JSON.stringify(auth.key.models)}. Tried to access ${model}`, 'key_model_access_denied')];
      }
      if (auth.key.max_budget !== null && auth.key.spend >= auth.key.max_budget) {
        return [400, errorBody(400, `Budget has been exceeded! Current cost: ${auth.key.spend}, Max budget: ${auth.key.max_budget}`, 'budget_exceeded')];
      }
    }
    if (env.STANDIN_RATE_LIMITED === '1') {
      return [429, errorBody(429, `litellm.RateLimitError: Claude_codeException - Rate limit reached for requests. Received Model Group=${model}`, 'throttling_error')];
    }
    if (claudeLogin !== 'ok') {
      const f = claudeLoginFailure(claudeLogin, model);
      pylog('LiteLLM Proxy', 'ERROR', 'proxy_server.py:3895', f.body.error.message.split('\n')[0]);
      return [f.status, f.body];
    }
    if (auth.key && db) await db.keys.addSpend(auth.key.token, FAKE_COST_USD);
    return [200, null];
  }

  function requireAdmin(auth, res, route) {
    if (auth.admin) return true;
    send(res, 401, errorBody(401, `Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=${route}. Your role=internal_user`, 'auth_error'));
    return false;
  }

  function requireDb(res) {
    if (db) return true;
    // LiteLLM without DATABASE_URL: the key routes have no table to write to.
    send(res, 500, errorBody(500, 'Authentication Error, Not connected to DB!', 'internal_error'));
    return false;
  }

  async function generate(body, { alias, keep } = {}) {
    const key = newKey();
    const expiresMs = durationMs(body.duration);
    const row = {
      token: sha256hex(key),
      key_name: keyName(key),
      key_alias: alias ?? body.key_alias ?? null,
      models: Array.isArray(body.models) ? body.models.map(String) : [],
      max_budget: typeof body.max_budget === 'number' ? body.max_budget : null,
      expires: expiresMs === null ? null : new Date(Date.now() + expiresMs).toISOString(),
      created_at: new Date().toISOString(),
      metadata: body.metadata && typeof body.metadata === 'object' ? body.metadata : {},
      ...keep,
    };
    if (row.key_alias && (await db.keys.byAlias(row.key_alias))) {
      throw Object.assign(new Error(`Unique key aliases across all keys are required. Key alias=${row.key_alias} already exists.`), { status: 400 });
    }
    await db.keys.insert(row);
    return { key, ...keyObject(row), token_id: row.token };
  }

  /** Handles the request if it is one of these routes; returns whether it did. */
  return async function handle(req, res, url) {
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /v1/models' || route === 'GET /models') {
      const auth = await checkAuth(req, res);
      if (!auth) return true;
      send(res, 200, { object: 'list', data: visibleModels(auth).map((id) => ({ id, object: 'model', created: 1677610602, owned_by: 'openai' })) });
      return true;
    }
    if (route === 'POST /v1/chat/completions' || route === 'POST /chat/completions') {
      const auth = await checkAuth(req, res);
      if (!auth) return true;
      const body = await json(req);
      const model = String(body.model ?? '');
      const [status, err] = await modelCall(auth, model);
      if (err) return send(res, status, err), true;
      pylog('LiteLLM Proxy', 'INFO', 'proxy_server.py:3801', `chat completion for model=${model}`);
      send(res, 200, {
        id: 'chatcmpl-standin-' + crypto.randomBytes(6).toString('hex'),
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: 'stand-in reply' }, finish_reason: body.max_tokens && body.max_tokens < 3 ? 'length' : 'stop' }],
        usage: { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 },
      });
      return true;
    }
    if (route === 'POST /v1/messages') {
      const auth = await checkAuth(req, res);
      if (!auth) return true;
      const body = await json(req);
      const model = String(body.model ?? '');
      const [status, err] = await modelCall(auth, model);
      if (err) return send(res, status, err), true;
      send(res, 200, {
        id: 'msg_standin_' + crypto.randomBytes(6).toString('hex'),
        type: 'message',
        role: 'assistant',
        model,
        content: [{ type: 'text', text: 'stand-in reply' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 8, output_tokens: 2 },
      });
      return true;
    }
    // Test hook: switch the Claude login state without recreating the container.
    if (route === 'POST /__standin/claude-login') {
      const auth = await checkAuth(req, res);
      if (!auth || !requireAdmin(auth, res, url.pathname)) return true;
      const body = await json(req);
      claudeLogin = ['ok', 'none', 'expired'].includes(body.state) ? body.state : 'ok';
      send(res, 200, { state: claudeLogin });
      return true;
    }
    if (!url.pathname.startsWith('/key/')) return false;

    const auth = await checkAuth(req, res);
    if (!auth) return true;
    if (!requireAdmin(auth, res, url.pathname) || !requireDb(res)) return true;
    try {
      if (route === 'POST /key/generate') {
        const body = await json(req);
        const out = await generate(body);
        pylog('LiteLLM Proxy', 'INFO', 'key_management_endpoints.py:560', `generated key alias=${out.key_alias}`);
        send(res, 200, out);
        return true;
      }
      if (route === 'GET /key/list') {
        const full = url.searchParams.get('return_full_object') === 'true';
        const alias = url.searchParams.get('key_alias');
        const rows = (await db.keys.list()).filter((r) => !alias || r.key_alias === alias);
        send(res, 200, { keys: full ? rows.map(keyObject) : rows.map((r) => r.token), total_count: rows.length, current_page: 1, total_pages: 1 });
        return true;
      }
      if (route === 'GET /key/info') {
        const asked = url.searchParams.get('key');
        if (!asked) return send(res, 400, errorBody(400, 'key is required', 'bad_request_error')), true;
        const row = await db.keys.byToken(tokenOf(asked));
        if (!row) return send(res, 404, { detail: { error: `Key not found. Passed key=${keyName(String(asked))}` } }), true;
        send(res, 200, { key: row.token, info: keyObject(row) });
        return true;
      }
      const regen = /^\/key\/(?:(.+)\/)?regenerate$/.exec(url.pathname);
      if (req.method === 'POST' && regen) {
        const body = await json(req);
        // Regenerating a virtual key is an Enterprise feature in LiteLLM; without a license it
        // answers this (through its management wrapper: a 500). STANDIN_PREMIUM=1 lifts it.
        if (env.STANDIN_PREMIUM !== '1') {
          return send(res, 500, errorBody(500, 'Regenerating Virtual Keys is an Enterprise feature, You must be a LiteLLM Enterprise user to use this feature. If you have a license please set `LITELLM_LICENSE` in your env.', 'internal_server_error')), true;
        }
        const asked = regen[1] ? decodeURIComponent(regen[1]) : body.key;
        const row = asked ? await db.keys.byToken(tokenOf(asked)) : null;
        if (!row) return send(res, 404, errorBody(404, 'Key not found', 'not_found_error')), true;
        const key = newKey();
        const token = sha256hex(key);
        await db.keys.replaceToken(row.token, token, keyName(key));
        send(res, 200, { key, ...keyObject({ ...row, token, key_name: keyName(key) }), token_id: token });
        return true;
      }
      if (route === 'POST /key/delete') {
        const body = await json(req);
        const tokens = Array.isArray(body.keys) ? body.keys.map(tokenOf) : [];
        if (Array.isArray(body.key_aliases)) {
          for (const a of body.key_aliases) {
            const row = await db.keys.byAlias(String(a));
            if (row) tokens.push(row.token);
          }
        }
        const deleted = await db.keys.delete(tokens);
        if (!deleted.length) return send(res, 404, errorBody(404, `Could not find key(s) to delete.`, 'not_found_error')), true;
        send(res, 200, { deleted_keys: deleted });
        return true;
      }
      send(res, 404, { detail: 'Not Found' });
    } catch (err) {
      const status = err && err.status ? err.status : 500;
      send(res, status, errorBody(status, String(err && err.message), status === 500 ? 'internal_error' : 'bad_request_error'));
    }
    return true;
  };
}

module.exports = { createRoutes, MODELS };
