'use strict';
// The seed image's HEALTHCHECK: readiness with the bearer key; exit 0 healthy, 1 not. Docker's own
// --timeout (10 s, as the seed's) bounds it; the request's timeout matches.
const http = require('node:http');
const req = http.get(
  { host: '127.0.0.1', port: Number(process.env.PORT || 4000), path: '/health/readiness', timeout: 10000, headers: { authorization: 'Bearer ' + (process.env.LITELLM_MASTER_KEY || '') } },
  (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('error', () => process.exit(1));
req.on('timeout', () => process.exit(1));
