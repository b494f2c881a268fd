// Viewer request: the same redirect as redirect.js and redirect.py, as a CloudFront
// Function (cloudfront-js-1.0 and 2.0).
function handler(event) {
    var request = event.request;
    if (request.uri.indexOf('/old/') === 0) {
        var target = '/new/' + request.uri.substring(5);
        console.log('redirecting ' + request.uri + ' to ' + target);
        return {
            statusCode: 301,
            statusDescription: 'Moved Permanently',
            headers: { location: { value: target } }
        };
    }
    console.log('passing ' + request.uri + ' on');
    return request;
}
