import { REDACTED, Redactor, redactSecrets } from '../../nodes/shared/request/redaction';

const KEY = 'KEY-shop 7/+';
const SECRET = 'S3cr"et&=';

describe('every spelling a secret travels in is kept out', () => {
	const redactor = new Redactor([KEY, SECRET]);

	test.each([
		['plain', SECRET],
		['URL-encoded (path or query)', encodeURIComponent(SECRET)],
		['form-encoded', new URLSearchParams({ v: KEY }).toString().slice(2)],
		['JSON-escaped', JSON.stringify(SECRET).slice(1, -1)],
		['base64', Buffer.from(SECRET).toString('base64')],
		['HTTP Basic key:secret', Buffer.from(`${KEY}:${SECRET}`).toString('base64')],
	])('%s', (_name, spelling) => {
		expect(redactor.redact(`before ${spelling} after`)).toBe(`before ${REDACTED} after`);
	});

	test('values of any length, one character included', () => {
		expect(redactSecrets('a-b-a', ['b'])).toBe(`a-${REDACTED}-a`);
	});

	test('deep values: strings and keys at any depth, other types untouched', () => {
		const raw = { request: { token: SECRET, [SECRET]: 1, list: [`x ${KEY}`, 7, null, true] } };
		expect(redactor.redactDeep(raw)).toEqual({
			request: { token: REDACTED, [REDACTED]: 1, list: [`x ${REDACTED}`, 7, null, true] },
		});
		// The original is not changed.
		expect(raw.request.token).toBe(SECRET);
	});

	test('a token added during the run is kept out from then on', () => {
		const during = new Redactor(['first-secret']);
		expect(during.add(['first-secret', 'new-token'])).toEqual(['new-token']);
		expect(during.redact('new-token and first-secret')).toBe(`${REDACTED} and ${REDACTED}`);
	});

	test('without secrets nothing changes', () => {
		const value = { a: 'b' };
		expect(new Redactor([]).redactDeep(value)).toBe(value);
	});
});
