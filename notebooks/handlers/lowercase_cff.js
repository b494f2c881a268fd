// Viewer request, cloudfront-js-2.0: lower-cases the uri and tells the origin the
// viewer's first language (x-lang: fr for "fr-FR,fr;q=0.9", en without the header).
function handler(event) {
    const request = event.request;
    const accept = request.headers['accept-language'];
    let first = (accept?.value ?? 'en').split(',')[0];
    request.uri = request.uri.toLowerCase();
    request.headers['x-lang'] = { value: first.split('-')[0].trim().toLowerCase() };
    return request;
}
