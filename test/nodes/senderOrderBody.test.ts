/** Pure pieces of the Sender node: the tolerant field reader, the body parser, the error reader, the secret check. */
import { describeSenderError, readOrderReference } from '../../nodes/Sender/api';
import { secretMatches } from '../../nodes/Sender/callbackSecret';
import { labelFileName, readField, readSenderOrder, readText } from '../../nodes/Sender/orderBody';
import type { ProviderResponse } from '../../nodes/shared/providerClient';
import { InvalidIdentifierError } from '../../nodes/shared/identifier';

const PDF_BASE64 = Buffer.from('%PDF-1.4 tiny').toString('base64');

describe('readField: one reader for every naming Sender might use', () => {
	test.each([
		['snake, top level', { tracking_number: 'CE1LV' }],
		['camel, top level', { trackingNumber: 'CE1LV' }],
		['snake under data', { data: { tracking_number: 'CE1LV' } }],
		['camel under data', { data: { trackingNumber: 'CE1LV' } }],
	])('%s', (_variant, body) => {
		expect(readField(body, 'tracking_number')).toBe('CE1LV');
	});

	test('a `data` object wins over an envelope field of the same name', () => {
		expect(readField({ status: 'success', data: { status: 'accepted' } }, 'status')).toBe('accepted');
	});

	test('falls back to the top level when `data` lacks the field', () => {
		expect(readField({ data: { other: 1 }, status: 'accepted' }, 'status')).toBe('accepted');
	});

	test('null, absent and non-object bodies read as undefined', () => {
		expect(readField({ tracking_number: null }, 'tracking_number')).toBeUndefined();
		expect(readField({}, 'tracking_number')).toBeUndefined();
		expect(readField('text', 'tracking_number')).toBeUndefined();
		expect(readField(null, 'tracking_number')).toBeUndefined();
		expect(readField([{ tracking_number: 'x' }], 'tracking_number')).toBeUndefined();
	});

	test('readText trims, drops empty strings and reads numbers as text', () => {
		expect(readText({ carrier: '  dpd ' }, 'carrier')).toBe('dpd');
		expect(readText({ carrier: '   ' }, 'carrier')).toBeUndefined();
		expect(readText({ order_reference: 12345 }, 'order_reference')).toBe('12345');
		expect(readText({ carrier: { code: 'dpd' } }, 'carrier')).toBeUndefined();
	});
});

describe('readSenderOrder', () => {
	test('an accepted order with a label URL', () => {
		const order = readSenderOrder({
			order_reference: 'SND-1',
			status: 'accepted',
			carrier: 'omniva',
			tracking_number: 'CE1LV',
			label_url: 'https://api.sender.lv/labels/SND-1.pdf',
			pickup_arrival_time: '2026-11-22T10:00:00Z',
			delivery_type: 'address-parcel_locker',
			parcel_locker_code: '9001',
			status_message: null,
		});
		expect(order).toEqual({
			reference: 'SND-1',
			status: 'accepted',
			labelUrl: 'https://api.sender.lv/labels/SND-1.pdf',
			labelContent: undefined,
			details: {
				trackingNumber: 'CE1LV',
				labelUrl: 'https://api.sender.lv/labels/SND-1.pdf',
				labelReady: true,
				carrier: 'omniva',
				pickupArrivalTime: '2026-11-22T10:00:00Z',
				statusMessage: undefined,
				deliveryType: 'address-parcel_locker',
				parcelLockerCode: '9001',
			},
		});
	});

	test('a pending order: no label yet is a state, labelReady false', () => {
		const order = readSenderOrder({ orderReference: 'SND-2', status: 'pending', labelUrl: null, trackingNumber: null });
		expect(order.details.labelReady).toBe(false);
		expect(order.labelUrl).toBeUndefined();
		expect(order.labelContent).toBeUndefined();
	});

	test.each([
		['label_base64', { label_base64: PDF_BASE64 }],
		['labelBase64 under data', { data: { labelBase64: PDF_BASE64 } }],
		['a plain label holding base64', { label: PDF_BASE64 }],
		['a data: URI', { label: `data:application/pdf;base64,${PDF_BASE64}` }],
	])('label content from %s stays out of details', (_case, body) => {
		const order = readSenderOrder({ status: 'accepted', ...body });
		expect(order.labelContent).toBe(PDF_BASE64);
		expect(order.details.labelReady).toBe(true);
		expect(JSON.stringify(order.details)).not.toContain(PDF_BASE64);
	});

	test('a plain label holding a URL is a label URL; a label that is neither is ignored', () => {
		expect(readSenderOrder({ label: 'https://x.test/l.pdf' }).labelUrl).toBe('https://x.test/l.pdf');
		expect(readSenderOrder({ label: 'not ready!' }).details.labelReady).toBe(false);
	});

	test('reference falls back to `reference`; a numeric status is kept as given', () => {
		expect(readSenderOrder({ reference: 'R-9', status: 3 })).toMatchObject({ reference: 'R-9', status: 3 });
	});

	test('label file names are safe for any reference', () => {
		expect(labelFileName('SND-000001', 'pdf')).toBe('SND-000001.pdf');
		expect(labelFileName('a/b?c#d', 'pdf')).toBe('a_b_c_d.pdf');
		expect(labelFileName('../x', 'pdf')).toBe('__x.pdf');
	});
});

describe('readOrderReference', () => {
	test.each([
		['empty', '', /is empty/],
		['whitespace', '   ', /is empty/],
		['..', '..', /no letter or digit/],
		['?', '?', /no letter or digit/],
		['#', '#', /no letter or digit/],
		['300 characters', 'x'.repeat(300), /300 characters long/],
		['a line break', 'SND\n1', /control characters/],
		['an object', { reference: 'SND-1' }, /must be text or a number, but the expression gave an object/],
	])('%s is refused', (_case, value, message) => {
		expect(() => readOrderReference(value)).toThrow(InvalidIdentifierError);
		expect(() => readOrderReference(value)).toThrow(message);
	});

	test.each([['SND-000001'], [' SND-1 '], ['a b:c'], [42]])('%j is a possible reference', (value) => {
		expect(readOrderReference(value)).toBe(String(value).trim());
	});

	test.each([['a/b?c#d'], ['../x'], ['%2e%2e/'], ['SND\\1'], ['..%252f']])('%j holds a URL separator and is refused', (value) => {
		expect(() => readOrderReference(value)).toThrow('contains /, \\, ?, # or %');
	});
});

const answer = (statusCode: number, json: unknown): ProviderResponse => ({
	statusCode,
	headers: {},
	text: JSON.stringify(json),
	json,
});

describe('describeSenderError', () => {
	test('401 points at the credential, its key and "Send Key As"', () => {
		const { message } = describeSenderError(answer(401, { message: 'Unauthenticated.' }));
		expect(message).toContain('Unauthenticated.');
		expect(message).toContain('"Sender API" credential');
		expect(message).toContain('API Key');
		expect(message).toContain('"Send Key As"');
	});

	test('a Laravel validation answer names the fields', () => {
		const { message } = describeSenderError(
			answer(422, {
				message: 'The given data was invalid.',
				errors: { carrier_code: ['The carrier code field is required.'], 'to.country_iso': ['Required.'] },
			}),
		);
		expect(message).toBe(
			'The given data was invalid. carrier_code: The carrier code field is required.; to.country_iso: Required.',
		);
	});

	test('404 keeps the provider message and says what a reference is', () => {
		expect(describeSenderError(answer(404, { message: 'Order not found.' }))).toMatchObject({
			message: 'Order not found.',
			description: expect.stringContaining('Place Order'),
		});
	});

	test('anything else: the message, or the HTTP status', () => {
		expect(describeSenderError(answer(500, { error: 'Boom' })).message).toBe('Boom');
		expect(describeSenderError({ statusCode: 502, headers: {}, text: '<html>', json: undefined }).message).toBe(
			'HTTP 502',
		);
	});
});

describe('secretMatches', () => {
	test('equal secrets match; different, shorter, longer and missing ones do not', () => {
		expect(secretMatches('s3cret-value', 's3cret-value')).toBe(true);
		expect(secretMatches('s3cret-value', 's3cret-valuE')).toBe(false);
		expect(secretMatches('s3cret-value', 's3cret')).toBe(false);
		expect(secretMatches('s3cret-value', 's3cret-value-and-more')).toBe(false);
		expect(secretMatches('s3cret-value', undefined)).toBe(false);
		expect(secretMatches('ключ', 'ключ')).toBe(true);
	});
});
