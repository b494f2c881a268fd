const LINE = 'x'.repeat(1023);

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/evil')) {
    for (let i = 0; i < 20 * 1024; i++) console.log(LINE); // 20 MB of logs
  }
  request.uri = '/answered' + request.uri;
  return request;
};
