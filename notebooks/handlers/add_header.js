'use strict';
// Viewer response: the same security header as add_header.py, in Node.js.
exports.handler = (event, context, callback) => {
  const cf = event.Records[0].cf;
  const response = cf.response;
  response.headers['strict-transport-security'] = [
    { key: 'Strict-Transport-Security', value: 'max-age=63072000' },
  ];
  console.log(`secured ${cf.request.uri}`);
  callback(null, response);
};
