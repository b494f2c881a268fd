exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/evil')) {
    // The call returns normally; its container dies 50 ms later, between calls.
    setTimeout(() => process.exit(9), 50);
  }
  request.uri = '/answered' + request.uri;
  return request;
};
