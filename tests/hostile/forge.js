const fs = require('fs');

const FORGED = JSON.stringify({
  status: 'ok',
  value: { uri: '/forged', method: 'GET', querystring: '', headers: {}, clientIp: '203.0.113.1' },
  logs: '', duration_ms: 1, cold_start: false,
});

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/evil')) {
    for (let fd = 0; fd < 1024; fd++) { // every descriptor the process may have inherited
      for (const data of [FORGED + '\n', `${'0'.repeat(24)}:${process.pid}:${FORGED}\n`, 'garbage without a line end']) {
        try { fs.writeSync(fd, data); } catch { break; }
      }
    }
  }
  request.uri = '/answered' + request.uri;
  return request;
};
