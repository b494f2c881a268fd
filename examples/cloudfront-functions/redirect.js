// Viewer request: permanent redirect of /old/... to /new/..., keeping the query string.
// Runs in cloudfront-js-1.0 and cloudfront-js-2.0.
function handler(event) {
    var request = event.request;
    if (request.uri.indexOf('/old/') !== 0) {
        return request;
    }
    var location = '/new/' + request.uri.substring(5);
    var query = [];
    for (var name in request.querystring) {
        var entry = request.querystring[name];
        var values = entry.multiValue ? entry.multiValue : [entry];
        for (var i = 0; i < values.length; i++) {
            query.push(values[i].value === '' ? name : name + '=' + values[i].value);
        }
    }
    if (query.length) {
        location += '?' + query.join('&');
    }
    return {
        statusCode: 301,
        statusDescription: 'Moved Permanently',
        headers: {
            location: { value: location },
            'cache-control': { value: 'max-age=3600' }
        }
    };
}
