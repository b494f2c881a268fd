exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/evil')) process.exit(7);
  request.uri = '/answered' + request.uri;
  return request;
};
