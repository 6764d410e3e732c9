import { ALTCRAFT_LINE_STATUSES, ALTCRAFT_ORDER_STATUSES } from '../../nodes/AltcraftMarket/statuses';
import { mapStatus } from '../../nodes/shared/mapStatus';
import { Redactor } from '../../nodes/shared/request/redaction';
import { buildStatusItem } from '../../nodes/shared/statusItem';
import { FINAL_STATUSES, NORMALISED_STATUSES, STATUS_LABELS } from '../../nodes/shared/statusModel';

describe('the vocabulary', () => {
	test('ten statuses, spelled as the contract says, each with its label', () => {
		expect(NORMALISED_STATUSES).toEqual([
			'pending',
			'accepted',
			'processing',
			'on_hold',
			'shipped',
			'delivered',
			'cancelled',
			'rejected',
			'returned',
			'unknown',
		]);
		expect(Object.values(STATUS_LABELS)).toEqual([
			'Pending',
			'Accepted',
			'Processing',
			'On Hold',
			'Shipped',
			'Delivered',
			'Cancelled',
			'Rejected',
			'Returned',
			'Unknown',
		]);
		expect([...FINAL_STATUSES].sort()).toEqual(['cancelled', 'delivered', 'rejected', 'returned']);
	});
});

describe('mapStatus follows the order of status-model.md §2', () => {
	const table = { Complete: 'accepted', Error: 'rejected' } as const;

	test('the custom mapping wins over everything', () => {
		const customMapping = new Map([['complete', 'delivered' as const]]);
		expect(mapStatus({ raw: ' COMPLETE ', providerTable: table, customMapping })).toEqual({
			status: 'delivered',
			statusSource: 'custom',
			statusRaw: ' COMPLETE ',
		});
	});

	test('the provider table matches case-insensitively after trimming, before the keyword rules', () => {
		// "Complete" alone would be `delivered` by keyword (COMPLETED? no: COMPLETE is not COMPLETED) — the table decides.
		expect(mapStatus({ raw: ' complete', providerTable: table })).toMatchObject({
			status: 'accepted',
			statusSource: 'provider',
		});
	});

	test('a provider override applies when the table does not know the value', () => {
		expect(mapStatus({ raw: 'SHIPPED', providerTable: { ON_HOLD: 'on_hold' }, override: 'on_hold' })).toMatchObject({
			status: 'on_hold',
			statusSource: 'provider',
		});
	});

	test('then the keyword rules, then unknown with the raw value kept', () => {
		expect(mapStatus({ raw: 'OUT_FOR_DELIVERY', providerTable: table })).toMatchObject({
			status: 'shipped',
			statusSource: 'keyword',
		});
		expect(mapStatus({ raw: 'ZEBRA', providerTable: table })).toEqual({
			status: 'unknown',
			statusSource: 'unknown',
			statusRaw: 'ZEBRA',
		});
	});

	test('missing and numeric values never throw and never give undefined', () => {
		expect(mapStatus({ raw: null })).toEqual({ status: 'unknown', statusSource: 'unknown', statusRaw: null });
		expect(mapStatus({ raw: undefined })).toEqual({ status: 'unknown', statusSource: 'unknown', statusRaw: null });
		expect(mapStatus({ raw: 3, providerTable: { '3': 'shipped' } })).toEqual({
			status: 'shipped',
			statusSource: 'provider',
			statusRaw: '3',
		});
	});
});

describe('provider tables (status-model.md §3)', () => {
	test.each([
		['new', 'accepted'],
		['paid', 'processing'],
		['delivered', 'delivered'],
		['canceled', 'cancelled'],
		['part_refunded', 'returned'],
	])('Altcraft order %s → %s', (raw, status) => {
		expect(mapStatus({ raw, providerTable: ALTCRAFT_ORDER_STATUSES })).toMatchObject({ status, statusSource: 'provider' });
	});

	test.each([
		['new', 'accepted'],
		['processing', 'processing'],
		['delivering', 'shipped'],
		['delivered', 'delivered'],
		['canceled', 'cancelled'],
		['refunded', 'returned'],
	])('Altcraft line %s → %s', (raw, status) => {
		expect(mapStatus({ raw, providerTable: ALTCRAFT_LINE_STATUSES })).toMatchObject({ status, statusSource: 'provider' });
	});
});

describe('buildStatusItem', () => {
	test('builds the output item of status-model.md §4', () => {
		const item = buildStatusItem({
			provider: 'altcraft-market',
			orderId: 'A598t32D',
			mapped: { status: 'delivered', statusSource: 'provider', statusRaw: 'delivered' },
			details: { endpoint: 'marketplace', missing: undefined },
			redact: (value) => value,
			raw: { error: 0 },
			checkedAt: new Date('2026-11-22T10:00:00.000Z'),
		});
		expect(item).toEqual({
			provider: 'altcraft-market',
			orderId: 'A598t32D',
			status: 'delivered',
			statusLabel: 'Delivered',
			statusRaw: 'delivered',
			statusSource: 'provider',
			isFinal: true,
			checkedAt: '2026-11-22T10:00:00.000Z',
			details: { endpoint: 'marketplace' },
			raw: { error: 0 },
		});
		expect(Object.keys(item)).toEqual([
			'provider',
			'orderId',
			'status',
			'statusLabel',
			'statusRaw',
			'statusSource',
			'isFinal',
			'checkedAt',
			'details',
			'raw',
		]);
	});

	test('omits raw when it is turned off', () => {
		const item = buildStatusItem({
			provider: 'p',
			orderId: 'o',
			mapped: { status: 'pending', statusSource: 'keyword', statusRaw: 'QUEUED' },
			details: {},
			redact: (value) => value,
		});
		expect(item).not.toHaveProperty('raw');
		expect(item.isFinal).toBe(false);
	});

	test('passes details and raw through the redaction it is given', () => {
		const redactor = new Redactor(['tok3n']);
		const item = buildStatusItem({
			provider: 'p',
			orderId: 'o',
			mapped: { status: 'pending', statusSource: 'provider', statusRaw: 'new' },
			details: { note: 'echo tok3n' },
			raw: { request: { token: 'tok3n' }, list: ['a tok3n b'] },
			redact: (value) => redactor.redactDeep(value),
		});
		expect(item.details).toEqual({ note: 'echo [redacted]' });
		expect(item.raw).toEqual({ request: { token: '[redacted]' }, list: ['a [redacted] b'] });
	});
});
