// The network namespace of the connection faults: redis-server runs inside it behind a veth pair,
// and a cut is an iptables DROP inside the namespace, so packets vanish without a FIN or RST (a
// clean close would be noticed at once and test nothing). The rules live in the namespace and die
// with it; the host's own firewall is never touched. The namespace is removed by remove(), and by
// a process 'exit' hook when a run ends any other way; a run that was SIGKILLed leaves it to the
// next create(), which removes a namespace of the same name first.
import { execFileSync } from 'node:child_process';
import { command as run } from '../../harness/command.ts';

export interface NetnsSettings {
  name: string;
  hostInterface: string;
  hostCidr: string;
  nsCidr: string;
  /** The port the connection faults act on (Redis's inside the namespace). */
  port: number;
}

/** The settings, from the same RELIABILITY_* variables netns.sh read. */
export function netnsSettings(env: NodeJS.ProcessEnv): NetnsSettings {
  return {
    name: env.RELIABILITY_NETNS ?? 'xwing-rel',
    hostInterface: env.RELIABILITY_HOST_IF ?? 'xwrel0',
    hostCidr: env.RELIABILITY_HOST_CIDR ?? '10.201.0.1/30',
    nsCidr: env.RELIABILITY_NS_CIDR ?? '10.201.0.2/30',
    port: Number(env.RELIABILITY_NETNS_REDIS_PORT ?? 6379),
  };
}

/** Privileged commands run directly as root, else through password-less sudo. */
function privileged(command: string, args: readonly string[]): [string, string[]] {
  return process.getuid?.() === 0 ? [command, [...args]] : ['sudo', ['-n', command, ...args]];
}

/** True when this process may create namespaces and iptables rules. */
export function canManageNamespaces(): boolean {
  if (process.getuid?.() === 0) return true;
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

export class NetworkNamespace {
  readonly name: string;
  /** The namespace side's address, where its server listens. */
  readonly address: string;
  readonly port: number;
  readonly #settings: NetnsSettings;
  readonly #onExit = () => this.#removeSync();

  private constructor(settings: NetnsSettings) {
    this.#settings = settings;
    this.name = settings.name;
    this.address = settings.nsCidr.split('/')[0] ?? '';
    this.port = settings.port;
  }

  /** A fresh namespace (one left by an earlier run is removed first) with a veth link to the host. */
  static async create(settings: NetnsSettings): Promise<NetworkNamespace> {
    const ns = new NetworkNamespace(settings);
    ns.#removeSync();
    process.on('exit', ns.#onExit);
    const nsInterface = `${settings.hostInterface}p`;
    await ns.#host('ip', ['netns', 'add', settings.name]);
    await ns.#host('ip', ['link', 'add', settings.hostInterface, 'type', 'veth', 'peer', 'name', nsInterface]);
    await ns.#host('ip', ['link', 'set', nsInterface, 'netns', settings.name]);
    await ns.#host('ip', ['addr', 'add', settings.hostCidr, 'dev', settings.hostInterface]);
    await ns.#host('ip', ['link', 'set', settings.hostInterface, 'up']);
    await ns.#inside('ip', ['addr', 'add', settings.nsCidr, 'dev', nsInterface]);
    await ns.#inside('ip', ['link', 'set', nsInterface, 'up']);
    await ns.#inside('ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** Drops every packet to and from the port. Both directions: dropping one would let the kernel answer the other with a RST. */
  cut(): Promise<void> {
    return this.#dropRules('-I');
  }

  restore(): Promise<void> {
    return this.#dropRules('-D');
  }

  /** Drops one established connection for good (its peer "vanished"); new connections still get through. */
  async blackhole(clientPort: number): Promise<void> {
    await this.#iptables(['-I', 'INPUT', '-p', 'tcp', '--dport', String(this.port), '--sport', String(clientPort), '-j', 'DROP']);
    await this.#iptables(['-I', 'OUTPUT', '-p', 'tcp', '--sport', String(this.port), '--dport', String(clientPort), '-j', 'DROP']);
  }

  remove(): void {
    process.off('exit', this.#onExit);
    this.#removeSync();
  }

  async #dropRules(action: '-I' | '-D'): Promise<void> {
    await this.#iptables([action, 'INPUT', '-p', 'tcp', '--dport', String(this.port), '-j', 'DROP']);
    await this.#iptables([action, 'OUTPUT', '-p', 'tcp', '--sport', String(this.port), '-j', 'DROP']);
  }

  #iptables(args: string[]): Promise<void> {
    return this.#inside('iptables', ['-w', '5', ...args]);
  }

  #inside(command: string, args: string[]): Promise<void> {
    return this.#host('ip', ['netns', 'exec', this.name, command, ...args]);
  }

  async #host(command: string, args: string[]): Promise<void> {
    const [file, argv] = privileged(command, args);
    await run(file, argv, 10_000);
  }

  /** Synchronous, for the exit hook; a namespace or link that is already gone is fine. */
  #removeSync(): void {
    for (const args of [['netns', 'del', this.name], ['link', 'del', this.#settings.hostInterface]]) {
      const [file, argv] = privileged('ip', args);
      try {
        execFileSync(file, argv, { stdio: 'ignore', timeout: 10_000 });
      } catch {
        // Not there: nothing to remove.
      }
    }
  }
}
