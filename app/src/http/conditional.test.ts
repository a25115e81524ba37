import { describe, expect, it } from 'vitest';
import { ifNoneMatch } from './conditional.ts';

const ETAG = '"abc123"';

describe('If-None-Match (RFC 9110 §13.1.2)', () => {
  it('matches the current ETag in its strong and weak forms (weak comparison)', () => {
    expect(ifNoneMatch('"abc123"', ETAG)).toBe(true);
    expect(ifNoneMatch('W/"abc123"', ETAG)).toBe(true);
    expect(ifNoneMatch('"abc123"', 'W/"abc123"')).toBe(true);
  });

  it('matches when any entity-tag of a list does, with or without spaces and empty elements', () => {
    expect(ifNoneMatch('"old", "abc123"', ETAG)).toBe(true);
    expect(ifNoneMatch('W/"old",W/"abc123"', ETAG)).toBe(true);
    expect(ifNoneMatch(' , "old" ,\t"abc123" , ', ETAG)).toBe(true);
    expect(ifNoneMatch('"a,b", "abc123"', ETAG)).toBe(true);
  });

  it('matches any representation with *', () => {
    expect(ifNoneMatch('*', ETAG)).toBe(true);
    expect(ifNoneMatch(' * ', ETAG)).toBe(true);
  });

  it('does not match other tags, a missing field, or a field that is not a valid list', () => {
    expect(ifNoneMatch(undefined, ETAG)).toBe(false);
    expect(ifNoneMatch('', ETAG)).toBe(false);
    expect(ifNoneMatch('"abc1234"', ETAG)).toBe(false);
    expect(ifNoneMatch('"old", "other"', ETAG)).toBe(false);
    expect(ifNoneMatch('abc123', ETAG)).toBe(false);
    expect(ifNoneMatch('w/"abc123"', ETAG)).toBe(false);
    expect(ifNoneMatch('"abc123" "old"', ETAG)).toBe(false);
    expect(ifNoneMatch('"old", *', ETAG)).toBe(false);
  });
});
