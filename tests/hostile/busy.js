exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/evil')) for (;;) { /* never gives the event loop back */ }
  request.uri = '/answered' + request.uri;
  return request;
};
