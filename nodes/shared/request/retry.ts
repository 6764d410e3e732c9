/** When and how long to wait before trying a provider request again. Pure functions; the client sleeps. */

export interface RetryPolicy {
	/** Retries after the first attempt. */
	maxRetries: number;
	/** First backoff delay, doubled on every retry. */
	baseDelayMs: number;
	/** Longest backoff delay. */
	maxDelayMs: number;
	/** Longest wait a provider's Retry-After may impose; longer values are capped to this. */
	maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
	maxRetries: 3,
	baseDelayMs: 500,
	maxDelayMs: 15_000,
	maxRetryAfterMs: 60_000,
};

/** HTTP statuses worth another try: rate limits and server-side trouble (501 and 505 will not get better). */
export function isRetryableStatus(status: number): boolean {
	return status === 408 || status === 425 || status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/** Network failures worth another try: resets, refused or dropped connections, time-outs. */
const RETRYABLE_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ENETUNREACH',
	'EHOSTUNREACH',
	'UND_ERR_SOCKET',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

export function isRetryableNetworkCode(code: string | undefined): boolean {
	return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}

/**
 * Parses a Retry-After header: delta-seconds or an HTTP date. Returns milliseconds (>= 0), or undefined when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
	const header = Array.isArray(value) ? value[0] : value;
	if (header === undefined) return undefined;
	const text = header.trim();
	if (text === '') return undefined;
	if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
	// An HTTP date always names a weekday and month; anything else (e.g. "-5") is unreadable.
	if (!/[a-z]/i.test(text)) return undefined;
	const date = Date.parse(text);
	if (Number.isNaN(date)) return undefined;
	return Math.max(0, date - now);
}

/**
 * How long to wait before retry number `retry` (1-based): the provider's Retry-After when it gave one
 * (capped), otherwise exponential backoff with full jitter.
 */
export function retryDelayMs(
	policy: RetryPolicy,
	retry: number,
	retryAfterMs: number | undefined,
	random: () => number = Math.random,
): number {
	if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
	// Full jitter spreads the retries of concurrent requests; never below a tenth of the ceiling.
	return Math.round(ceiling * (0.1 + 0.9 * random()));
}

/**
 * When a provider that keeps refusing is given up on: at least `answers` failed attempts in a row (429, a
 * retryable 5xx, an unreadable answer, a dropped connection) AND `ms` without one accepted answer. Both must hold:
 * a burst of refusals that the provider's Retry-After clears within seconds is ordinary rate limiting, and one
 * long Retry-After is a single wait, not a storm.
 */
export const REFUSAL_BUDGET = { answers: 10, ms: 30_000 } as const;

export type RefusalKind = 'rateLimited' | 'serverError' | 'unreadable' | 'network';

/**
 * Counts the failed attempts of one execution since its last accepted answer. Once spent, the client sends
 * nothing more: every later order fails at once, so a provider that refuses for ever costs a bounded time (the
 * budget plus the retry chains already under way), not a time that grows with the number of orders.
 */
export class RefusalBudget {
	private inARow = 0;
	private rateLimitedInARow = 0;
	private lastAcceptedAt: number;

	constructor(
		private readonly now: () => number,
		private readonly limits: { answers: number; ms: number } = REFUSAL_BUDGET,
	) {
		this.lastAcceptedAt = now();
	}

	accepted(): void {
		this.inARow = 0;
		this.rateLimitedInARow = 0;
		this.lastAcceptedAt = this.now();
	}

	refused(kind: RefusalKind): void {
		this.inARow++;
		if (kind === 'rateLimited') this.rateLimitedInARow++;
	}

	get spent(): boolean {
		return this.inARow >= this.limits.answers && this.now() - this.lastAcceptedAt >= this.limits.ms;
	}

	/** What the provider kept doing, for the message of the orders that are not asked for. */
	describe(): string {
		const seconds = Math.round((this.now() - this.lastAcceptedAt) / 1000);
		const doing = this.rateLimitedInARow * 2 >= this.inARow ? 'kept rate-limiting' : 'kept failing';
		return `${doing} (${this.inARow} attempts in a row refused or failed over ${seconds} s, none accepted)`;
	}
}
