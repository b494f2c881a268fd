const fs = require('fs');

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/evil')) {
    for (let fd = 0; fd < 4096; fd++) { // every descriptor, edgelab's channel among them
      try { fs.closeSync(fd); } catch { /* not open */ }
    }
  }
  request.uri = '/answered' + request.uri;
  return request;
};
