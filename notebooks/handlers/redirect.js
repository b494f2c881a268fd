'use strict';
// Viewer request: the same redirect as redirect.py, in Node.js.
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  if (request.uri.startsWith('/old/')) {
    const target = '/new/' + request.uri.slice('/old/'.length);
    console.log(`redirecting ${request.uri} to ${target}`);
    return {
      status: '301',
      statusDescription: 'Moved Permanently',
      headers: { location: [{ key: 'Location', value: target }] },
    };
  }
  console.log(`passing ${request.uri} on`);
  return request;
};
