// Viewer request: 20,000 rounds of SHA-256 before letting the request go on: far more
// than a CloudFront Function's compute budget.
var crypto = require('crypto');

function handler(event) {
    var request = event.request;
    var digest = request.uri;
    for (var i = 0; i < 20000; i++) {
        digest = crypto.createHash('sha256').update(digest).digest('hex');
    }
    request.headers['x-digest'] = { value: digest.slice(0, 16) };
    return request;
}
