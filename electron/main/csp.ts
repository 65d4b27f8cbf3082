/**
 * The renderer's Content-Security-Policy. renderer/index.html carries it as a meta tag (the app
 * loads from file://, where response headers do not exist); main sends it as a header too for
 * any http(s) response in the app's session, and reports it in the hardening check.
 * A unit test keeps the two copies identical. No inline scripts, no eval, no remote anything.
 */
export const RENDERER_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
