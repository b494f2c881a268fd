// The limits playground's CloudFront Function (runs in both runtimes): it grows what the
// request header x-grow names to the size in x-size.
//   body:     a generated (viewer request) or replaced (viewer response) body of n bytes
//   headers:  n added headers of about 100 bytes each
//   compute:  n rounds of arithmetic (no allocation), for compute utilization
var PAD = 'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv';

function handler(event) {
    var grow = event.request.headers['x-grow'].value;
    var n = Number(event.request.headers['x-size'].value);
    var isRequest = event.context.eventType === 'viewer-request';
    var part = isRequest ? event.request : event.response;
    if (grow === 'body') {
        var body = 'x'.repeat(n);
        if (isRequest) {
            return { statusCode: 200, statusDescription: 'OK', body: body };
        }
        part.body = body;
        return part;
    }
    if (grow === 'headers') {
        for (var i = 0; i < n; i++) {
            part.headers['x-pad-' + ('000' + i).slice(-4)] = { value: PAD };
        }
        return part;
    }
    var x = 1;
    for (var j = 0; j < n; j++) {
        x = (x * 31 + j) % 1000003;
    }
    part.headers['x-work'] = { value: String(x) };
    return part;
}
