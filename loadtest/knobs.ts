// The load runs' knobs come from the environment (make passes them through); a bad one stops the run
// with its name, before anything starts.

export function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name}=${raw ?? ''}: an integer from ${min} to ${max}`);
  return value;
}

export function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[]): T {
  const value = env[name] || allowed[0];
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new Error(`${name}=${value ?? ''}: one of ${allowed.join(', ')}`);
  return found;
}

/** A k6 duration of one unit (90s, 2m, 1h) in ms. */
export function durationMs(duration: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(duration);
  if (!match) throw new Error(`DURATION=${duration}: a number with s, m or h`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
}
