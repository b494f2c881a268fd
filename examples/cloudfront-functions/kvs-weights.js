// Viewer request (cloudfront-js-2.0): A/B weights read from the KeyValueStore, so they
// change without deploying the function. The store holds
//   "ab-weights": {"A": 0.9, "B": 0.1}
// A viewer keeps the group of its `ab` cookie; a new one is drawn by the weights.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
    const request = event.request;
    let group = request.cookies.ab && request.cookies.ab.value;
    if (group !== 'A' && group !== 'B') {
        let weights = { A: 0.5, B: 0.5 };
        try {
            weights = await kvs.get('ab-weights', { format: 'json' });
        } catch (err) {
            console.log(`no weights in the store, 50/50: ${err.message}`);
        }
        group = Math.random() < weights.A / (weights.A + weights.B) ? 'A' : 'B';
    }
    request.headers['x-ab-group'] = { value: group };
    return request;
}
