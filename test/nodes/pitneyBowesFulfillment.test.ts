/**
 * The Pitney Bowes Fulfillment node run through n8n-core's real WorkflowExecute against the Pitney Bowes
 * simulator: status mapping, request shape, errors, retries, the single-token rule, identifiers and secrets.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { testCredential, type CredentialTestResult } from '../harness/credentialTest';
import {
	capturedLogs,
	CredentialStore,
	fixture,
	runWorkflow,
	withNodeSettings,
	withParameters,
	type RunResult,
	type WorkflowJson,
} from '../harness/runWorkflow';
import {
	PITNEY_BOWES_ERRORS,
	PITNEY_BOWES_ROUTES,
	PitneyBowesSimulator,
	type PitneyBowesErrorShape,
} from '../simulators/pitneyBowes';

const API_KEY = 'KEY-pb-node-key-3M8';
const API_SECRET = 'SECRET-pb-api-secret-4K9';
const WRONG_SECRET = 'SECRET-pb-wrong-secret-8T1';
const CLIENT_ID = 'MYCLIENT';
const CREDENTIAL_ID = 'pitney-bowes-1';
const NODE = 'Pitney Bowes Fulfillment';
const STATUS_ROUTE = PITNEY_BOWES_ROUTES.orderStatus;
const STATUS_PATH_PREFIX = '/shippingservices/fulfillment/v1/orders/';
const TRANSACTION_ID = /^[A-Za-z0-9_-]{1,25}$/;
/** Every token the simulator issues starts with this. */
const TOKEN_PREFIX = 'pb-sim-token';

const basicValue = (secret: string) => Buffer.from(`${API_KEY}:${secret}`).toString('base64');

let sim: PitneyBowesSimulator;
let store: CredentialStore;
/** Everything a user could see: output items, error messages and descriptions, credential test answers. */
let visibleTexts: string[] = [];

function addCredential(data: IDataObject = {}): void {
	store = new CredentialStore();
	store.add({
		id: CREDENTIAL_ID,
		name: 'Pitney Bowes test account',
		type: 'pitneyBowesFulfillmentApi',
		data: {
			environment: 'custom',
			baseUrl: sim.url,
			apiKey: API_KEY,
			apiSecret: API_SECRET,
			clientId: CLIENT_ID,
			accessToken: '',
			...data,
		},
	});
}

beforeEach(async () => {
	sim = new PitneyBowesSimulator({ apiKey: API_KEY, apiSecret: API_SECRET, clientId: CLIENT_ID });
	await sim.start();
	sim.seedSampleOrders();
	addCredential();
	visibleTexts = [];
});

afterEach(async () => {
	// Stop first: a failed scan below must not leave the server holding jest open.
	await sim.stop();
	// Secrets never reach a user: the key, the secret (right or wrong), the Basic value and any issued token.
	const issuedTokens = sim.requests
		.map((request) => request.headers.authorization)
		.filter((header): header is string => typeof header === 'string' && header.startsWith('Bearer '))
		.map((header) => header.slice('Bearer '.length));
	const forbidden = [
		API_KEY,
		API_SECRET,
		WRONG_SECRET,
		basicValue(API_SECRET),
		basicValue(WRONG_SECRET),
		TOKEN_PREFIX,
		...issuedTokens,
	];
	const haystack = [...visibleTexts, ...capturedLogs].join('\n');
	const leaked = forbidden.filter((secret) => haystack.includes(secret));
	expect(leaked).toEqual([]);
});

function remember(result: RunResult): RunResult {
	visibleTexts.push(JSON.stringify(result.run.data.resultData.runData));
	const nodeErrors = Object.values(result.run.data.resultData.runData).flatMap((runs) => runs.map((run) => run.error));
	for (const error of [result.error, ...nodeErrors]) {
		if (error) visibleTexts.push(String(error.message), String(error.description ?? ''), JSON.stringify(error));
	}
	return result;
}

async function run(
	input: IDataObject[],
	options: {
		parameters?: IDataObject;
		onError?: 'continueErrorOutput' | 'continueRegularOutput';
		workflow?: WorkflowJson;
	} = {},
): Promise<RunResult> {
	let workflow = options.workflow ?? fixture('pitney-bowes-get-status.workflow.json');
	if (options.parameters) workflow = withParameters(workflow, NODE, options.parameters);
	if (options.onError) workflow = withNodeSettings(workflow, NODE, { onError: options.onError });
	return remember(await runWorkflow(workflow, { credentials: store, input }));
}

async function checkCredential(): Promise<CredentialTestResult> {
	const result = await testCredential(store, CREDENTIAL_ID);
	visibleTexts.push(result.message);
	return result;
}

const jsonOf = (items: INodeExecutionData[]) => items.map((item) => item.json);
const orderIds = (count: number, prefix = 'PB-BULK') => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

function addOrders(ids: string[], status = 'SHIPPED'): void {
	for (const orderId of ids) sim.addOrder({ orderId, status });
}

/** Status requests that reached the Get Order Status route. */
const statusRequests = () => sim.requests.filter((request) => request.route === STATUS_ROUTE);

/** Calls `action` once, when the n-th status request arrives (before it is answered). */
function onStatusRequest(n: number, action: () => void): void {
	let seen = 0;
	sim.injectFault({
		route: STATUS_ROUTE,
		when: () => {
			if (++seen === n) action();
			return false;
		},
		fault: { kind: 'delay', ms: 0 },
	});
}

describe('status mapping', () => {
	it('maps every sample status, keeps hold reasons, details and the raw answer', async () => {
		sim.addOrder({
			orderId: 'PB-HELD-SHIPPED',
			status: 'SHIPPED',
			isOnHold: true,
			holdReason: ['ADDRESS_HOLD'],
			clientOrderId: 'SO-9',
			customerOrderId: 'WEB-9',
			createDate: '2024-05-01T14:03:00Z',
			pbCreateDate: '2024-05-01T14:03:07Z',
			updateDate: '2024-05-01T15:00:00Z',
			pbUpdateDate: '2024-05-02T09:12:44Z',
		});
		const expected: Array<[string, string, string]> = [
			['RECEIVED', 'accepted', 'keyword'],
			['RELEASED', 'processing', 'keyword'],
			['PICKED', 'processing', 'keyword'],
			['PACKED', 'processing', 'keyword'],
			['BACKORDERED', 'on_hold', 'keyword'],
			['PARTIALLY_SHIPPED', 'shipped', 'keyword'],
			['SHIPPED', 'shipped', 'keyword'],
			['DELIVERED', 'delivered', 'keyword'],
			['CANCELLED', 'cancelled', 'keyword'],
			['ON_HOLD', 'on_hold', 'provider'],
			['ZEBRA_STAGE', 'unknown', 'unknown'],
		];
		const input = [...expected.map(([raw]) => ({ orderId: `PB-SIM-${raw}` })), { orderId: 'PB-HELD-SHIPPED' }];
		const result = await run(input);
		expect(result.error).toBeUndefined();
		const items = jsonOf(result.output(NODE));
		expect(items).toHaveLength(12);

		expected.forEach(([raw, status, statusSource], index) => {
			expect(items[index]).toMatchObject({
				provider: 'pitney-bowes-fulfillment',
				orderId: `PB-SIM-${raw}`,
				status,
				statusRaw: raw,
				statusSource,
				isFinal: status === 'delivered' || status === 'cancelled',
			});
		});
		expect(items[9].details).toMatchObject({ holdReasons: ['INVENTORY_HOLD'], isOnHold: true });
		expect(items[10]).toMatchObject({ statusLabel: 'Unknown', statusRaw: 'ZEBRA_STAGE' });
		expect(items[6].details).toMatchObject({ holdReasons: [], isOnHold: false });

		// isOnHold outranks the value, whatever it says.
		expect(items[11]).toMatchObject({
			orderId: 'PB-HELD-SHIPPED',
			status: 'on_hold',
			statusLabel: 'On Hold',
			statusRaw: 'SHIPPED',
			statusSource: 'provider',
			isFinal: false,
			details: {
				clientOrderId: 'SO-9',
				customerOrderId: 'WEB-9',
				isOnHold: true,
				holdReasons: ['ADDRESS_HOLD'],
				createDate: '2024-05-01T14:03:00Z',
				pbCreateDate: '2024-05-01T14:03:07Z',
				updateDate: '2024-05-01T15:00:00Z',
				pbUpdateDate: '2024-05-02T09:12:44Z',
			},
			raw: {
				clientId: CLIENT_ID,
				orderId: 'PB-HELD-SHIPPED',
				status: 'SHIPPED',
				isOnHold: true,
				holdReason: ['ADDRESS_HOLD'],
			},
		});
		expect(result.output(NODE).map((item) => item.pairedItem)).toEqual(input.map((_, item) => ({ item })));
	});

	it('lets a custom mapping win and leaves out the raw answer when asked', async () => {
		const result = await run([{ orderId: 'PB-SIM-ZEBRA_STAGE' }, { orderId: 'PB-SIM-ON_HOLD' }], {
			parameters: {
				options: {
					includeRaw: false,
					customStatusMapping: { mappings: [{ providerValue: 'zebra_stage', status: 'processing' }] },
				},
			},
		});
		const [zebra, held] = jsonOf(result.output(NODE));
		expect(zebra).toMatchObject({ status: 'processing', statusSource: 'custom', statusRaw: 'ZEBRA_STAGE' });
		expect(held).toMatchObject({ status: 'on_hold', statusSource: 'provider' });
		expect(zebra).not.toHaveProperty('raw');
	});
});

describe('the request', () => {
	it('sends clientId from the credential, a Bearer token and a valid X-PB-TransactionId', async () => {
		const result = await run([{ orderId: 'PB-SIM-SHIPPED' }]);
		expect(result.error).toBeUndefined();
		const [request] = statusRequests();
		expect(request.method).toBe('GET');
		expect(request.rawPath).toBe(`${STATUS_PATH_PREFIX}PB-SIM-SHIPPED/status`);
		expect(request.query.get('clientId')).toBe(CLIENT_ID);
		expect(request.query.has('brand')).toBe(false);
		expect(request.headers.authorization).toMatch(/^Bearer pb-sim-token-/);
		expect(request.headers['x-pb-transactionid']).toMatch(TRANSACTION_ID);
		expect(sim.unmatched).toEqual([]);
	});

	it('sends the Brand option, and PB answers 404 for an order of another brand', async () => {
		sim.addOrder({ orderId: 'PB-BRANDED', status: 'PACKED', brand: 'ACME' });
		const matching = await run([{ orderId: 'PB-BRANDED' }], { parameters: { options: { brand: ' ACME ' } } });
		expect(jsonOf(matching.output(NODE))[0]).toMatchObject({ status: 'processing' });
		expect(statusRequests().at(-1)!.query.get('brand')).toBe('ACME');

		const other = await run([{ orderId: 'PB-BRANDED' }], {
			parameters: { options: { brand: 'OTHER' } },
			onError: 'continueRegularOutput',
		});
		expect(jsonOf(other.output(NODE))[0]).toMatchObject({ error: { httpCode: '404', providerCode: '8000404' } });
		expect(statusRequests().at(-1)!.query.get('brand')).toBe('OTHER');
	});

	it('reads the order id and the options from expressions', async () => {
		sim.addOrder({ orderId: 'PB-EXPR-7', status: 'DELIVERED', brand: 'ACME' });
		const result = await run([{ shop: { number: 7 }, brand: 'ACME' }, { shop: { number: 7 } }], {
			parameters: {
				orderId: "={{ 'PB-EXPR-' + $json.shop.number }}",
				options: { brand: '={{ $json.brand }}', maxConcurrency: '={{ 1 + 1 }}' },
			},
		});
		expect(jsonOf(result.output(NODE)).map((item) => [item.orderId, item.status])).toEqual([
			['PB-EXPR-7', 'delivered'],
			['PB-EXPR-7', 'delivered'],
		]);
		// The options configure the run: read once, from the first item.
		expect(statusRequests().map((request) => request.query.get('brand'))).toEqual(['ACME', 'ACME']);
	});

	it('accepts a numeric order id from an expression', async () => {
		sim.addOrder({ orderId: '1234567890', status: 'RECEIVED' });
		const result = await run([{ orderId: 1234567890 }]);
		expect(jsonOf(result.output(NODE))[0]).toMatchObject({ orderId: '1234567890', status: 'accepted' });
	});

	it('gives 200 items 200 unique, valid transaction ids', async () => {
		const ids = orderIds(200);
		addOrders(ids);
		const result = await run(ids.map((orderId) => ({ orderId })), {
			parameters: { options: { maxConcurrency: 10 } },
		});
		expect(result.output(NODE)).toHaveLength(200);
		const transactionIds = sim.transactionIds;
		expect(transactionIds).toHaveLength(200);
		expect(new Set(transactionIds).size).toBe(200);
		expect(sim.duplicateTransactionIds()).toEqual([]);
		for (const id of transactionIds) {
			expect(id).toMatch(TRANSACTION_ID);
			expect(id.length).toBeLessThanOrEqual(25);
		}
	});
});

describe('errors', () => {
	it.each<PitneyBowesErrorShape>(['standard', 'legacy'])(
		'reads a %s 404 into a message with the PB code and the transaction id',
		async (shape) => {
			sim.setErrorShape(shape);
			const result = await run([{ orderId: 'PB-MISSING' }]);
			const error = result.error!;
			expect(error.message).toBe(
				'Pitney Bowes: 8000404: Order not found (No order PB-MISSING for clientId MYCLIENT)',
			);
			const [transactionId] = sim.transactionIds;
			expect(error.description).toContain(`Transaction ID: ${transactionId}`);
			expect(error.description).toContain('Check the order ID');
			expect((error as unknown as { httpCode?: string }).httpCode).toBe('404');
		},
	);

	it.each<PitneyBowesErrorShape>(['standard', 'legacy', 'bare'])(
		'reads an injected %s server error, after retrying it',
		async (shape) => {
			sim.injectFault({
				route: STATUS_ROUTE,
				fault: sim.errorFault(
					500,
					{ errorCode: '8000500', errorDescription: 'Internal error', additionalInfo: 'Try again later' },
					shape,
				),
			});
			const result = await run([{ orderId: 'PB-SIM-SHIPPED' }], {
				parameters: { options: { maxRetries: 1 } },
				onError: 'continueRegularOutput',
			});
			expect(jsonOf(result.output(NODE))[0]).toMatchObject({
				orderId: 'PB-SIM-SHIPPED',
				error: {
					message: 'Pitney Bowes: 8000500: Internal error (Try again later) (after 1 retry)',
					httpCode: '500',
					providerCode: '8000500',
				},
			});
			expect(sim.count(STATUS_ROUTE)).toBe(2);
		},
	);

	it('explains an unknown Client ID', async () => {
		addCredential({ clientId: 'NOT-A-CLIENT' });
		const result = await run([{ orderId: 'PB-SIM-SHIPPED' }], { onError: 'continueRegularOutput' });
		const { error } = jsonOf(result.output(NODE))[0] as { error: IDataObject };
		expect(error).toMatchObject({ httpCode: '400', providerCode: '1000004' });
		expect(error.message).toContain('1000004: Invalid clientId');
		expect(error.description).toContain('Check the Client ID of the "Pitney Bowes Fulfillment API" credential');
		expect(sim.count(STATUS_ROUTE)).toBe(1);
	});

	it('refuses a credential without Client ID or with a bad Base URL before any request', async () => {
		addCredential({ clientId: '  ' });
		const noClient = await run([{ orderId: 'PB-SIM-SHIPPED' }]);
		expect(noClient.error!.message).toBe('The "Pitney Bowes Fulfillment API" credential has no Client ID');
		addCredential({ baseUrl: 'ftp://example.invalid' });
		const badUrl = await run([{ orderId: 'PB-SIM-SHIPPED' }]);
		expect(badUrl.error!.message).toContain('Base URL must start with http:// or https://');
		expect(sim.stats.requests).toBe(0);
	});

	it('retries an answer that is not JSON, and reports it when it stays unreadable', async () => {
		const maintenance = { kind: 'raw', status: 200, contentType: 'text/html', body: '<html>maintenance</html>' } as const;
		sim.injectFault({ route: STATUS_ROUTE, times: 1, fault: maintenance });
		const recovered = await run([{ orderId: 'PB-SIM-SHIPPED' }]);
		expect(recovered.error).toBeUndefined();
		expect(sim.count(STATUS_ROUTE)).toBe(2);
		sim.injectFault({ route: STATUS_ROUTE, fault: maintenance });
		const result = await run([{ orderId: 'PB-SIM-SHIPPED' }]);
		expect(result.error!.message).toMatch(/^Pitney Bowes sent an answer that cannot be read: .* \(after \d+ retries\)$/);
		expect(result.error!.description).toContain('Transaction ID: n8n-');
	});
});

describe('retries', () => {
	it.each<[PitneyBowesErrorShape, number]>([
		['standard', 429],
		['legacy', 400],
		['bare', 403],
	])('retries a %s spike arrest (PB-APIM-ERR-1006) answered with HTTP %i', async (shape, status) => {
		sim.injectSpikeArrest({ times: 2, shape, status });
		const result = await run([{ orderId: 'PB-SIM-SHIPPED' }]);
		expect(result.error).toBeUndefined();
		expect(jsonOf(result.output(NODE))[0]).toMatchObject({ status: 'shipped' });
		expect(sim.count(STATUS_ROUTE)).toBe(3);
		expect(new Set(sim.transactionIds).size).toBe(3);
		expect(sim.tokenRequests).toBe(1);
	});

	it('gives up on a spike arrest that does not end, with the PB code', async () => {
		sim.injectSpikeArrest({ times: 100, status: 400 });
		const result = await run([{ orderId: 'PB-SIM-SHIPPED' }], {
			parameters: { options: { maxRetries: 2 } },
			onError: 'continueRegularOutput',
		});
		expect(jsonOf(result.output(NODE))[0]).toMatchObject({
			error: {
				message: 'Pitney Bowes: PB-APIM-ERR-1006: Spike arrest violation (after 2 retries)',
				httpCode: '400',
				providerCode: 'PB-APIM-ERR-1006',
			},
		});
		expect(sim.count(STATUS_ROUTE)).toBe(3);
	});

	it('gets every order through the spike-arrest mode of the gateway', async () => {
		const ids = orderIds(30);
		addOrders(ids);
		sim.setSpikeArrest({ limit: 5, windowMs: 200, status: 400 });
		const result = await run(ids.map((orderId) => ({ orderId })), {
			parameters: { options: { maxRetries: 10 } },
		});
		expect(result.error).toBeUndefined();
		expect(jsonOf(result.output(NODE)).map((item) => item.orderId)).toEqual(ids);
		expect(sim.spikeArrests).toBeGreaterThan(0);
		expect(sim.count(STATUS_ROUTE)).toBe(30 + sim.spikeArrests);
	});

	it.each([429, 503])('retries after HTTP %i', async (status) => {
		sim.injectFault({
			route: STATUS_ROUTE,
			times: 2,
			fault: { kind: 'status', status, headers: status === 429 ? { 'retry-after': '0' } : {} },
		});
		const result = await run([{ orderId: 'PB-SIM-DELIVERED' }]);
		expect(jsonOf(result.output(NODE))[0]).toMatchObject({ status: 'delivered' });
		expect(sim.count(STATUS_ROUTE)).toBe(3);
	});
});

describe('the access token', () => {
	it('makes ONE token request for 500 items, and none in the next execution', async () => {
		const ids = orderIds(500);
		addOrders(ids);
		const input = ids.map((orderId) => ({ orderId }));
		const first = await run(input, { parameters: { options: { maxConcurrency: 10 } } });
		expect(first.output(NODE)).toHaveLength(500);
		expect(sim.tokenRequests).toBe(1);
		expect(sim.count(STATUS_ROUTE)).toBe(500);
		const cached = store.get(CREDENTIAL_ID).data.accessToken;
		expect(cached).toMatch(/^pb-sim-token-/);

		const second = await run(input, { parameters: { options: { maxConcurrency: 10 } } });
		expect(second.output(NODE)).toHaveLength(500);
		expect(sim.tokenRequests).toBe(1);
		expect(sim.count(STATUS_ROUTE)).toBe(1000);
		expect(store.get(CREDENTIAL_ID).data.accessToken).toBe(cached);
	});

	it.each<[string, () => void, PitneyBowesErrorShape]>([
		['revoked (PB-APIM-ERR-1002)', () => sim.revokeTokens(), 'standard'],
		['expired (PB-APIM-ERR-1003)', () => sim.expireTokens(), 'standard'],
		['expired, legacy body', () => sim.expireTokens(), 'legacy'],
		['revoked, bare body', () => sim.revokeTokens(), 'bare'],
	])('refreshes a token %s mid-run exactly once and loses nothing', async (_case, invalidate, shape) => {
		sim.setErrorShape(shape);
		const ids = orderIds(300);
		addOrders(ids);
		onStatusRequest(100, invalidate);
		const result = await run(
			ids.map((orderId) => ({ orderId })),
			{ parameters: { options: { maxConcurrency: 8 } } },
		);
		expect(result.error).toBeUndefined();
		const items = jsonOf(result.output(NODE));
		expect(items.map((item) => item.orderId)).toEqual(ids);
		expect(items.every((item) => item.status === 'shipped')).toBe(true);
		expect(sim.unauthorized).toBeGreaterThan(0);
		expect(sim.tokenRequests).toBe(2);
		expect(store.preAuthenticationCalls.get('pitneyBowesFulfillmentApi')).toBe(2);
	});

	it('refreshes on a 403 that carries a token code', async () => {
		await run([{ orderId: 'PB-SIM-SHIPPED' }]);
		// The first answer and the check that the token is really refused (before n8n replaces it).
		sim.injectFault({
			route: STATUS_ROUTE,
			times: 2,
			fault: sim.errorFault(403, PITNEY_BOWES_ERRORS.invalidAccessToken, 'standard'),
		});
		const result = await run([{ orderId: 'PB-SIM-SHIPPED' }]);
		expect(jsonOf(result.output(NODE))[0]).toMatchObject({ status: 'shipped' });
		expect(sim.tokenRequests).toBe(2);
		expect(sim.count(STATUS_ROUTE)).toBe(4);
	});

	it('does not refresh on a plain 403 (account not enabled)', async () => {
		sim.injectFault({
			route: STATUS_ROUTE,
			fault: sim.errorFault(403, { errorCode: '8000403', errorDescription: 'Forbidden' }, 'standard'),
		});
		const result = await run([{ orderId: 'PB-SIM-SHIPPED' }]);
		expect(result.error!.message).toBe('Pitney Bowes: 8000403: Forbidden');
		expect(result.error!.description).toContain('not enabled');
		expect(sim.tokenRequests).toBe(1);
	});

	it('fails clearly with a wrong secret, with one token request for 20 items', async () => {
		addCredential({ apiSecret: WRONG_SECRET });
		const input = orderIds(20, 'PB-SIM-SHIPPED').map(() => ({ orderId: 'PB-SIM-SHIPPED' }));
		const result = await run(input, { onError: 'continueRegularOutput' });
		const items = jsonOf(result.output(NODE));
		expect(items).toHaveLength(20);
		for (const item of items) {
			expect((item.error as IDataObject).message).toContain('Pitney Bowes Fulfillment API credential');
			expect((item.error as IDataObject).message).toContain('refused the API Key / API Secret');
		}
		expect(sim.tokenRequests).toBeLessThanOrEqual(2);
		expect(sim.tokenRequests).toBe(1);
		expect(sim.count(STATUS_ROUTE)).toBe(0);

		const stopped = await run(input);
		expect(stopped.error!.message).toContain('Pitney Bowes Fulfillment API');
		expect(sim.tokenRequests).toBe(2);
	});

	it('fails clearly when a revoked token cannot be replaced (secret changed meanwhile)', async () => {
		await run([{ orderId: 'PB-SIM-SHIPPED' }]);
		const { accessToken } = store.get(CREDENTIAL_ID).data;
		addCredential({ accessToken, apiSecret: WRONG_SECRET });
		sim.revokeTokens();
		const result = await run(
			Array.from({ length: 20 }, () => ({ orderId: 'PB-SIM-SHIPPED' })),
			{ onError: 'continueRegularOutput' },
		);
		const items = jsonOf(result.output(NODE));
		expect(items).toHaveLength(20);
		for (const item of items) {
			expect((item.error as IDataObject).message).toContain('Pitney Bowes Fulfillment API');
		}
		// One token for the first run, one failed refresh for the second.
		expect(sim.tokenRequests).toBe(2);
	});
});

describe('items, order and error outputs', () => {
	it('keeps the input order when requests finish out of order', async () => {
		const ids = orderIds(20, 'PB-ORDER');
		addOrders(ids);
		// Orders 3 and 6 are answered only once the last order has been asked for (fewer held than the 5 slots, and
		// not the first order, which runs alone), so answers arrive out of order.
		const last = ids.at(-1)!;
		const lastAsked = sim.waitForRequest((request) => request.params.orderId === last, `the status request for ${last}`);
		sim.injectFault({
			route: STATUS_ROUTE,
			when: (request) => [ids[3], ids[6]].includes(request.params.orderId),
			fault: { kind: 'hold', until: lastAsked },
		});
		const result = await run(ids.map((orderId) => ({ orderId })), {
			parameters: { options: { maxConcurrency: 5 } },
		});
		await lastAsked;
		expect(jsonOf(result.output(NODE)).map((item) => item.orderId)).toEqual(ids);
		expect(result.output(NODE).map((item) => item.pairedItem)).toEqual(ids.map((_, item) => ({ item })));
		expect(sim.stats.maxConcurrent).toBeGreaterThanOrEqual(3);
		expect(sim.stats.maxConcurrent).toBeLessThanOrEqual(5);
	});

	it('turns failures into error items with continueRegularOutput', async () => {
		const result = await run(
			[{ orderId: 'PB-SIM-SHIPPED' }, { orderId: 'PB-MISSING' }, { orderId: '' }, { orderId: 'PB-SIM-PACKED' }],
			{ onError: 'continueRegularOutput' },
		);
		expect(result.error).toBeUndefined();
		const items = result.output(NODE);
		expect(items.map((item) => item.pairedItem)).toEqual([0, 1, 2, 3].map((item) => ({ item })));
		expect(items[0].json).toMatchObject({ status: 'shipped' });
		expect(items[1].json).toMatchObject({
			provider: 'pitney-bowes-fulfillment',
			orderId: 'PB-MISSING',
			error: { httpCode: '404', providerCode: '8000404', message: expect.stringContaining('8000404') },
		});
		expect(items[2].json).toMatchObject({
			provider: 'pitney-bowes-fulfillment',
			orderId: '',
			error: { message: 'Order ID is empty', httpCode: null, providerCode: null },
		});
		expect(items[3].json).toMatchObject({ status: 'processing' });
	});

	it('sends failures to the error output with continueErrorOutput', async () => {
		const result = await run(
			[{ orderId: 'PB-SIM-SHIPPED' }, { orderId: 'PB-MISSING' }, { orderId: 'PB-SIM-DELIVERED' }],
			{ workflow: fixture('pitney-bowes-error-output.workflow.json') },
		);
		expect(result.error).toBeUndefined();
		expect(jsonOf(result.output(NODE, 0)).map((item) => item.status)).toEqual(['shipped', 'delivered']);
		expect(result.output(NODE, 0).map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 2 }]);
		const failures = result.output(NODE, 1);
		expect(failures).toHaveLength(1);
		expect(failures[0].pairedItem).toEqual({ item: 1 });
		expect(failures[0].json).toMatchObject({
			orderId: 'PB-MISSING',
			error: {
				provider: 'pitney-bowes-fulfillment',
				orderId: 'PB-MISSING',
				message: 'Pitney Bowes: 8000404: Order not found (No order PB-MISSING for clientId MYCLIENT)',
				httpCode: '404',
				providerCode: '8000404',
			},
		});
		expect(jsonOf(result.output('Statuses'))).toHaveLength(2);
		expect(jsonOf(result.output('Failures'))).toMatchObject([{ orderId: 'PB-MISSING' }]);
	});

	it('fails the node at the first failing item without continue on fail', async () => {
		const result = await run([{ orderId: 'PB-SIM-SHIPPED' }, { orderId: 'PB-MISSING' }]);
		expect(result.error!.message).toContain('8000404: Order not found');
		expect((result.error as unknown as { context?: { itemIndex?: number } }).context?.itemIndex).toBe(1);
	});
});

describe('order identifiers', () => {
	const refused: Array<[string, IDataObject[string], RegExp]> = [
		['empty', '', /Order ID is empty/],
		['whitespace', '   \t ', /Order ID is empty/],
		['..', '..', /not a valid identifier/],
		['. with spaces', ' . ', /not a valid identifier/],
		['10,000 characters', 'x'.repeat(10_000), /10000 characters long/],
		['a line break', 'PB-1\nPB-2', /control characters/],
		['a NUL character', 'PB\u00001', /control characters/],
		['an object', { id: 'PB-SIM-SHIPPED' }, /must be text or a number, but the expression gave an object/],
		['an array', ['PB-SIM-SHIPPED'], /must be text or a number, but the expression gave a list/],
	];

	it.each(refused)('refuses %s without sending a request', async (_case, orderId, message) => {
		const result = await run([{ orderId }], { onError: 'continueRegularOutput' });
		const [item] = jsonOf(result.output(NODE));
		expect(String((item.error as IDataObject).message)).toMatch(message);
		expect((item.error as IDataObject).description).toContain('No request was sent');
		expect(sim.stats.requests).toBe(0);
		expect(sim.unmatched).toEqual([]);
	});

	it('without continue on fail, a bad id among good ones fails the node and stops the reading there', async () => {
		const result = await run(
			[{ orderId: 'PB-SIM-SHIPPED' }, { orderId: 'PB-SIM-SHIPPED' }, { orderId: '..' }, { orderId: 'PB-SIM-SHIPPED' }],
			{ parameters: { orderId: '={{ $json.orderId }}', options: { maxConcurrency: 1 } } },
		);
		expect(result.error!.message).toContain('not a valid identifier');
		expect((result.error as unknown as { context?: { itemIndex?: number } }).context?.itemIndex).toBe(2);
		// Items are read as request slots free up: the two before it were asked, the bad one and the one
		// after it never.
		expect(statusRequests().map((request) => request.params.orderId)).toEqual(['PB-SIM-SHIPPED', 'PB-SIM-SHIPPED']);
		expect(sim.unmatched).toEqual([]);
	});

	it.each(['a b', 'ø 1', 'x+y&z=1'])('keeps %j inside its path segment (a clear 404, nothing leaves the route)', async (orderId) => {
		const result = await run([{ orderId }], { onError: 'continueRegularOutput' });
		expect(jsonOf(result.output(NODE))[0]).toMatchObject({
			orderId,
			error: { httpCode: '404', providerCode: '8000404' },
		});
		expect(sim.unmatched).toEqual([]);
		const requests = statusRequests();
		expect(requests).toHaveLength(1);
		expect(requests[0].params.orderId).toBe(orderId);
		expect(requests[0].rawPath).toBe(`${STATUS_PATH_PREFIX}${encodeURIComponent(orderId)}/status`);
		expect([...requests[0].query.keys()]).toEqual(['clientId']);
	});

	// Encoded, these would stay in one segment for a URL parser; a gateway that decodes before routing would not
	// keep them there. Pitney Bowes assigns its order ids and never puts these characters in them.
	it.each(['../x', '%2e%2e/', '?', '#', '../../oauth/token', 'a/b?c#d', '\\evil', '%5Cevil', 'x%3FclientId%3DEVIL', '..%252f'])(
		'refuses %j before any request, with a clear error for that item',
		async (orderId) => {
			const result = await run([{ orderId }], { onError: 'continueRegularOutput' });
			const [item] = jsonOf(result.output(NODE));
			expect(item.orderId).toBe(orderId);
			expect(String((item.error as IDataObject).message)).toContain('contains /, \\, ?, # or %');
			expect((item.error as IDataObject).description).toContain('No request was sent');
			expect(sim.stats.requests).toBe(0);
		},
	);

	it('refuses a lone surrogate with a clear error', async () => {
		const result = await run([{ orderId: '\uD800bad' }], { onError: 'continueRegularOutput' });
		expect(String((jsonOf(result.output(NODE))[0].error as IDataObject).message)).toContain('contains an invalid character');
		expect(sim.stats.requests).toBe(0);
	});
});

describe('Test credential', () => {
	it('says OK for the right key, secret and Client ID', async () => {
		expect(await checkCredential()).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(sim.tokenRequests).toBe(1);
		expect(sim.count(PITNEY_BOWES_ROUTES.statusSearch)).toBe(1);
	});

	it('says Error for a wrong secret', async () => {
		addCredential({ apiSecret: WRONG_SECRET });
		const result = await checkCredential();
		expect(result.status).toBe('Error');
		expect(result.message).toContain('Pitney Bowes refused the API Key / API Secret (HTTP 401)');
		expect(sim.count(PITNEY_BOWES_ROUTES.statusSearch)).toBe(0);
	});

	it('says Error for a wrong Client ID', async () => {
		addCredential({ clientId: 'NOT-A-CLIENT' });
		const result = await checkCredential();
		expect(result).toEqual({ status: 'Error', message: 'Pitney Bowes rejected the request: check the Client ID' });
	});
});
