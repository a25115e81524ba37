import type { Histogram } from 'prom-client';
import type { RequestEndObserver } from '../http/request-end.ts';

/** nginx's code for a request whose client hung up before the answer was sent. */
const CLIENT_CLOSED_REQUEST = 499;

/** Records every request in the latency histogram, those clients gave up on included. */
export function httpMetrics(histogram: Histogram<'method' | 'route' | 'status_code'>): RequestEndObserver {
  return (req, res, { route, finished, durationMs }) => {
    histogram.observe({ method: req.method, route, status_code: finished ? res.statusCode : CLIENT_CLOSED_REQUEST }, durationMs / 1000);
  };
}
