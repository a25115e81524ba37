// For images/rss-under-load.sh, on the harness's client: waits (bounded) for the container's /readyz,
// registers and logs in one user and prints the session token the load then sends.
// Usage: node images/session-token.ts BASE_URL READY_TIMEOUT_S
import { ApiClient, waitFor } from '../harness/index.ts';

const [baseUrl, readyTimeoutS] = process.argv.slice(2);
if (!baseUrl || !readyTimeoutS) {
  console.error('usage: session-token.ts BASE_URL READY_TIMEOUT_S');
  process.exit(2);
}

const client = new ApiClient(baseUrl, { keepAlive: false });
try {
  await waitFor(`/readyz 200 from ${baseUrl}`, async () => (await client.call('GET', '/readyz', { timeoutMs: 1000 })).status === 200, {
    timeoutMs: Number(readyTimeoutS) * 1000,
  });
  console.log((await client.registerAndLogin('rss-user', 'rss password 1')).token);
} catch (error) {
  console.error(`session-token: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  client.close();
}
