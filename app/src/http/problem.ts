/**
 * RFC 9457 problem details. `type` is a stable identifier clients can switch on; the catalogue
 * below is the whole set the service emits.
 */
export const PROBLEMS = {
  badRequest: { status: 400, title: 'Bad request' },
  invalidBody: { status: 400, title: 'Invalid request body' },
  invalidQuery: { status: 400, title: 'Invalid query parameter' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  invalidCredentials: { status: 401, title: 'Invalid username or password' },
  registrationDisabled: { status: 403, title: 'Registration is disabled' },
  notFound: { status: 404, title: 'Not found' },
  methodNotAllowed: { status: 405, title: 'Method not allowed' },
  usernameTaken: { status: 409, title: 'Username already taken' },
  requestTimeout: { status: 408, title: 'Request timeout' },
  payloadTooLarge: { status: 413, title: 'Payload too large' },
  unsupportedMediaType: { status: 415, title: 'Unsupported media type' },
  rateLimited: { status: 429, title: 'Too many requests' },
  headersTooLarge: { status: 431, title: 'Request header fields too large' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service temporarily unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemKind = keyof typeof PROBLEMS;

const PROBLEM_TYPE_BASE = 'https://xwing.dev/problems/';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** An error that already knows the response it should become. */
export class HttpProblem extends Error {
  readonly kind: ProblemKind;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(
    kind: ProblemKind,
    detail?: string,
    options: { headers?: Record<string, string>; extensions?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(detail ?? PROBLEMS[kind].title, { cause: options.cause });
    this.name = 'HttpProblem';
    this.kind = kind;
    this.status = PROBLEMS[kind].status;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }

  body(instance?: string): ProblemBody {
    return {
      type: PROBLEM_TYPE_BASE + this.kind,
      title: PROBLEMS[this.kind].title,
      status: this.status,
      ...(this.message !== PROBLEMS[this.kind].title ? { detail: this.message } : {}),
      ...(instance === undefined ? {} : { instance }),
      ...this.extensions,
    };
  }
}
