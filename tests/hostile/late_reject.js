exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/evil')) {
    // Rejected after the handler returned: Lambda loses the container.
    setTimeout(() => Promise.reject(new Error('late rejection')), 20);
  }
  request.uri = '/answered' + request.uri;
  return request;
};
