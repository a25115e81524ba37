// The client pod: the app image, in the release's namespace, with the release's Service URL and, in
// replication mode, its Sentinels and the Redis password (optional references: a standalone release
// has no REDIS_SENTINELS). client.ts and the harness modules it imports are copied in and run there.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { podReady, REPO_ROOT } from '../harness/index.ts';
import type { Flow } from './flow.ts';

const POD = 'e2e-client';

type SecretRef = { name: string; key: string };

/** The Redis password's Secret and key, as the Redis StatefulSet reads them. */
export async function redisSecretRef(flow: Flow): Promise<SecretRef | undefined> {
  type Env = { name: string; valueFrom?: { secretKeyRef?: SecretRef } };
  type Set = { spec: { template: { spec: { containers: { env?: Env[] }[] } } } };
  const [set] = await flow.release.list<Set>('statefulset', flow.release.redisSelector);
  return set?.spec.template.spec.containers[0]?.env?.find((e) => e.name === 'REDIS_PASSWORD')?.valueFrom?.secretKeyRef;
}

function manifest(image: string, service: string, port: number, secret: SecretRef | undefined) {
  const fromConfig = (key: string) => ({ name: key, valueFrom: { configMapKeyRef: { name: service, key, optional: true } } });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD, labels: { 'app.kubernetes.io/name': 'xwing-e2e-client' } },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'client',
        image,
        imagePullPolicy: 'IfNotPresent',
        command: ['node', '-e', 'setInterval(() => {}, 1 << 30)'],
        env: [
          { name: 'XWING_URL', value: `http://${service}:${port}` },
          fromConfig('REDIS_SENTINELS'),
          fromConfig('REDIS_SENTINEL_NAME'),
          ...(secret ? [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { ...secret, optional: true } } }] : []),
        ],
        resources: { requests: { cpu: '20m', memory: '48Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      }],
      volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }],
    },
  };
}

// The image has neither a shell nor tar (distroless): node writes the files, sent as one JSON object.
const WRITE_FILES = `
const { mkdirSync, writeFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
let text = "";
process.stdin.setEncoding("utf8").on("data", (d) => (text += d)).on("end", () => {
  for (const [file, body] of Object.entries(JSON.parse(text))) {
    mkdirSync(dirname(join("/tmp/xw", file)), { recursive: true });
    writeFileSync(join("/tmp/xw", file), body);
  }
});`;

export async function startClientPod(flow: Flow, image: string): Promise<void> {
  const service = await flow.release.deployment();
  type Service = { spec: { ports: { name?: string; port: number }[] } };
  const svc = JSON.parse(await flow.kubectl(['get', 'svc', service, '-o', 'json'])) as Service;
  const port = svc.spec.ports.find((p) => p.name === 'http')?.port ?? 80;
  const pod = manifest(image, service, port, await redisSecretRef(flow));
  await flow.release.kubectl(['apply', '-f', '-'], 30_000, { input: JSON.stringify(pod) });
  await flow.poll('the client pod Ready', async () => (await flow.pods('app.kubernetes.io/name=xwing-e2e-client')).some(podReady), 90);
  const files: Record<string, string> = {};
  for (const dir of ['e2e', 'harness']) {
    for (const file of readdirSync(join(REPO_ROOT, dir))) {
      if (file.endsWith('.ts') && !file.endsWith('.test.ts')) files[`${dir}/${file}`] = readFileSync(join(REPO_ROOT, dir, file), 'utf8');
    }
  }
  await flow.release.kubectl(['exec', '-i', POD, '--', 'node', '-e', WRITE_FILES], 60_000, { input: JSON.stringify(files) });
}

/** Runs client.ts in the pod (see its header for the actions); its stdout. */
export function client(flow: Flow, args: readonly (string | number)[], timeoutS = 60, onOutput?: (text: string) => void): Promise<string> {
  return flow.release.kubectl(['exec', POD, '--', 'node', '/tmp/xw/e2e/client.ts', ...args.map(String)], timeoutS * 1000, { onOutput });
}

/** Waits until the client's action holds (exits 0). */
export function clientHolds(flow: Flow, what: string, args: readonly string[], timeoutS: number): Promise<void> {
  return flow.poll(what, () => client(flow, args).then(() => true), timeoutS);
}

export function deleteClientPod(flow: Flow): Promise<string> {
  return flow.kubectl(['delete', 'pod', POD, '--wait=false']);
}
