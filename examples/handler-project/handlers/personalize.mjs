// Origin request: ask the flags API which banner to show the viewer's country, and pass
// it to the origin as X-Banner (the Node.js twin of personalize.py). If the API fails,
// the request goes on without it.
const API = 'https://api.example.com/flags';

export const handler = async (event) => {
  const request = event.Records[0].cf.request;
  const headers = request.headers;
  const country = headers['cloudfront-viewer-country']?.[0]?.value ?? 'US';
  let flags;
  try {
    const answer = await fetch(`${API}?country=${country}`, { signal: AbortSignal.timeout(1000) });
    if (!answer.ok) throw new Error(`status ${answer.status}`);
    flags = await answer.json();
  } catch (err) {
    console.log(`flags API failed: ${err.cause?.message ?? err.message}`);
    return request;
  }
  if (flags.banner) {
    headers['x-banner'] = [{ key: 'X-Banner', value: String(flags.banner) }];
  }
  return request;
};
