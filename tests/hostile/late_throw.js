exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/evil')) {
    setTimeout(() => { throw new TypeError('late throw'); }, 20);
  }
  request.uri = '/answered' + request.uri;
  return request;
};
