// Viewer request: generates a 3 MB page. A CloudFront Function has 2 MB of memory.
function handler(event) {
    return {
        statusCode: 200,
        headers: { 'content-type': { value: 'text/plain' } },
        body: 'x'.repeat(3 * 1024 * 1024)
    };
}
