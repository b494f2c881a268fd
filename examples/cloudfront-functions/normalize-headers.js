// Viewer request: normalise what goes into the cache key, so fewer variants are cached.
// Accept-Language becomes one of the site's languages; query parameters are lowercased,
// sorted, and tracking parameters (utm_*) dropped. Runs in both runtimes.
var LANGUAGES = ['en', 'fr', 'de'];

function handler(event) {
    var request = event.request;
    var header = request.headers['accept-language'];
    var language = 'en';
    if (header) {
        var first = header.value.split(',')[0].trim().toLowerCase().substring(0, 2);
        if (LANGUAGES.indexOf(first) !== -1) {
            language = first;
        }
    }
    request.headers['accept-language'] = { value: language };

    var names = Object.keys(request.querystring).sort();
    var query = {};
    for (var i = 0; i < names.length; i++) {
        var name = names[i].toLowerCase();
        if (name.indexOf('utm_') !== 0) {
            query[name] = request.querystring[names[i]];
        }
    }
    request.querystring = query;
    return request;
}
