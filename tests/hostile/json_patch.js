// Patch what a worker might use to speak JSON and write its answers.
JSON.stringify = () => '"CORRUPT"';
JSON.parse = () => ({ corrupt: true });
Buffer.from = () => Buffer.alloc(0);

exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.uri = '/answered' + request.uri;
  return request;
};
