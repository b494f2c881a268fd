// A/B test with a sticky cookie, associated with both viewer request and viewer response.
// Viewer request: a viewer without an `ab` cookie is assigned A (70 %) or B (30 %); the
// request goes to /a/... or /b/... and carries the group in x-ab-group.
// Viewer response: a newly assigned viewer gets the `ab` cookie. Runs in both runtimes.
var SHARE_A = 0.7;

function handler(event) {
    var request = event.request;
    var cookie = request.cookies.ab;
    if (event.context.eventType === 'viewer-response') {
        var response = event.response;
        if (!cookie && request.headers['x-ab-group']) {
            response.cookies.ab = {
                value: request.headers['x-ab-group'].value,
                attributes: 'Path=/; Max-Age=2592000; Secure'
            };
        }
        return response;
    }
    var group = cookie && (cookie.value === 'A' || cookie.value === 'B')
        ? cookie.value
        : (Math.random() < SHARE_A ? 'A' : 'B');
    request.headers['x-ab-group'] = { value: group };
    if (request.uri === '/' || request.uri === '/index.html') {
        request.uri = '/' + group.toLowerCase() + '/index.html';
    }
    return request;
}
