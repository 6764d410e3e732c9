import { randomUUID } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import { describePplError, parseBatchId } from '../../nodes/PplCpl/api';
import { PPL_IMPORT_STATES, PPL_ORDER_STATES, PPL_SHIPMENT_STATES } from '../../nodes/PplCpl/statuses';
import { mapStatus } from '../../nodes/shared/mapStatus';
import type { ProviderResponse } from '../../nodes/shared/providerClient';
import type { CredentialStore } from '../harness/runWorkflow';
import {
	PPL_IMPORT_STATES as SIM_IMPORT_STATES,
	PPL_ORDER_STATES as SIM_ORDER_STATES,
	PPL_ROUTES,
	PPL_SHIPMENT_STATES as SIM_SHIPMENT_STATES,
	PROBLEM_CONTENT_TYPE,
	pplProblemBody,
	type PplImportState,
	type PplOrderState,
	type PplSimulator,
} from '../simulators/ppl';
import {
	batch,
	BATCH,
	continuing,
	credentialStore,
	itemError,
	json,
	NODE,
	runError,
	runItems,
	startSimulator,
	tracking,
	TRACKING,
} from './pplCplSetup';

let sim: PplSimulator;
let store: CredentialStore;

beforeAll(async () => {
	sim = await startSimulator();
});
afterAll(async () => await sim.stop());

beforeEach(() => {
	sim.setOrders([]);
	sim.batches.clear();
	sim.orderResponseShape = 'array';
	sim.latencyMs = 0;
	sim.clearFaults();
	sim.resetStats();
	store = credentialStore(sim);
});

const orderRequests = () => sim.requests.filter((req) => req.route === PPL_ROUTES.orders);
const batchRequests = () => sim.requests.filter((req) => req.route === PPL_ROUTES.orderBatch);

/** A problem-details answer as PPL sends it, for fault rules. */
const problemFault = (status: number, detail: string | null, errors?: Record<string, string[]>) => ({
	kind: 'status' as const,
	status,
	body: pplProblemBody(status, detail, { errors }),
	headers: { 'content-type': PROBLEM_CONTENT_TYPE },
});

describe('status tables (status-model.md §3)', () => {
	const mapped = (raw: string, table: typeof PPL_IMPORT_STATES) => mapStatus({ raw, providerTable: table });

	test.each([
		['Accepted', 'pending'],
		['InProcess', 'pending'],
		['Complete', 'accepted'],
		['Error', 'rejected'],
	])('importState %s → %s', (raw, status) => {
		expect(mapped(raw, PPL_IMPORT_STATES)).toEqual({ status, statusSource: 'provider', statusRaw: raw });
	});

	test.each([
		['None', 'pending'],
		['Created', 'accepted'],
		['PickedUp', 'shipped'],
		['NotPickedUp', 'on_hold'],
		['Canceled', 'cancelled'],
	])('orderState %s → %s', (raw, status) => {
		expect(mapped(raw, PPL_ORDER_STATES)).toEqual({ status, statusSource: 'provider', statusRaw: raw });
	});

	test.each([
		['None', 'pending'],
		['DataShipment', 'accepted'],
		['Active', 'accepted'],
		['PickedUpFromSender', 'shipped'],
		['OutForDelivery', 'shipped'],
		['DeliveredToPickupPoint', 'shipped'],
		['Delivered', 'delivered'],
		['CodPaidDate', 'delivered'],
		['Undelivered', 'on_hold'],
		['NotDelivered', 'on_hold'],
		['Dormant', 'on_hold'],
		['BackToSender', 'returned'],
		['Rejected', 'returned'],
		['Canceled', 'cancelled'],
	])('shipmentState %s → %s', (raw, status) => {
		expect(mapped(raw, PPL_SHIPMENT_STATES)).toEqual({ status, statusSource: 'provider', statusRaw: raw });
	});

	test('every value the API documents has a row, and no table holds a value PPL does not send', () => {
		expect(Object.keys(PPL_IMPORT_STATES).sort()).toEqual([...SIM_IMPORT_STATES].sort());
		expect(Object.keys(PPL_ORDER_STATES).sort()).toEqual([...SIM_ORDER_STATES].sort());
		expect(Object.keys(PPL_SHIPMENT_STATES).sort()).toEqual([...SIM_SHIPMENT_STATES].sort());
	});

	test('the table wins over the keyword rules (Complete is accepted, not delivered)', () => {
		expect(mapped(' complete ', PPL_IMPORT_STATES)).toMatchObject({ status: 'accepted', statusSource: 'provider' });
		expect(mapStatus({ raw: 'Complete' })).not.toMatchObject({ status: 'accepted' });
	});
});

describe('parseBatchId', () => {
	const id = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
	test.each([
		[id],
		[`https://api.dhl.com/ecs/ppl/myapi2/order/batch/${id}`],
		[`HTTPS://api-dev.dhl.com/ecs/ppl/myapi2/order/batch/${id}/`],
		[`https://api.dhl.com/ecs/ppl/myapi2/order/batch/${id}?pageSize=Default#top`],
		[`/order/batch/${id}`],
	])('%s → the batch id', (given) => {
		expect(parseBatchId(given)).toBe(id);
	});

	test.each([['..'], ['../x'], ['%2e%2e/'], ['?'], ['#'], ['a b'], ['/order/batch/..'], ['https://host/order/batch/%2e%2e'], ['https://host']])(
		'%s is refused',
		(given) => {
			expect(() => parseBatchId(given)).toThrow(/is neither a PPL batch ID/);
		},
	);
});

describe('describePplError', () => {
	const response = (statusCode: number, body: unknown): ProviderResponse => ({
		statusCode,
		headers: {},
		text: JSON.stringify(body),
		json: body,
	});

	test('problem details name every field', () => {
		const described = describePplError(
			response(
				400,
				pplProblemBody(400, null, {
					instance: '/order',
					errors: {
						OrderNumbers: ["The field OrderNumbers must be a string or array type with a maximum length of '50'."],
						Limit: ['The Limit field is required.', 'The field Limit must be between 1 and 1000.'],
					},
				}),
			),
		);
		expect(described.message).toBe(
			"One or more validation errors occurred: OrderNumbers: The field OrderNumbers must be a string or array type with a maximum length of '50'.; " +
				'Limit: The Limit field is required. The field Limit must be between 1 and 1000.',
		);
		expect(described.description).toBe('HTTP 400, instance /order');
	});

	test('detail wins over the generic title; the title stays in the description', () => {
		expect(describePplError(response(404, pplProblemBody(404, 'Batch 1 was not found.')))).toMatchObject({
			message: 'Batch 1 was not found.',
			description: 'HTTP 404 Not Found',
		});
	});

	test('OAuth-style bodies, bodies that are not objects, and token-like text', () => {
		expect(describePplError(response(400, { error: 'invalid_client' })).message).toBe('invalid_client');
		expect(describePplError(response(502, '<html>')).message).toBe('HTTP 502');
		expect(describePplError({ statusCode: 500, headers: {}, text: '', json: undefined }).message).toBe('HTTP 500');
		const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
		expect(describePplError(response(400, pplProblemBody(400, `bad token ${jwt}`))).message).toBe('bad token [redacted]');
	});
});

describe('Get Batch Status', () => {
	test('one item per batch item, each importState mapped, all paired to the input item', async () => {
		const batchId = randomUUID();
		sim.addBatch(batchId, [
			{ referenceId: 'ORD-A', importState: 'Accepted' },
			{ referenceId: 'ORD-B', importState: 'InProcess' },
			{ referenceId: 'ORD-C', importState: 'Complete' },
			{ referenceId: 'ORD-D', importState: 'Error', errorCode: 'Validation.ZipCode', errorMessage: 'Invalid zip code' },
			{ referenceId: 'ORD-E', importState: 'Accepted' },
			{ referenceId: 'ORD-F', importState: 'Accepted' },
		]);
		// Values PPL might add without notice: the keyword rules, or unknown with the raw value kept.
		sim.setImportState(batchId, 'ORD-E', 'Queued' as PplImportState);
		sim.setImportState(batchId, 'ORD-F', 'Zebra' as PplImportState);

		const result = await runItems(BATCH, store, [{ batchId }]);
		expect(runError(result)).toBeUndefined();
		const items = result.output(NODE);
		expect(items.map((item) => item.pairedItem)).toEqual(items.map(() => ({ item: 0 })));
		expect(items.map((item) => item.json)).toMatchObject([
			{ orderId: 'ORD-A', status: 'pending', statusRaw: 'Accepted', statusSource: 'provider', isFinal: false },
			{ orderId: 'ORD-B', status: 'pending', statusRaw: 'InProcess', statusSource: 'provider' },
			{ orderId: 'ORD-C', status: 'accepted', statusLabel: 'Accepted', statusRaw: 'Complete', isFinal: false },
			{
				orderId: 'ORD-D',
				status: 'rejected',
				statusRaw: 'Error',
				isFinal: true,
				details: { batchId, referenceId: 'ORD-D', errorCode: 'Validation.ZipCode', errorMessage: 'Invalid zip code' },
				raw: { referenceId: 'ORD-D', importState: 'Error', errorCode: 'Validation.ZipCode', errorMessage: 'Invalid zip code' },
			},
			{ orderId: 'ORD-E', status: 'pending', statusRaw: 'Queued', statusSource: 'keyword' },
			{ orderId: 'ORD-F', status: 'unknown', statusRaw: 'Zebra', statusSource: 'unknown', isFinal: false },
		]);
		for (const item of json(result)) expect(item).toMatchObject({ provider: 'ppl-cpl', details: { batchId } });
		expect(json(result)[0].details).toEqual({ batchId, referenceId: 'ORD-A' });
		expect(batchRequests().map((req) => req.rawPath)).toEqual([`/order/batch/${batchId}`]);
	});

	test.each([
		['an absolute Location URL', (url: string, id: string) => `${url}/order/batch/${id}`],
		['a Location path', (_url: string, id: string) => `/order/batch/${id}`],
		['a Location URL with a query and a trailing slash', (url: string, id: string) => `${url}/order/batch/${id}/?x=1`],
		['the id with spaces around it', (_url: string, id: string) => `  ${id} `],
	])('accepts %s', async (_name, given) => {
		const batchId = randomUUID();
		sim.addBatch(batchId, [{ referenceId: 'ORD-1', importState: 'Complete' }]);
		const result = await runItems(BATCH, store, [{ batchId: given(sim.url, batchId) }]);
		expect(json(result)).toMatchObject([{ orderId: 'ORD-1', status: 'accepted', details: { batchId } }]);
		expect(batchRequests().map((req) => req.rawPath)).toEqual([`/order/batch/${batchId}`]);
	});

	test('the Location of a batch created through POST /order/batch works as it comes', async () => {
		const created = await fetch(`${sim.url}/login/getAccessToken`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({
				grant_type: 'client_credentials',
				client_id: 'ppl-node-client-0815',
				client_secret: 'SECRET-ppl-client-secret-7Q2',
				scope: 'myapi2',
			}),
		}).then(async (response) => (await response.json()) as { access_token: string });
		const order = { orderType: 'CollectionOrder', referenceId: 'NEW-1', shipmentCount: 1, sendDate: '2026-11-23' };
		const response = await fetch(`${sim.url}/order/batch`, {
			method: 'POST',
			headers: { authorization: `Bearer ${created.access_token}`, 'content-type': 'application/json' },
			body: JSON.stringify({ orders: [order] }),
		});
		const location = response.headers.get('location')!;
		expect(location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/order\/batch\/[0-9a-f-]{36}$/);
		const byExpression = await runItems(batch({ batchId: '={{ $json.location }}' }), store, [{ location }]);
		expect(json(byExpression)).toMatchObject([{ orderId: 'NEW-1', status: 'pending', statusRaw: 'Accepted' }]);
	});

	test('an empty items list is a clear error, not an empty success', async () => {
		const batchId = randomUUID();
		sim.addBatch(batchId, []);
		const result = await runItems(BATCH, store, [{ batchId }]);
		expect(runError(result)?.message).toBe(`PPL returned no items for batch ${batchId}`);
		expect(json(result)).toEqual([]);
	});

	test('an unknown batch reports PPL\'s own words', async () => {
		const batchId = randomUUID();
		const result = await runItems(BATCH, store, [{ batchId }]);
		expect(runError(result)).toMatchObject({ message: `PPL: Batch ${batchId} was not found.`, httpCode: '404' });
	});

	test('a batch id PPL refuses: the problem details name the field', async () => {
		const result = await runItems(BATCH, store, [{ batchId: 'not-a-uuid' }]);
		expect(runError(result)?.message).toBe(
			"PPL: One or more validation errors occurred: batchId: The value 'not-a-uuid' is not valid.",
		);
	});

	test.each([
		['a body that is not an object', '[1,2]'],
		['no items list', '{"result":[]}'],
		['HTML', '<html>maintenance</html>'],
	])('%s is a clear error', async (_name, body) => {
		sim.injectFault({ route: PPL_ROUTES.orderBatch, fault: { kind: 'raw', contentType: 'application/json', body } });
		const result = await runItems(BATCH, store, [{ batchId: randomUUID() }]);
		// Retried like a 5xx first (3 retries by default), then reported.
		expect(runError(result)?.message).toBe(
			'PPL sent an answer that cannot be read: expected a JSON object with an "items" list (after 3 retries)',
		);
		expect(sim.count(PPL_ROUTES.orderBatch)).toBe(4);
	});

	test('several batches keep the input order and pairing, even when answers arrive out of order', async () => {
		const ids = Array.from({ length: 6 }, () => randomUUID());
		ids.forEach((id, i) =>
			sim.addBatch(id, [
				{ referenceId: `B${i}-1`, importState: 'Complete' },
				{ referenceId: `B${i}-2`, importState: 'InProcess' },
			]),
		);
		sim.injectFault({ route: PPL_ROUTES.orderBatch, fault: { kind: 'delay', ms: 200 }, when: (req) => req.params.batchId === ids[1] });
		const result = await runItems(BATCH, store, ids.map((batchId) => ({ batchId })));
		const items = result.output(NODE);
		expect(items.map((item) => item.json.orderId)).toEqual(ids.flatMap((_, i) => [`B${i}-1`, `B${i}-2`]));
		expect(items.map((item) => item.pairedItem)).toEqual(ids.flatMap((_, i) => [{ item: i }, { item: i }]));
	});

	describe('bad batch ids never become a request', () => {
		const refused: Array<[string, IDataObject[string], RegExp]> = [
			['empty', '', /^Batch ID is empty$/],
			['whitespace', ' \t  ', /^Batch ID is empty$/],
			['..', '..', /is neither a PPL batch ID/],
			['../x', '../x', /is neither a PPL batch ID/],
			['%2e%2e/', '%2e%2e/', /is neither a PPL batch ID/],
			['?', '?', /is neither a PPL batch ID/],
			['#', '#', /is neither a PPL batch ID/],
			['a Location URL ending in ..', 'https://api.dhl.com/ecs/ppl/myapi2/order/batch/..', /is neither a PPL batch ID/],
			['10,000 characters', 'x'.repeat(10_000), /10000 characters long/],
			['a line break', 'abc\ndef', /control characters/],
			['a NUL byte', 'abc\u0000', /control characters/],
			['an object', { id: 1 }, /must be text or a number, but the expression gave an object/],
			['a list', ['abc'], /must be text or a number, but the expression gave a list/],
		];

		test.each(refused)('%s', async (_name, value, message) => {
			const result = await runItems(continuing(BATCH, 'continueRegularOutput'), store, [{ batchId: value }]);
			const [item] = json(result);
			expect(itemError(item).message).toMatch(message);
			expect(itemError(item).description).toBe(
				'No request was sent for this item. Check the value or expression of the identifier.',
			);
			expect(sim.stats.requests).toBe(0);
			expect(sim.unmatched).toEqual([]);
		});
	});
});

describe('Get Status (order tracking)', () => {
	test('every orderState, and values outside the table', async () => {
		const states = ['None', 'Created', 'PickedUp', 'NotPickedUp', 'Canceled', 'Delivered', 'Zebra'];
		states.forEach((state) =>
			sim.addOrder({
				referenceId: `REF-${state}`,
				orderState: state as PplOrderState,
				shipmentNumbers: ['40000000001'],
				customerReference: 'CUST-1',
			}),
		);
		const result = await runItems(TRACKING, store, states.map((state) => ({ orderId: `REF-${state}` })));
		expect(runError(result)).toBeUndefined();
		expect(json(result).map((item) => [item.orderId, item.status, item.statusSource, item.statusRaw])).toEqual([
			['REF-None', 'pending', 'provider', 'None'],
			['REF-Created', 'accepted', 'provider', 'Created'],
			['REF-PickedUp', 'shipped', 'provider', 'PickedUp'],
			['REF-NotPickedUp', 'on_hold', 'provider', 'NotPickedUp'],
			['REF-Canceled', 'cancelled', 'provider', 'Canceled'],
			['REF-Delivered', 'delivered', 'keyword', 'Delivered'],
			['REF-Zebra', 'unknown', 'unknown', 'Zebra'],
		]);
		const [first] = json(result);
		const stored = sim.listAllOrders()[0];
		expect(first).toMatchObject({
			provider: 'ppl-cpl',
			statusLabel: 'Pending',
			isFinal: false,
			details: {
				lookedUpBy: 'orderReference',
				orderNumber: stored.orderNumber,
				referenceId: 'REF-None',
				customerReference: 'CUST-1',
				orderType: 'CollectionOrder',
				productType: 'BUSS',
				shipmentNumbers: ['40000000001'],
				shipmentCount: 1,
				sendDate: stored.sendDate,
			},
			raw: stored,
		});
		expect(json(result)[4]).toMatchObject({ isFinal: true });
		// One request for all seven, with the documented query names.
		expect(orderRequests().map((req) => [...req.query.keys()])).toEqual([
			[...states.map(() => 'OrderReferences'), 'Limit', 'Offset'],
		]);
		expect(orderRequests()[0].query.get('Limit')).toBe('1000');
		expect(orderRequests()[0].query.get('Offset')).toBe('0');
		expect(sim.getCounters().unknownQueryParams).toEqual({});
	});

	test('120 items cost exactly 3 requests; every item gets its own status, pairing and order kept', async () => {
		const ids = Array.from({ length: 120 }, (_, i) => `ORD-${String(i).padStart(3, '0')}`);
		const states: PplOrderState[] = ['Created', 'PickedUp', 'NotPickedUp', 'Canceled', 'None'];
		ids.forEach((id, i) => sim.addOrder({ referenceId: id, orderState: states[i % states.length] }));
		// The second group answers last, so answers arrive out of order.
		sim.injectFault({
			route: PPL_ROUTES.orders,
			fault: { kind: 'delay', ms: 300 },
			when: (req) => req.query.getAll('OrderReferences').includes('ORD-050'),
		});
		const result = await runItems(TRACKING, store, ids.map((orderId) => ({ orderId })));
		const items = result.output(NODE);
		expect(items.map((item) => item.json.orderId)).toEqual(ids);
		expect(items.map((item) => item.pairedItem)).toEqual(ids.map((_, i) => ({ item: i })));
		expect(items.map((item) => item.json.statusRaw)).toEqual(ids.map((_, i) => states[i % states.length]));
		expect(items.map((item) => (item.json.details as IDataObject).referenceId)).toEqual(ids);
		expect(sim.count(PPL_ROUTES.orders)).toBe(3);
		expect(orderRequests().map((req) => req.query.getAll('OrderReferences').length).sort()).toEqual([20, 50, 50]);
	});

	test('duplicates are asked once and answered for every item', async () => {
		sim.addOrder({ referenceId: 'R1', orderState: 'PickedUp' });
		sim.addOrder({ referenceId: 'R2', orderState: 'Created' });
		const result = await runItems(TRACKING, store, [{ orderId: 'R1' }, { orderId: 'R2' }, { orderId: 'R1' }]);
		expect(json(result).map((item) => [item.orderId, item.status])).toEqual([
			['R1', 'shipped'],
			['R2', 'accepted'],
			['R1', 'shipped'],
		]);
		expect(orderRequests().map((req) => req.query.getAll('OrderReferences'))).toEqual([['R1', 'R2']]);
	});

	test('by order number and by customer reference; several matching orders all come out, paired to their item', async () => {
		const first = sim.addOrder({ referenceId: 'R1', customerReference: 'SHOP-7', orderState: 'Created' });
		sim.addOrder({ referenceId: 'R2', customerReference: 'SHOP-7', orderState: 'PickedUp' });
		sim.addOrder({ referenceId: 'R3', customerReference: 'SHOP-8', orderState: 'Canceled' });

		const byNumber = await runItems(tracking({ lookUpBy: 'orderNumber' }), store, [{ orderId: first.orderNumber }]);
		expect(json(byNumber)).toMatchObject([
			{ orderId: first.orderNumber, status: 'accepted', details: { lookedUpBy: 'orderNumber', referenceId: 'R1' } },
		]);
		expect(orderRequests()[0].query.getAll('OrderNumbers')).toEqual([first.orderNumber]);

		sim.resetStats();
		const byCustomer = await runItems(tracking({ lookUpBy: 'customerReference' }), store, [
			{ orderId: 'SHOP-7' },
			{ orderId: 'SHOP-8' },
		]);
		const items = byCustomer.output(NODE);
		expect(items.map((item) => [item.json.orderId, (item.json.details as IDataObject).referenceId, item.pairedItem])).toEqual([
			['SHOP-7', 'R1', { item: 0 }],
			['SHOP-7', 'R2', { item: 0 }],
			['SHOP-8', 'R3', { item: 1 }],
		]);
		expect(orderRequests().map((req) => req.query.getAll('CustomerReferences'))).toEqual([['SHOP-7', 'SHOP-8']]);
	});

	test('matching is case-sensitive on the looked-up field, whatever else PPL sends back', async () => {
		const order = (referenceId: string, orderState: string) => ({ ...sim.addOrder({ referenceId, orderState: orderState as PplOrderState }) });
		const rows = [order('abc-1', 'Canceled'), order('ABC-1', 'PickedUp'), order('other', 'None')];
		sim.injectFault({
			route: PPL_ROUTES.orders,
			fault: { kind: 'raw', status: 200, contentType: 'application/json', body: JSON.stringify(rows) },
		});
		const result = await runItems(continuing(TRACKING, 'continueRegularOutput'), store, [{ orderId: 'ABC-1' }, { orderId: 'Abc-1' }]);
		expect(json(result)[0]).toMatchObject({ orderId: 'ABC-1', status: 'shipped' });
		expect(itemError(json(result)[1]).message).toBe('PPL has no order with order reference Abc-1');
	});

	test('a group\'s answer is never cut by Limit: the next page is asked for', async () => {
		for (let i = 0; i < 1005; i++) sim.addOrder({ referenceId: `R-${i}`, customerReference: 'BIG-CUSTOMER' });
		sim.addOrder({ referenceId: 'R-other', customerReference: 'SMALL' });
		const result = await runItems(tracking({ lookUpBy: 'customerReference' }), store, [
			{ orderId: 'BIG-CUSTOMER' },
			{ orderId: 'SMALL' },
		]);
		const items = result.output(NODE);
		expect(items).toHaveLength(1006);
		expect(items.filter((item) => item.pairedItem && (item.pairedItem as { item: number }).item === 0)).toHaveLength(1005);
		expect(orderRequests().map((req) => [req.query.get('Limit'), req.query.get('Offset')])).toEqual([
			['1000', '0'],
			['1000', '1000'],
		]);
	});

	test('an id PPL does not return is an error for that item only', async () => {
		sim.addOrder({ referenceId: 'R1', orderState: 'Created' });
		sim.addOrder({ referenceId: 'R3', orderState: 'PickedUp' });
		const result = await runItems(continuing(TRACKING, 'continueRegularOutput'), store, [
			{ orderId: 'R1' },
			{ orderId: 'MISSING-2' },
			{ orderId: 'R3' },
		]);
		const items = result.output(NODE);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect([items[0].json.status, items[2].json.status]).toEqual(['accepted', 'shipped']);
		expect(items[1].json).toEqual({
			provider: 'ppl-cpl',
			orderId: 'MISSING-2',
			error: {
				message: 'PPL has no order with order reference MISSING-2',
				description:
					'PPL\'s order list (GET /order) did not include it. Check the value and "Look Up By"; an order exists only once its batch import is Complete.',
				httpCode: null,
				providerCode: null,
			},
		});
		expect(sim.count(PPL_ROUTES.orders)).toBe(1);
	});

	test('without "continue", a missing order fails the node with its item index', async () => {
		sim.addOrder({ referenceId: 'R1' });
		const result = await runItems(TRACKING, store, [{ orderId: 'R1' }, { orderId: 'MISSING' }]);
		expect(runError(result)).toMatchObject({
			message: 'PPL has no order with order reference MISSING',
			context: { itemIndex: 1 },
		});
	});

	test('the error output gets the failing item with its pairing; the found ones stay on the main output', async () => {
		sim.addOrder({ referenceId: 'R1', orderState: 'PickedUp' });
		const result = await runItems(continuing(TRACKING, 'continueErrorOutput'), store, [
			{ orderId: 'R1' },
			{ orderId: 'MISSING' },
			{ orderId: '' },
		]);
		expect(result.outputCount(NODE)).toBe(2);
		expect(json(result, 0).map((item) => item.orderId)).toEqual(['R1']);
		const errors = result.output(NODE, 1);
		expect(errors.map((item) => item.pairedItem)).toEqual([{ item: 1 }, { item: 2 }]);
		expect(errors.map((item) => item.json)).toEqual([
			{
				orderId: 'MISSING',
				error: expect.objectContaining({
					provider: 'ppl-cpl',
					orderId: 'MISSING',
					message: 'PPL has no order with order reference MISSING',
					httpCode: null,
					providerCode: null,
				}),
			},
			{
				orderId: '',
				error: expect.objectContaining({ provider: 'ppl-cpl', orderId: '', message: 'Order reference is empty', httpCode: null, providerCode: null }),
			},
		]);
	});

	describe('PPL answers one object instead of a list (as its docs show)', () => {
		test('a single object is read as one order', async () => {
			sim.orderResponseShape = 'object';
			sim.addOrder({ referenceId: 'R1', orderState: 'PickedUp' });
			const result = await runItems(TRACKING, store, [{ orderId: 'R1' }]);
			expect(json(result)).toMatchObject([{ orderId: 'R1', status: 'shipped' }]);
			expect(sim.count(PPL_ROUTES.orders)).toBe(1);
		});

		test('for a group, the ids the one object does not answer are asked one by one', async () => {
			sim.orderResponseShape = 'object';
			sim.addOrder({ referenceId: 'R1', orderState: 'PickedUp' });
			sim.addOrder({ referenceId: 'R2', orderState: 'Canceled' });
			const result = await runItems(continuing(TRACKING, 'continueRegularOutput'), store, [
				{ orderId: 'R1' },
				{ orderId: 'R2' },
				{ orderId: 'NOPE' },
			]);
			const items = json(result);
			expect(items.slice(0, 2)).toMatchObject([
				{ orderId: 'R1', status: 'shipped' },
				{ orderId: 'R2', status: 'cancelled' },
			]);
			expect(itemError(items[2]).message).toBe('PPL has no order with order reference NOPE');
			expect(orderRequests().map((req) => req.query.getAll('OrderReferences'))).toEqual([
				['R1', 'R2', 'NOPE'],
				['R2'],
				['NOPE'],
			]);
		});
	});

	test('expressions: the id from nested input (numbers too) and Look Up By per item', async () => {
		const byNumber = sim.addOrder({ referenceId: 'R1', orderState: 'Created' });
		sim.addOrder({ referenceId: 'R2', orderState: 'PickedUp' });
		const workflow = tracking({ orderId: '={{ $json.order.id }}', lookUpBy: '={{ $json.by }}' });
		const result = await runItems(workflow, store, [
			{ order: { id: Number(byNumber.orderNumber) }, by: 'orderNumber' },
			{ order: { id: 'R2' }, by: 'orderReference' },
		]);
		expect(json(result).map((item) => [item.orderId, item.status])).toEqual([
			[byNumber.orderNumber, 'accepted'],
			['R2', 'shipped'],
		]);
		expect(orderRequests().map((req) => [...req.query.keys()][0]).sort()).toEqual(['OrderNumbers', 'OrderReferences']);

		const wrong = await runItems(continuing(workflow, 'continueRegularOutput'), store, [{ order: { id: 'R2' }, by: 'shipment' }]);
		expect(itemError(json(wrong)[0]).message).toBe(
			'"Look Up By" must be Order Reference, Order Number or Customer Reference',
		);
	});

	test('custom status mapping wins; raw can be turned off; Language goes out as Accept-Language', async () => {
		sim.addOrder({ referenceId: 'R1', orderState: 'NotPickedUp' });
		const plain = await runItems(TRACKING, store, [{ orderId: 'R1' }]);
		expect(json(plain)[0]).toHaveProperty('raw');
		expect(sim.getCounters().acceptLanguages).toEqual({ 'en-US': 1 });

		sim.resetStats();
		const workflow = tracking({
			options: {
				includeRaw: false,
				language: 'cs-CZ',
				customStatusMapping: { mappings: [{ providerValue: 'notpickedup', status: 'cancelled' }] },
			},
		});
		const [item] = json(await runItems(workflow, store, [{ orderId: 'R1' }]));
		expect(item).toMatchObject({ status: 'cancelled', statusSource: 'custom', statusRaw: 'NotPickedUp', isFinal: true });
		expect(item).not.toHaveProperty('raw');
		expect(sim.getCounters().acceptLanguages).toEqual({ 'cs-CZ': 1 });
	});

	describe('ids', () => {
		const refused: Array<[string, IDataObject[string], RegExp]> = [
			['empty', '', /^Order reference is empty$/],
			['whitespace', '  \t ', /^Order reference is empty$/],
			['null', null, /^Order reference is empty$/],
			['10,000 characters', 'x'.repeat(10_000), /10000 characters long/],
			['a line break', 'R1\nR2', /control characters/],
			['a tab inside', 'R1\tR2', /control characters/],
			['an object', { id: 1 }, /must be text or a number, but the expression gave an object/],
			['a list', ['R1'], /must be text or a number, but the expression gave a list/],
		];

		test.each(refused)('%s is refused before any request', async (_name, value, message) => {
			const result = await runItems(continuing(TRACKING, 'continueRegularOutput'), store, [{ orderId: value }]);
			expect(itemError(json(result)[0]).message).toMatch(message);
			expect(sim.stats.requests).toBe(0);
		});

		test('hostile but valid ids travel as query values, unchanged, on the documented route', async () => {
			const hostile = ['..', '../x', '%2e%2e/', '?', '#', 'a&Limit=1', 'ørder-🚚'];
			hostile.forEach((referenceId) => sim.addOrder({ referenceId, orderState: 'PickedUp' }));
			const result = await runItems(TRACKING, store, hostile.map((orderId) => ({ orderId })));
			expect(json(result).map((item) => [item.orderId, item.status])).toEqual(hostile.map((id) => [id, 'shipped']));
			expect(orderRequests().map((req) => [req.rawPath, req.query.getAll('OrderReferences'), req.query.getAll('Limit')])).toEqual([
				['/order', hostile, ['1000']],
			]);
			expect(sim.unmatched).toEqual([]);
		});
	});
});

describe('errors and retries', () => {
	test('problem details become a message that names the field', async () => {
		sim.injectFault({
			route: PPL_ROUTES.orders,
			fault: problemFault(400, null, {
				OrderNumbers: ["The field OrderNumbers must be a string or array type with a maximum length of '50'."],
			}),
		});
		const result = await runItems(tracking({ lookUpBy: 'orderNumber' }), store, [{ orderId: '123' }]);
		expect(runError(result)).toMatchObject({
			message:
				"PPL: One or more validation errors occurred: OrderNumbers: The field OrderNumbers must be a string or array type with a maximum length of '50'.",
			httpCode: '400',
		});
		expect(sim.count(PPL_ROUTES.orders)).toBe(1);
	});

	test('every request carries its own X-Correlation-ID, and an error quotes it', async () => {
		sim.addOrder({ referenceId: 'R1' });
		await runItems(TRACKING, store, [{ orderId: 'R1' }]);
		sim.injectFault({ route: PPL_ROUTES.orders, fault: problemFault(500, 'Unexpected failure.') });
		const result = await runItems(tracking({ options: { maxRetries: 0 } }), store, [{ orderId: 'R1' }]);
		const correlationIds = orderRequests().map((req) => req.headers['x-correlation-id']);
		expect(new Set(correlationIds).size).toBe(2);
		expect(correlationIds.every((id) => /^[0-9a-f-]{36}$/.test(String(id)))).toBe(true);
		expect(runError(result)).toMatchObject({
			message: 'PPL: Unexpected failure.',
			description: `HTTP 500 An error occurred while processing your request. Correlation ID: ${correlationIds[1]}`,
		});
	});

	test.each([429, 503])('HTTP %d is retried, and the request count proves it', async (status) => {
		sim.addOrder({ referenceId: 'R1', orderState: 'PickedUp' });
		sim.injectFault({
			route: PPL_ROUTES.orders,
			fault: { ...problemFault(status, 'Try again later.'), headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'retry-after': '0' } },
			times: 2,
		});
		const result = await runItems(TRACKING, store, [{ orderId: 'R1' }]);
		expect(json(result)).toMatchObject([{ status: 'shipped' }]);
		expect(sim.count(PPL_ROUTES.orders)).toBe(3);
	});

	test('a batch read is retried too, and gives up with a count when retries run out', async () => {
		const batchId = randomUUID();
		sim.addBatch(batchId, [{ referenceId: 'R1', importState: 'Complete' }]);
		sim.injectFault({ route: PPL_ROUTES.orderBatch, fault: { ...problemFault(503, null), headers: { 'retry-after': '0' } } });
		const result = await runItems(batch({ options: { maxRetries: 2 } }), store, [{ batchId }]);
		expect(runError(result)).toMatchObject({ message: 'PPL: Service Unavailable (after 2 retries)', httpCode: '503' });
		expect(sim.count(PPL_ROUTES.orderBatch)).toBe(3);
	});

	test('one failed group fails only its own items (continue on fail)', async () => {
		const ids = Array.from({ length: 60 }, (_, i) => `R${i}`);
		ids.forEach((referenceId) => sim.addOrder({ referenceId }));
		sim.injectFault({
			route: PPL_ROUTES.orders,
			fault: problemFault(400, 'Broken group.'),
			when: (req) => req.query.getAll('OrderReferences').includes('R55'),
		});
		const result = await runItems(continuing(TRACKING, 'continueRegularOutput'), store, ids.map((orderId) => ({ orderId })));
		const items = json(result);
		expect(items.slice(0, 50).every((item) => item.status === 'accepted')).toBe(true);
		expect(items.slice(50).map((item) => itemError(item).message)).toEqual(ids.slice(50).map(() => 'PPL: Broken group.'));
	});
});
