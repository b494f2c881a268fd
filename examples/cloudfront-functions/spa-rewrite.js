// Viewer request: URL rewrite for a single-page application. Paths without a file
// extension are routes of the app and get its index page; files are served as they are.
// Runs in cloudfront-js-1.0 and cloudfront-js-2.0.
function handler(event) {
    var request = event.request;
    var last = request.uri.split('/').pop();
    if (last.indexOf('.') === -1) {
        request.uri = '/index.html';
    }
    return request;
}
