// What skaffold's console output says, read from its log file: builds, file syncs, port-forwards.
// The patterns are skaffold v2's own lines (pkg/skaffold/build, sync, kubernetes/portforward).

/** `Building [localhost:5001/xwing]...`: one per image build. */
const BUILD_LINE = /^Building \[[^\]]+\]\.\.\./gm;
/** `Syncing 1 files for localhost:5001/xwing:<tag>`. */
const SYNC_LINE = /^Syncing (\d+) files? for /gm;
/** `Port forwarding service/xwing in namespace xwing, remote port 80 -> http://127.0.0.1:8080`. */
const PORT_FORWARD_LINE = /^Port forwarding (\S+) in namespace (\S+), remote port (\d+) -> https?:\/\/([^:\s]+):(\d+)$/gm;

export function countBuilds(log: string): number {
  return [...log.matchAll(BUILD_LINE)].length;
}

/** How many files the syncs in `log` copied. */
export function syncedFiles(log: string): number {
  return [...log.matchAll(SYNC_LINE)].reduce((sum, match) => sum + Number(match[1]), 0);
}

export interface PortForward {
  resource: string;
  namespace: string;
  remotePort: number;
  address: string;
  localPort: number;
}

/** The latest forward of `resource`'s `remotePort` (skaffold picks another local port when its choice is taken). */
export function portForwardOf(log: string, resource: string, remotePort: number): PortForward | undefined {
  let found: PortForward | undefined;
  for (const match of log.matchAll(PORT_FORWARD_LINE)) {
    const [, res, namespace, remote, address, local] = match;
    if (res === resource && Number(remote) === remotePort && namespace !== undefined && address !== undefined) {
      found = { resource: res, namespace, remotePort: Number(remote), address, localPort: Number(local) };
    }
  }
  return found;
}

/**
 * The app's failed start as Node reports it (streamed by skaffold): from the line naming `file`
 * to the SyntaxError's line; empty until both are in `log`.
 */
export function startFailures(log: string, file: string): string[] {
  const lines = log.split('\n');
  const failed = lines.findIndex((line) => /SyntaxError|ERR_INVALID_TYPESCRIPT_SYNTAX/.test(line));
  if (failed === -1) return [];
  for (let at = failed; at >= Math.max(0, failed - 10); at--) {
    if (lines[at]?.includes(file)) return lines.slice(at, failed + 1);
  }
  return [];
}
