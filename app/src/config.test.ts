import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 8080,
      METRICS_PORT: 9464,
      REDIS_URL: 'redis://127.0.0.1:6379',
      SESSION_TTL_SECONDS: 3600,
      CACHE_TTL_SECONDS: 300,
      PROFILE_LOOKUP_MS: 200,
      LOGIN_RATE_LIMIT_MAX: 10,
      LOGIN_RATE_LIMIT_WINDOW_SECONDS: 60,
      PASSWORD_RATE_LIMIT_MAX: 60,
      PASSWORD_RATE_LIMIT_WINDOW_SECONDS: 60,
      SHUTDOWN_DELAY_MS: 5000,
      TRUST_PROXY: false,
      ALLOW_REGISTRATION: true,
      WEB_CONCURRENCY: 1,
      LOG_LEVEL: 'info',
    });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['REDIS_URL', 'http://redis:6379'],
    ['SESSION_TTL_SECONDS', '-5'],
    ['ALLOW_REGISTRATION', 'maybe'],
    ['LOG_LEVEL', 'loud'],
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', '10.0.0.0/8, everyone'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', 'fd00::/129'],
    ['PASSWORD_SCRYPT_COST', '20000'],
    ['WEB_CONCURRENCY', '0'],
    ['REDIS_SENTINELS', 'sentinel-0'],
    ['REDIS_SENTINELS', 'sentinel-0:26379,:26379'],
    ['REDIS_SENTINELS', 'sentinel-0:99999'],
    ['REDIS_SENTINELS', '[not-ipv6]:26379'],
    ['REDIS_SENTINEL_NAME', 'my master'],
    ['REDIS_WAIT_REPLICAS', '-1'],
    ['REDIS_FAILOVER_HOLD_MS', 'long'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'ftp://collector/v1/traces'],
    ['OTEL_TRACES_SAMPLER', 'jaeger_remote'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
    ['OTEL_TRACES_SAMPLER_ARG', '-0.1'],
    ['OTEL_TRACES_SAMPLER_ARG', 'half'],
  ])('refuses %s=%s with an error naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration:\\n  ${name}: `));
  });

  it('leaves tracing off unless an endpoint is set, and samples every trace by default', () => {
    const config = loadConfig({});
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).toBeUndefined();
    expect(config).toMatchObject({
      OTEL_SERVICE_NAME: 'xwing',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      OTEL_TRACES_SAMPLER_ARG: 1,
    });
    expect(loadConfig({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' })).toMatchObject({ OTEL_TRACES_SAMPLER_ARG: 0.1 });
  });

  it('accepts hop counts, addresses, subnets and named ranges for TRUST_PROXY', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::1' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', 'fd00::1']);
  });

  it('names every bad variable at once and checks timeouts against each other', () => {
    try {
      loadConfig({ PORT: 'x', METRICS_PORT: 'y' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).variables).toEqual(['PORT', 'METRICS_PORT']);
    }
    expect(() => loadConfig({ HEADERS_TIMEOUT_MS: '40000', REQUEST_TIMEOUT_MS: '30000' })).toThrow(/HEADERS_TIMEOUT_MS/);
    expect(() => loadConfig({ PORT: '9000', METRICS_PORT: '9000' })).toThrow(/METRICS_PORT: must differ from PORT/);
  });

  it('reads Sentinel addresses and waits for one replica only in Sentinel mode', () => {
    const sentinel = loadConfig({ REDIS_SENTINELS: 'r-0.r-headless.ns.svc.cluster.local:26379, 10.0.0.7:26380,[fd00::7]:26379' });
    expect(sentinel).toMatchObject({
      REDIS_SENTINELS: [
        { host: 'r-0.r-headless.ns.svc.cluster.local', port: 26379 },
        { host: '10.0.0.7', port: 26380 },
        { host: 'fd00::7', port: 26379 },
      ],
      REDIS_SENTINEL_NAME: 'xwing',
      REDIS_WAIT_REPLICAS: 1,
      REDIS_FAILOVER_HOLD_MS: 5000,
      REDIS_READINESS_GRACE_MS: 15_000,
    });
    expect(loadConfig({}).REDIS_SENTINELS).toBeUndefined();
    expect(loadConfig({}).REDIS_WAIT_REPLICAS).toBe(0);
    expect(loadConfig({ REDIS_SENTINELS: 's:26379', REDIS_WAIT_REPLICAS: '0' }).REDIS_WAIT_REPLICAS).toBe(0);
    expect(loadConfig({ REDIS_SENTINELS: 's:26379' }).REDIS_WAIT_TIMEOUT_MS).toBe(500);
    expect(loadConfig({ REDIS_SENTINELS: 's:26379', REDIS_COMMAND_TIMEOUT_MS: '300' }).REDIS_WAIT_TIMEOUT_MS).toBe(150);
    expect(() => loadConfig({ REDIS_SENTINELS: 's:26379', REDIS_WAIT_TIMEOUT_MS: '1000' })).toThrow(
      /REDIS_WAIT_TIMEOUT_MS: must be below REDIS_COMMAND_TIMEOUT_MS/,
    );
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', TRUST_PROXY: '' })).toMatchObject({ PORT: 8080, TRUST_PROXY: false });
  });
});
