// The HTTP half of images/smoke-test.sh, on the harness's client: waits for the container's
// /readyz and reports the time since `docker run`, then walks a session's life (register, login,
// session, logout, session gone). Exit 1 with the reason on the first failure.
// Usage: node images/smoke-client.ts BASE_URL CONTAINER STARTED_AT_MS READY_TIMEOUT_S
import { execFileSync } from 'node:child_process';
import { ApiClient, StopWaiting, waitFor } from '../harness/index.ts';

const [baseUrl, container, startedAt, readyTimeoutS] = process.argv.slice(2);
if (!baseUrl || !container || !startedAt || !readyTimeoutS) {
  console.error('usage: smoke-client.ts BASE_URL CONTAINER STARTED_AT_MS READY_TIMEOUT_S');
  process.exit(2);
}

function check(ok: boolean, failure: string): void {
  if (!ok) throw new Error(failure);
}

const client = new ApiClient(baseUrl, { keepAlive: false });
try {
  await waitFor(
    `/readyz 200 from ${container}`,
    async () => {
      if (execFileSync('docker', ['inspect', '-f', '{{.State.Running}}', container], { encoding: 'utf8' }).trim() !== 'true') {
        throw new StopWaiting('the container exited before it was ready');
      }
      return (await client.call('GET', '/readyz', { timeoutMs: 1000 })).status === 200;
    },
    { timeoutMs: Number(readyTimeoutS) * 1000 },
  );
  console.log(`smoke: ${container} ready ${Date.now() - Number(startedAt)} ms after docker run, as this client saw it (smoke-test.sh times it more closely)`);

  const username = 'smokeuser';
  const registered = await client.register(username, 'smoke-password-123456');
  check(registered.status === 201, `register answered ${registered.status}`);
  const { token } = await client.login(username, 'smoke-password-123456');
  const session = await client.session(token);
  check(session.status === 200 && session.body.includes(`"${username}"`), `session answered ${session.status} ${session.body}`);
  const loggedOut = await client.logout(token);
  check(loggedOut === 204, `logout answered ${loggedOut}`);
  const gone = await client.session(token);
  check(gone.status === 401, `the session answered ${gone.status} after logout, not 401`);
  console.log('smoke: register, login, session and logout work against the password-protected Redis');
} catch (error) {
  console.error(`smoke: FAIL: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  client.close();
}
