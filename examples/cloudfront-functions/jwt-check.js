// Viewer request: only requests with a valid HS256 token in the `token` cookie (or the
// `token` query parameter) go on; others get 401. Runs in both runtimes: base64url is
// decoded with Buffer in 2.0 and String.bytesFrom in 1.0.
var crypto = require('crypto');
var SECRET = 'edgelab-example-secret';

function decode(part) {
    if (typeof Buffer !== 'undefined') {
        return Buffer.from(part, 'base64url').toString('utf8');
    }
    return String.bytesFrom(part, 'base64url').fromUTF8();
}

function unauthorized(reason) {
    console.log('token refused: ' + reason);
    return {
        statusCode: 401,
        statusDescription: 'Unauthorized',
        headers: { 'www-authenticate': { value: 'Bearer' } }
    };
}

function handler(event) {
    var request = event.request;
    var token = request.cookies.token ? request.cookies.token.value
        : request.querystring.token ? request.querystring.token.value : '';
    var parts = token.split('.');
    if (parts.length !== 3) {
        return unauthorized('not a JWT');
    }
    var expected = crypto.createHmac('sha256', SECRET)
        .update(parts[0] + '.' + parts[1]).digest('base64url');
    if (expected !== parts[2]) {
        return unauthorized('bad signature');
    }
    var claims = JSON.parse(decode(parts[1]));
    if (claims.exp && Date.now() > claims.exp * 1000) {
        return unauthorized('expired');
    }
    request.headers['x-user'] = { value: String(claims.sub) };
    delete request.querystring.token;
    return request;
}
