// Sends the results to the test's server as JSON, non-finite numbers kept ({ nonFinite: 'NaN' }):
// the browsers are driven by three different protocols, and a POST works on all of them.
// test/same.ts decodes it (decode) on the Node side.
export function encode(data) {
  return JSON.stringify(data, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? { nonFinite: String(v) } : v));
}

export function report(data) {
  return fetch(`/report${location.search}`, { method: 'POST', body: encode(data) });
}
