// nginx in front of the fleet's app processes, as one process of the run's ProcessGroup.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, StopWaiting, waitFor, type ManagedProcess, type ProcessGroup } from '../../harness/index.ts';

export interface Nginx {
  readonly url: string;
  readonly accessLog: string;
  readonly process: ManagedProcess;
}

function config(dir: string, port: number, upstreams: readonly number[], accessLog: string): string {
  // One failure takes a server out for 2 s, so a dead process costs one refused connect, not one per request.
  const servers = upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n');
  const temp = (name: string) => `  ${name}_temp_path ${join(dir, 'tmp', name)};`;
  return `# Written by loadtest/fleet/nginx.ts for one run.
# One process (no master and worker): its PID is all of nginx, so the ProcessGroup can never leave
# a worker behind. As root it keeps root, which the temp paths under .run/ need.
daemon off;
master_process off;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 4096; }
http {
  log_format upstream '$msec $status $request_method $uri "$upstream_addr" "$upstream_status" $request_time';
  access_log ${accessLog} upstream buffer=64k flush=1s;
${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n')}
  upstream xwing {
${servers}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://xwing;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_connect_timeout 1s;
      proxy_read_timeout 30s;
      # Retry only what provably did no harm elsewhere: a refused or reset connection or a connect
      # timeout. nginx never replays a POST that reached an upstream (no non_idempotent), and an
      # answer from the app itself (a 503 while Redis restarts) is passed on and counted by k6.
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_next_upstream_timeout 10s;
    }
  }
}
`;
}

/** Starts nginx on 127.0.0.1:`port` balancing over `upstreams`; resolves once /healthz answers through it. */
export async function startNginx(group: ProcessGroup, options: { command: string; port: number; upstreams: readonly number[]; dir: string }): Promise<Nginx> {
  const { dir, port } = options;
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const accessLog = join(dir, 'access.log');
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, config(dir, port, options.upstreams, accessLog));
  const proc = group.spawn('nginx', options.command, ['-p', dir, '-e', group.logPath('nginx'), '-c', confPath]);
  const url = `http://127.0.0.1:${port}`;
  const client = new ApiClient(url, { keepAlive: false, timeoutMs: 1000 });
  try {
    await waitFor(
      `nginx passing /healthz on ${url}`,
      async () => {
        if (!proc.alive) throw new StopWaiting(`nginx exited at start:\n${proc.output()}`);
        return (await client.call('GET', '/healthz')).status === 200;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  } finally {
    client.close();
  }
  return { url, accessLog, process: proc };
}
