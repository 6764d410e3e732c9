import {
	encodePathSegment,
	InvalidIdentifierError,
	normaliseIdentifier,
	parsePositiveInteger,
} from '../../nodes/shared/identifier';
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
		['ørder 1', '%C3%B8rder%201'],
		['PB-123_x.y~z', 'PB-123_x.y~z'],
		['a+b&c=d e', 'a%2Bb%26c%3Dd%20e'],
	])('%s is encoded as one segment: %s', (id, encoded) => {
		expect(encodePathSegment(id, 'Order ID')).toBe(encoded);
	});

	// Encoded they would stay one segment for a URL parser, but a gateway that decodes before routing would not.
	test.each(['../etc', '..%2F..%2F__probe__', '%2e%2e/', '..%252f', 'a/b?c#d', '\\evil', '%5Cevil', 'x?clientId=EVIL', 'x#frag'])(
		'%s is refused before any request',
		(id) => {
			expect(() => encodePathSegment(id, 'Order ID')).toThrow(InvalidIdentifierError);
			expect(() => encodePathSegment(id, 'Order ID')).toThrow('contains /, \\, ?, # or %');
		},
	);

	test.each(['.', '..', '...'])('%s is refused (a URL parser would resolve it)', (id) => {
		expect(() => encodePathSegment(id, 'Order ID')).toThrow(InvalidIdentifierError);
	});

	test('a lone surrogate is refused, by the identifier check and by the encoder', () => {
		expect(() => normaliseIdentifier('\uD800bad', 'Order ID')).toThrow('contains an invalid character');
		expect(() => normaliseIdentifier('bad\uDC00', 'Order ID')).toThrow('contains an invalid character');
		expect(() => encodePathSegment('\uD800bad', 'Order ID')).toThrow(InvalidIdentifierError);
		// A whole pair (an emoji) is fine.
		expect(normaliseIdentifier('order 📦', 'Order ID')).toBe('order 📦');
	});
});

test('parsePositiveInteger', () => {
	expect(parsePositiveInteger('42', 'Order ID')).toBe(42);
	for (const bad of ['0', '-1', '1.5', 'abc', '1e3', '9999999999999999']) {
		expect(() => parsePositiveInteger(bad, 'Order ID')).toThrow(InvalidIdentifierError);
	}
});

test('redactSecrets removes every occurrence of each secret', () => {
	expect(redactSecrets('token SECRET-abc123 and again SECRET-abc123', ['SECRET-abc123'])).toBe(
		'token [redacted] and again [redacted]',
	);
	// A short secret is still a secret: a mangled word is the lesser harm.
	expect(redactSecrets('short ab goes', ['ab'])).toBe('short [redacted] goes');
});
