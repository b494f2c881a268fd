// Viewer request (cloudfront-js-2.0): viewers in Europe go to the distribution's origin
// "eu-origin", API calls to a domain of their own; the rest keep the behaviour's origin.
import cf from 'cloudfront';

const EUROPE = ['DE', 'FR', 'GB', 'IE', 'IT', 'NL', 'ES'];

function handler(event) {
    const request = event.request;
    const country = request.headers['cloudfront-viewer-country'];
    if (request.uri.startsWith('/api/')) {
        cf.updateRequestOrigin({
            domainName: 'api.example.com',
            originPath: '/v2',
            customHeaders: { 'x-from-edge': 'cloudfront' },
            timeouts: { readTimeout: 10, connectionTimeout: 3 }
        });
    } else if (country && EUROPE.includes(country.value)) {
        cf.selectRequestOriginById('eu-origin');
    }
    return request;
}
