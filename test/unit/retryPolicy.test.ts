import { COMMON_OPTION_FIELDS } from '../../nodes/shared/commonOptions';
import { DEFAULT_TIMEOUT_MS } from '../../nodes/shared/providerClient';
import {
	DEFAULT_RETRY_POLICY,
	isRetryableNetworkCode,
	isRetryableStatus,
	parseRetryAfter,
	retryDelayMs,
} from '../../nodes/shared/request/retry';

describe('parseRetryAfter', () => {
	const now = Date.parse('2026-11-22T10:00:00Z');
	test.each([
		['3', 3000],
		['0', 0],
		['1.5', 1500],
		[' 2 ', 2000],
		['Sun, 22 Nov 2026 10:00:07 GMT', 7000],
		['Sun, 22 Nov 2026 09:59:00 GMT', 0],
	])('%s → %d ms', (header, ms) => {
		expect(parseRetryAfter(header, now)).toBe(ms);
	});

	test.each([[undefined], [''], ['soon'], ['-5']])('%s is unreadable', (header) => {
		expect(parseRetryAfter(header as string | undefined, now)).toBeUndefined();
	});

	test('takes the first value of a repeated header', () => {
		expect(parseRetryAfter(['4', '9'], now)).toBe(4000);
	});
});

describe('retryDelayMs', () => {
	test('honours Retry-After, capped', () => {
		expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, 2000)).toBe(2000);
		expect(retryDelayMs(DEFAULT_RETRY_POLICY, 1, 3_600_000)).toBe(DEFAULT_RETRY_POLICY.maxRetryAfterMs);
	});

	test('grows exponentially with jitter inside [10%, 100%] of the ceiling, capped', () => {
		const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
		expect(retryDelayMs(policy, 1, undefined, () => 1)).toBe(100);
		expect(retryDelayMs(policy, 2, undefined, () => 1)).toBe(200);
		expect(retryDelayMs(policy, 3, undefined, () => 1)).toBe(400);
		expect(retryDelayMs(policy, 10, undefined, () => 1)).toBe(1000);
		expect(retryDelayMs(policy, 3, undefined, () => 0)).toBe(40);
	});
});

describe('what is retried', () => {
	test.each([408, 429, 500, 502, 503, 504])('HTTP %d is transient', (status) => {
		expect(isRetryableStatus(status)).toBe(true);
	});
	test.each([200, 400, 401, 403, 404, 409, 422, 501, 505])('HTTP %d is not retried', (status) => {
		expect(isRetryableStatus(status)).toBe(false);
	});
	test('resets and time-outs are transient, a cancelled execution is not', () => {
		expect(isRetryableNetworkCode('ECONNRESET')).toBe(true);
		expect(isRetryableNetworkCode('ECONNABORTED')).toBe(true);
		expect(isRetryableNetworkCode('ETIMEDOUT')).toBe(true);
		expect(isRetryableNetworkCode('ERR_CANCELED')).toBe(false);
		expect(isRetryableNetworkCode(undefined)).toBe(false);
	});
});

test('the option defaults shown in the editor are the defaults the code uses', () => {
	const defaults = Object.fromEntries(COMMON_OPTION_FIELDS.map((field) => [field.name, field.default]));
	expect(defaults.maxRetries).toBe(DEFAULT_RETRY_POLICY.maxRetries);
	expect(defaults.timeout).toBe(DEFAULT_TIMEOUT_MS);
	expect(defaults.maxConcurrency).toBe(5);
});
