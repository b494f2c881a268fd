// Return values that Lambda's runtime must first turn into JSON (the uri picks one).
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  const kind = request.uri.slice(1);
  if (kind === 'bigint') request.extra = 10n;
  if (kind === 'cycle') { request.extra = {}; request.extra.self = request.extra; }
  if (kind === 'deep-extra-key') {
    let value = {};
    for (let i = 0; i < 200000; i++) value = { x: value };
    request.extra = value;
  }
  if (kind === 'undefined') return undefined;
  if (kind === 'to-json') request.extra = { toJSON: () => 'fine' };
  return request;
};
