#!/usr/bin/env node
'use strict';
// Installed entry point: the compiled CLI (npm run build). From a checkout, `npm run gatehouse -- …`
// runs the TypeScript sources directly.
const { main } = require('../dist/electron/cli.js');
main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`gatehouse: ${String(err)}\n`); process.exitCode = 1; },
);
