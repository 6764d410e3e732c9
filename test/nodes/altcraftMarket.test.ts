import * as n8nWorkflow from 'n8n-workflow';
import type { IDataObject } from 'n8n-workflow';

import { testCredential } from '../harness/credentialTest';
import {
	CredentialStore,
	fixture,
	runWorkflow,
	withNodeSettings,
	withParameters,
	type RunResult,
} from '../harness/runWorkflow';
import { leakedSecrets, visibleText } from '../harness/secretScan';
import { ALTCRAFT_ROUTES, AltcraftSimulator } from '../simulators/altcraft';
import { SECRETS } from '../providers';

const NODE = 'Altcraft Market';
const WORKFLOW = fixture('altcraft-get-status.workflow.json');

let sim: AltcraftSimulator;
let store: CredentialStore;

beforeAll(async () => {
	sim = new AltcraftSimulator({ token: SECRETS.altcraftToken });
	await sim.start();
});
afterAll(async () => await sim.stop());

beforeEach(() => {
	sim.orders.length = 0;
	sim.resultShape = 'object';
	sim.latencyMs = 0;
	sim.clearFaults();
	sim.resetStats();
	store = new CredentialStore();
	store.add({
		id: 'altcraft-1',
		name: 'Altcraft test account',
		type: 'altcraftApi',
		data: { baseUrl: sim.url, apiToken: SECRETS.altcraftToken },
	});
});

const run = async (orderIds: unknown[], workflow = WORKFLOW) =>
	await runWorkflow(workflow, { credentials: store, input: orderIds.map((orderId) => ({ orderId }) as IDataObject) });

const json = (result: RunResult, output = 0) => result.output(NODE, output).map((item) => item.json);

describe('Altcraft Market: get order status', () => {
	test.each([
		['new', 'accepted', 'Accepted', false],
		['paid', 'processing', 'Processing', false],
		['delivered', 'delivered', 'Delivered', true],
		['canceled', 'cancelled', 'Cancelled', true],
		['part_refunded', 'returned', 'Returned', true],
	])('order status %s → %s', async (raw, status, label, isFinal) => {
		sim.addOrder({ external_id: 'A598t32D', status: raw, endpoint: 'marketplace' });
		const result = await run(['A598t32D']);
		expect(result.error).toBeUndefined();
		const [item] = json(result);
		expect(item).toMatchObject({
			provider: 'altcraft-market',
			orderId: 'A598t32D',
			status,
			statusLabel: label,
			statusRaw: raw,
			statusSource: 'provider',
			isFinal,
			details: { endpoint: 'marketplace' },
			raw: { error: 0, error_text: '', result: { endpoint: 'marketplace', status: raw } },
		});
		expect(Date.parse(item.checkedAt as string)).not.toBeNaN();
		expect(sim.requests[0].body).toEqual({ external_id: 'A598t32D', token: SECRETS.altcraftToken });
	});

	test('values outside the documented set go through the keyword rules, or stay unknown with the raw value', async () => {
		sim.addOrder({ external_id: 'K1', status: 'in_transit' });
		sim.addOrder({ external_id: 'U1', status: 'zebra' });
		const [keyword, unknown] = json(await run(['K1', 'U1']));
		expect(keyword).toMatchObject({ status: 'shipped', statusSource: 'keyword', statusRaw: 'in_transit' });
		expect(unknown).toMatchObject({ status: 'unknown', statusSource: 'unknown', statusRaw: 'zebra', isFinal: false });
	});

	test('by internal id: sends a number as `id`', async () => {
		sim.addOrder({ id: 42, external_id: 'X-42', status: 'paid' });
		const result = await run([' 42 '], withParameters(WORKFLOW, NODE, { identifyBy: 'id' }));
		expect(json(result)[0]).toMatchObject({ orderId: '42', status: 'processing' });
		expect(sim.requests[0].body).toEqual({ id: 42, token: SECRETS.altcraftToken });
	});

	test('an internal id that is not a whole number is refused before any request', async () => {
		const workflow = withNodeSettings(withParameters(WORKFLOW, NODE, { identifyBy: 'id' }), NODE, {
			onError: 'continueRegularOutput',
		});
		const result = await run(["12a", "0"], workflow);
		const items = json(result);
		expect(items.map((item) => (item.error as { message: string }).message)).toEqual([
			'Order ID must be a whole positive number, but it is "12a"',
			'Order ID must be a whole positive number, but it is "0"',
		]);
		expect(sim.stats.requests).toBe(0);
	});

	test('accepts `result` as an array (the docs type it as one)', async () => {
		sim.resultShape = 'array';
		sim.addOrder({ external_id: 'A1', status: 'delivered' });
		expect(json(await run(['A1']))[0]).toMatchObject({ status: 'delivered' });
	});

	test('reads the order id from an expression over nested input, numbers included', async () => {
		sim.addOrder({ external_id: '1001', status: 'new' });
		sim.addOrder({ external_id: 'B-7', status: 'paid' });
		const workflow = withParameters(WORKFLOW, NODE, { orderId: '={{ $json.order.number }}' });
		const result = await runWorkflow(workflow, {
			credentials: store,
			input: [{ order: { number: 1001 } }, { order: { number: 'B-7' } }],
		});
		expect(json(result).map((item) => [item.orderId, item.status])).toEqual([
			['1001', 'accepted'],
			['B-7', 'processing'],
		]);
	});

	test('custom status mapping wins; raw can be turned off', async () => {
		sim.addOrder({ external_id: 'A1', status: 'paid' });
		const workflow = withParameters(WORKFLOW, NODE, {
			options: {
				includeRaw: false,
				customStatusMapping: { mappings: [{ providerValue: 'PAID', status: 'shipped' }] },
			},
		});
		const [item] = json(await run(['A1'], workflow));
		expect(item).toMatchObject({ status: 'shipped', statusSource: 'custom', statusRaw: 'paid' });
		expect(item).not.toHaveProperty('raw');
	});
});

describe('errors', () => {
	test('an error envelope with HTTP 200 fails the node with the item index and Altcraft\'s text', async () => {
		sim.addOrder({ external_id: 'A1', status: 'new' });
		const result = await run(['A1', 'missing']);
		expect(result.error?.message).toBe('Altcraft: Order not found (error 404)');
		expect((result.error as unknown as { context: { itemIndex: number } }).context.itemIndex).toBe(1);
	});

	test('a refused token names the credential and is not retried', async () => {
		store.add({
			id: 'altcraft-1',
			name: 'Altcraft test account',
			type: 'altcraftApi',
			data: { baseUrl: sim.url, apiToken: 'SECRET-wrong-token-000' },
		});
		sim.addOrder({ external_id: 'A1', status: 'new' });
		const result = await run(['A1']);
		expect(result.error?.message).toBe('Altcraft: No access: invalid token (error 403)');
		expect((result.error as unknown as { description: string }).description).toMatch(/"Altcraft API" credential/);
		expect(sim.stats.requests).toBe(1);
	});

	test('with "continue", a refused token fails every item after ONE request instead of one per item', async () => {
		store.add({
			id: 'altcraft-1',
			name: 'Altcraft test account',
			type: 'altcraftApi',
			data: { baseUrl: sim.url, apiToken: 'SECRET-wrong-token-000' },
		});
		const workflow = withNodeSettings(WORKFLOW, NODE, { onError: 'continueRegularOutput' });
		const items = json(await run(['A1', 'A2', 'A3', 'A4', 'A5'], workflow));
		expect(items.map((item) => (item.error as { message: string }).message)).toEqual(
			Array(5).fill('Altcraft: No access: invalid token (error 403)'),
		);
		expect(sim.stats.requests).toBe(1);
	});

	test('HTTP errors without an envelope are reported with their status', async () => {
		sim.injectFault({ fault: { kind: 'status', status: 404, body: '<html>gone</html>' } });
		const result = await run(['A1']);
		expect(result.error?.message).toBe('Altcraft: HTTP 404');
		expect((result.error as unknown as { httpCode: string }).httpCode).toBe('404');
	});

	test.each([
		['HTML with status 200', { kind: 'raw', contentType: 'text/html', body: '<html><body>Maintenance</body></html>' }],
		['truncated JSON', { kind: 'raw', contentType: 'application/json', body: '{"error":0,"result":{"sta' }],
		['an empty body', { kind: 'raw', contentType: 'application/json', body: '' }],
		['a body of the wrong type', { kind: 'raw', contentType: 'application/json', body: '[1,2,3]' }],
		['no error field', { kind: 'raw', contentType: 'application/json', body: '{"result":{"status":"new"}}' }],
		['no status', { kind: 'raw', contentType: 'application/json', body: '{"error":0,"error_text":"","result":{}}' }],
	] as const)('%s is a clear error, not a crash', async (_name, fault) => {
		sim.injectFault({ fault: fault as never });
		const result = await run(['A1']);
		expect(result.error?.message).toMatch(/^Altcraft (sent an answer that cannot be read|answered without an order status)/);
		expect(json(result)).toEqual([]);
	});
});

describe('Max Requests per Second', () => {
	/** 25 orders against a simulator that takes 10 requests in any sliding second (429 + Retry-After above it). */
	const limitedRun = async (options: IDataObject) => {
		const ids = Array.from({ length: 25 }, (_, i) => `R-${i}`);
		ids.forEach((id) => sim.addOrder({ external_id: id, status: 'paid' }));
		sim.rateLimit = { limit: 10, windowMs: 1000 };
		try {
			const result = await run(ids, withParameters(WORKFLOW, NODE, { options }));
			return { ids, result, arrivals: sim.requests.map((request) => request.receivedAt) };
		} finally {
			sim.rateLimit = undefined;
		}
	};

	test("set to the provider's limit: no request is refused, every order gets its status, and the requests take their time", async () => {
		const { ids, result, arrivals } = await limitedRun({ maxRequestsPerSecond: 10, maxConcurrency: 5 });
		expect(result.error).toBeUndefined();
		expect(json(result).map((item) => [item.orderId, item.status])).toEqual(ids.map((id) => [id, 'processing']));
		expect(sim.stats.rateLimited).toBe(0);
		expect(sim.count(ALTCRAFT_ROUTES.getStatus)).toBe(25);
		// 25 starts at least 100 ms apart: the arrivals span about 24 × 104 ms (a lower bound, whatever the machine does).
		expect(arrivals[arrivals.length - 1] - arrivals[0]).toBeGreaterThanOrEqual(24 * 100 - 50);
	});

	test('not set (as in saved workflows): the node learns the rate from the first 429, as before', async () => {
		const { ids, result } = await limitedRun({ maxConcurrency: 5 });
		expect(json(result).map((item) => [item.orderId, item.status])).toEqual(ids.map((id) => [id, 'processing']));
		expect(sim.stats.rateLimited).toBeGreaterThan(0);
	});
});

describe('retries', () => {
	test.each([429, 502, 503, 504, 500])('HTTP %d is retried, and the request count proves it', async (status) => {
		sim.addOrder({ external_id: 'A1', status: 'delivered' });
		sim.injectFault({ fault: { kind: 'status', status, headers: { 'retry-after': '0' } }, times: 2 });
		const result = await run(['A1']);
		expect(json(result)[0]).toMatchObject({ status: 'delivered' });
		expect(sim.count(ALTCRAFT_ROUTES.getStatus)).toBe(3);
	});

	test('a connection reset is retried', async () => {
		sim.addOrder({ external_id: 'A1', status: 'new' });
		sim.injectFault({ fault: { kind: 'reset' }, times: 1 });
		expect(json(await run(['A1']))[0]).toMatchObject({ status: 'accepted' });
		expect(sim.count(ALTCRAFT_ROUTES.getStatus)).toBe(2);
	});

	test('Retry-After is honoured', async () => {
		sim.addOrder({ external_id: 'A1', status: 'new' });
		sim.injectFault({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, times: 1 });
		// What the client decides to wait, and what the simulator had seen when the wait began and ended (the wait
		// itself stays real: nothing here measures it).
		const waits: Array<{ ms: number; requestsBefore: number; requestsAfter?: number }> = [];
		const realSleep = n8nWorkflow.sleep;
		const sleep = jest.spyOn(n8nWorkflow, 'sleep').mockImplementation(async (ms: number) => {
			const wait: (typeof waits)[number] = { ms, requestsBefore: sim.requests.length };
			waits.push(wait);
			await realSleep(ms);
			wait.requestsAfter = sim.requests.length;
		});
		try {
			expect(json(await run(['A1']))[0]).toMatchObject({ status: 'accepted' });
		} finally {
			sleep.mockRestore();
		}
		expect(sim.count(ALTCRAFT_ROUTES.getStatus)).toBe(2);
		// One wait of the full Retry-After, after the 429 and before the retry was sent. (Millisecond waits are the
		// node giving a request on its way the event loop before it maps the answer: not a retry wait.)
		expect(waits.filter((wait) => wait.ms > 1)).toEqual([{ ms: 1000, requestsBefore: 1, requestsAfter: 1 }]);
	});

	test('when retries run out the error says so; permanent errors are not retried', async () => {
		sim.injectFault({ fault: { kind: 'status', status: 503, headers: { 'retry-after': '0' } } });
		const workflow = withParameters(WORKFLOW, NODE, { options: { maxRetries: 2 } });
		const result = await run(['A1'], workflow);
		expect(result.error?.message).toBe('Altcraft: HTTP 503 (after 2 retries)');
		expect(sim.count(ALTCRAFT_ROUTES.getStatus)).toBe(3);

		sim.clearFaults();
		sim.resetStats();
		sim.injectFault({ fault: { kind: 'status', status: 400, body: { error: 400, error_text: 'Incorrect request' } } });
		await run(['A1']);
		expect(sim.count(ALTCRAFT_ROUTES.getStatus)).toBe(1);
	});

	test('a hanging provider is cut off by the timeout, then retried', async () => {
		sim.addOrder({ external_id: 'A1', status: 'paid' });
		// The simulator holds the first request for up to 20 s, then drops it itself: far above the node's 1 s
		// timeout, far below its 30 s default, so only the configured timeout can be what closed it.
		sim.injectFault({ fault: { kind: 'hang', ms: 20_000 }, times: 1 });
		const workflow = withParameters(WORKFLOW, NODE, { options: { timeout: 1000 } });
		const result = await run(['A1'], workflow);
		expect(json(result)[0]).toMatchObject({ status: 'processing' });
		expect(sim.count(ALTCRAFT_ROUTES.getStatus)).toBe(2);
		const [hung, retried] = sim.requests;
		expect({ request: 'first get_status, hung by the simulator for up to 20 s', closedByClient: hung.closedByClient }).toEqual({
			request: 'first get_status, hung by the simulator for up to 20 s',
			closedByClient: true,
		});
		expect(retried.closedByClient).toBeUndefined();
	});
});

describe('many items', () => {
	test('concurrency is bounded and the output keeps the input order', async () => {
		const ids = Array.from({ length: 30 }, (_, i) => `O-${i}`);
		ids.forEach((id, i) => sim.addOrder({ external_id: id, status: i % 2 ? 'paid' : 'new' }));
		const externalId = (req: { body: unknown }) => (req.body as { external_id?: string } | undefined)?.external_id;
		// O-1 … O-3 are answered only once the last order has been asked for: answers arrive out of order, and
		// while the last request is in flight the three held ones are too (four at once, the limit).
		const lastAsked = sim.waitForRequest((req) => externalId(req) === 'O-29', 'the get_status request for O-29');
		sim.injectFault({
			fault: { kind: 'hold', until: lastAsked },
			when: (req) => ['O-1', 'O-2', 'O-3'].includes(externalId(req) ?? ''),
		});
		const workflow = withParameters(WORKFLOW, NODE, { options: { maxConcurrency: 4 } });
		const result = await run(ids, workflow);
		await lastAsked;
		const items = result.output(NODE);
		expect(items.map((item) => item.json.orderId)).toEqual(ids);
		expect(items.map((item) => item.pairedItem)).toEqual(ids.map((_, i) => ({ item: i })));
		expect(sim.stats.maxConcurrent).toBe(4);
	});

	test('continue (regular output): a failed item becomes an error item in place, the others carry on', async () => {
		sim.addOrder({ external_id: 'A1', status: 'new' });
		sim.addOrder({ external_id: 'A3', status: 'delivered' });
		const workflow = withNodeSettings(WORKFLOW, NODE, { onError: 'continueRegularOutput' });
		const items = (await run(['A1', 'missing', 'A3'], workflow)).output(NODE);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		// httpCode is the HTTP status of Altcraft's answer (200); providerCode is Altcraft's own error code.
		expect(items[1].json).toEqual({
			provider: 'altcraft-market',
			orderId: 'missing',
			error: { message: 'Altcraft: Order not found (error 404)', httpCode: '200', providerCode: '404' },
		});
		expect([items[0].json.status, items[2].json.status]).toEqual(['accepted', 'delivered']);
	});

	test('continue (error output): failed items go to the error output with their pairing', async () => {
		sim.addOrder({ external_id: 'A1', status: 'new' });
		const workflow = withNodeSettings(WORKFLOW, NODE, { onError: 'continueErrorOutput' });
		const result = await run(['A1', 'missing', '   '], workflow);
		expect(result.outputCount(NODE)).toBe(2);
		expect(json(result, 0).map((item) => item.orderId)).toEqual(['A1']);
		const errors = result.output(NODE, 1);
		expect(errors.map((item) => item.pairedItem)).toEqual([{ item: 1 }, { item: 2 }]);
		// n8n merges the input item into error items, so its fields (here `orderId`) come along.
		expect(errors.map((item) => item.json)).toEqual([
			{
				orderId: 'missing',
				error: {
					provider: 'altcraft-market',
					orderId: 'missing',
					message: 'Altcraft: Order not found (error 404)',
					httpCode: '200',
					providerCode: '404',
				},
			},
			{
				orderId: '   ',
				error: {
					provider: 'altcraft-market',
					orderId: '',
					message: 'Order ID is empty',
					description: 'No request was sent for this item. Check the value or expression of the identifier.',
					httpCode: null,
					providerCode: null,
				},
			},
		]);
	});
});

describe('bad input never becomes a request', () => {
	const refused: Array<[string, unknown, RegExp]> = [
		['empty', '', /is empty/],
		['whitespace', '   \t ', /is empty/],
		['null', null, /is empty/],
		['10,000 characters', 'x'.repeat(10_000), /10000 characters long/],
		['a line break', 'A1\nA2', /control characters/],
		['a NUL byte', 'A1\u0000', /control characters/],
		['an object', { id: 1 }, /must be text or a number, but the expression gave an object/],
		['a list', ['A1'], /must be text or a number, but the expression gave a list/],
	];

	test.each(refused)('%s is refused with a clear error', async (_name, value, message) => {
		const workflow = withNodeSettings(
			withParameters(WORKFLOW, NODE, { orderId: '={{ $json.orderId }}' }),
			NODE,
			{ onError: 'continueRegularOutput' },
		);
		const [item] = json(await run([value], workflow));
		expect((item.error as { message: string }).message).toMatch(message);
		expect(sim.stats.requests).toBe(0);
	});

	test('without "continue", the node fails on the first bad item with its index; nothing from it on is sent', async () => {
		sim.addOrder({ external_id: 'A1', status: 'new' });
		const result = await run(['A1', '', 'A2']);
		expect(result.error?.message).toBe('Order ID is empty');
		expect((result.error as unknown as { context: { itemIndex: number } }).context.itemIndex).toBe(1);
		// Items are read as the requests go: the one before the bad item was already asked, none after it.
		expect(sim.requests.map((req) => (req.body as { external_id: string }).external_id)).toEqual(['A1']);
	});

	test('an Order ID expression that throws fails only its item under "continue"', async () => {
		sim.addOrder({ external_id: 'A1', status: 'new' });
		const workflow = withNodeSettings(
			withParameters(WORKFLOW, NODE, { orderId: "={{ $json.order ? $json.order.id.toUpperCase() : $('No such node').item.json.id }}" }),
			NODE,
			{ onError: 'continueRegularOutput' },
		);
		const result = await runWorkflow(workflow, { credentials: store, input: [{ order: { id: 'a1' } }, {}] });
		expect(result.error).toBeUndefined();
		const [good, bad] = json(result);
		expect(good).toMatchObject({ orderId: 'A1', status: 'accepted' });
		expect(bad).toMatchObject({ orderId: null, error: { message: "Referenced node doesn't exist" } });
		expect(sim.requests).toHaveLength(1);
	});

	test('hostile but valid ids travel inside the JSON body, unchanged, on the documented route', async () => {
		const hostile = ['../etc/passwd', '%2e%2e/', 'a?b#c', '/', 'ørder-🚚'];
		hostile.forEach((id) => sim.addOrder({ external_id: id, status: 'new' }));
		const items = json(await run(hostile));
		expect(items.map((item) => item.status)).toEqual(hostile.map(() => 'accepted'));
		expect(sim.requests.map((req) => [req.rawPath, (req.body as { external_id: string }).external_id])).toEqual(
			hostile.map((id) => ['/api/v1.1/market/orders/get_status', id]),
		);
		expect(sim.unmatched).toEqual([]);
	});
});

describe('secrets', () => {
	test('the API token appears in no output, error or log line, whatever happens', async () => {
		sim.addOrder({ external_id: 'A1', status: 'new' });
		// A provider that echoes the token back in its error text must not leak it either.
		sim.injectFault({
			fault: { kind: 'status', status: 400, body: { error: 400, error_text: `bad token ${SECRETS.altcraftToken}` } },
			when: (req) => (req.body as { external_id: string }).external_id === 'echo',
		});
		const results = [
			await run(['A1']),
			await run(['missing']),
			await run(['echo']),
			await run(['echo', 'A1'], withNodeSettings(WORKFLOW, NODE, { onError: 'continueErrorOutput' })),
		];
		for (const result of results) expect(leakedSecrets(visibleText(result), [SECRETS.altcraftToken])).toEqual([]);
		expect(results[2].error?.message).toContain('[redacted]');
	});
});

describe('Test credential', () => {
	test('succeeds with the right token and fails clearly with a wrong one', async () => {
		expect(await testCredential(store, 'altcraft-1')).toEqual({ status: 'OK', message: 'Connection successful!' });
		store.add({
			id: 'altcraft-2',
			name: 'wrong',
			type: 'altcraftApi',
			data: { baseUrl: sim.url, apiToken: 'SECRET-wrong-token-000' },
		});
		expect(await testCredential(store, 'altcraft-2')).toEqual({
			status: 'Error',
			message: 'Altcraft refused the token: check that it exists and that its role allows Market access',
		});
		expect(sim.count(ALTCRAFT_ROUTES.list)).toBe(2);
	});
});
