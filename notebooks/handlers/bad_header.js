'use strict';
// Viewer request: adds X-Real-IP, which CloudFront does not allow (502), as bad_header.py.
exports.handler = async (event) => {
  const request = event.Records[0].cf.request;
  request.headers['x-real-ip'] = [{ key: 'X-Real-IP', value: request.clientIp }];
  return request;
};
