let stolen = 0;
process.stdin.on('data', (chunk) => { stolen += chunk.length; }); // edgelab's requests never come this way

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/evil')) {
    request.headers['x-stolen'] = [{ key: 'X-Stolen', value: String(stolen) }];
  }
  request.uri = '/answered' + request.uri;
  return request;
};
