import {
	encodePathSegment,
	InvalidIdentifierError,
	normaliseIdentifier,
	parsePositiveInteger,
} from '../../nodes/shared/identifier';
import { chunk, forEachWithConcurrency } from '../../nodes/shared/concurrency';
import { redactSecrets } from '../../nodes/shared/providerClient';

describe('normaliseIdentifier', () => {
	test.each([
		['  A598t32D ', 'A598t32D'],
		[12345, '12345'],
		['ĀŽŪ-ørder-🚚', 'ĀŽŪ-ørder-🚚'],
		['a/b?c#d', 'a/b?c#d'],
	])('%p → %p', (value, expected) => {
		expect(normaliseIdentifier(value, 'Order ID')).toBe(expected);
	});

	test.each([
		['', /is empty/],
		['   ', /is empty/],
		[null, /is empty/],
		[undefined, /is empty/],
		[['a'], /must be text or a number.*a list/],
		[{ id: 1 }, /must be text or a number.*an object/],
		[true, /must be text or a number.*boolean/],
		[Number.NaN, /must be text or a number/],
		['x'.repeat(10_000), /10000 characters long/],
		['abc\ndef', /control characters/],
		['abc\u0000', /control characters/],
	])('%p is refused', (value, message) => {
		expect(() => normaliseIdentifier(value, 'Order ID')).toThrow(InvalidIdentifierError);
		expect(() => normaliseIdentifier(value, 'Order ID')).toThrow(message);
	});
});

describe('encodePathSegment', () => {
	test.each([
		['../etc', '..%2Fetc'],
		['%2e%2e/', '%252e%252e%2F'],
		['a/b?c#d', 'a%2Fb%3Fc%23d'],
		['ørder 1', '%C3%B8rder%201'],
	])('%s stays one segment: %s', (id, encoded) => {
		expect(encodePathSegment(id, 'Order ID')).toBe(encoded);
		expect(encodePathSegment(id, 'Order ID')).not.toContain('/');
	});

	test.each(['.', '..'])('%s is refused (a URL parser would resolve it)', (id) => {
		expect(() => encodePathSegment(id, 'Order ID')).toThrow(InvalidIdentifierError);
	});
});

test('parsePositiveInteger', () => {
	expect(parsePositiveInteger('42', 'Order ID')).toBe(42);
	for (const bad of ['0', '-1', '1.5', 'abc', '1e3', '9999999999999999']) {
		expect(() => parsePositiveInteger(bad, 'Order ID')).toThrow(InvalidIdentifierError);
	}
});

test('chunk splits into groups of at most n, in order', () => {
	expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
	expect(chunk([], 50)).toEqual([]);
});

describe('forEachWithConcurrency', () => {
	test('runs the first task alone, then at most `limit` at once, each exactly once', async () => {
		let running = 0;
		let peak = 0;
		let peakDuringFirst = 0;
		const seen: number[] = [];
		await forEachWithConcurrency(
			Array.from({ length: 20 }, (_, i) => i),
			4,
			async (value) => {
				running++;
				peak = Math.max(peak, running);
				if (value === 0) peakDuringFirst = running;
				await new Promise((resolve) => setTimeout(resolve, 5));
				seen.push(value);
				running--;
			},
		);
		expect(peakDuringFirst).toBe(1);
		expect(peak).toBe(4);
		expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
	});

	test('stops taking work when asked', async () => {
		const seen: number[] = [];
		let stop = false;
		await forEachWithConcurrency([0, 1, 2, 3, 4, 5], 1, async (value) => {
			seen.push(value);
			if (value === 2) stop = true;
		}, () => stop);
		expect(seen).toEqual([0, 1, 2]);
	});
});

test('redactSecrets removes every occurrence of each secret', () => {
	expect(redactSecrets('token SECRET-abc123 and again SECRET-abc123', ['SECRET-abc123'])).toBe(
		'token [redacted] and again [redacted]',
	);
	expect(redactSecrets('short ab stays', ['ab'])).toBe('short ab stays');
});
