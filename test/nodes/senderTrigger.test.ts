/**
 * The Sender Trigger driven through n8n-core's real WebhookContext (test/harness/runWebhook.ts), with the Sender
 * simulator as the API it re-fetches from, and once end to end: the simulator's own callback POST reaching a
 * local HTTP server in front of the trigger.
 */
import crypto from 'crypto';

import { NodeOperationError, type IDataObject } from 'n8n-workflow';

import {
	CallbackGuard,
	callbackKey,
	EMITTED_STATIC_FIELD,
	forgetProcessMemory,
	MAX_REMEMBERED_CALLBACKS,
} from '../../nodes/Sender/callbackGuard';
import { SenderTrigger } from '../../nodes/Sender/SenderTrigger.node';

import { capturedLogs, CredentialStore, fixture, withParameters, type WorkflowJson } from '../harness/runWorkflow';
import {
	runWebhook,
	runWebhookMethod,
	serveWebhook,
	type WebhookRequest,
	type WebhookRunResult,
} from '../harness/runWebhook';
import { leakedSecrets } from '../harness/secretScan';
import { SENDER_ROUTES, SENDER_SAMPLE_PDF, SENDER_VARIANTS, SenderSimulator } from '../simulators/sender';

const API_KEY = 'SECRET-sender-api-key-8M3';
const SHARED_SECRET = 'SECRET-sender-callback-token-4Kp';
const NODE = 'Sender Trigger';
const WORKFLOW = fixture('sender-trigger.workflow.json');
const GET_ORDER = SENDER_ROUTES.getOrder;

let sim: SenderSimulator;
let store: CredentialStore;
/** Everything the trigger made visible (items, answers), scanned for secrets by the last test. */
const visibleTexts: string[] = [];

beforeAll(async () => {
	sim = new SenderSimulator({ apiKey: API_KEY });
	await sim.start(0);
});
afterAll(async () => await sim.stop());

beforeEach(() => {
	sim.clearOrders();
	sim.clearFaults();
	sim.resetStats();
	sim.variant = 'snake';
	store = new CredentialStore();
	store.add({
		id: 'sender-1',
		name: 'Sender test account',
		type: 'senderApi',
		data: { environment: 'custom', baseUrl: sim.url, apiKey: API_KEY, authMode: 'bearer', language: '' },
	});
});

afterEach(() => {
	expect(sim.unmatched).toEqual([]);
});

const withSecret = (parameters: IDataObject = {}) =>
	withParameters(WORKFLOW, NODE, { sharedSecret: SHARED_SECRET, ...parameters });

async function deliver(request: WebhookRequest, workflow: WorkflowJson = WORKFLOW): Promise<WebhookRunResult> {
	const result = await runWebhook(workflow, NODE, { credentials: store, request });
	visibleTexts.push(JSON.stringify({ items: result.items, answer: result.answer }));
	return result;
}

/** The trigger refused: it answered itself and emitted nothing. */
function expectRefused(result: WebhookRunResult, status: number): void {
	expect(result.response).toEqual({ noWebhookResponse: true });
	expect(result.items).toEqual([]);
	expect(result.answer?.status).toBe(status);
}

describe('Sender Trigger: callbacks', () => {
	test('a valid callback emits one normalised item, confirmed by the API', async () => {
		const order = sim.addOrder({ reference: 'SND-000001', status: 'accepted' });
		const result = await deliver({ body: sim.render('SND-000001') });
		expect(result.answer).toBeUndefined();
		expect(result.items).toHaveLength(1);
		expect(result.items[0].json).toMatchObject({
			provider: 'sender',
			orderId: 'SND-000001',
			status: 'accepted',
			statusLabel: 'Accepted',
			statusRaw: 'accepted',
			statusSource: 'provider',
			isFinal: false,
			details: {
				verified: true,
				labelReady: true,
				trackingNumber: order.trackingNumber,
				labelUrl: `${sim.url}/labels/SND-000001.pdf`,
				carrier: 'omniva',
			},
			raw: sim.render('SND-000001'),
		});
		expect(result.items[0].json.details).not.toHaveProperty('callbackStatus');
		expect(sim.count(GET_ORDER)).toBe(1);
		expect(sim.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
	});

	test.each(SENDER_VARIANTS.map((variant) => [variant]))('callback payload in %s naming', async (variant) => {
		sim.variant = variant;
		sim.addOrder({ reference: 'SND-000002', status: 'canceled' });
		const result = await deliver({ body: sim.render('SND-000002') });
		expect(result.items.map((item) => item.json)).toEqual([
			expect.objectContaining({ orderId: 'SND-000002', status: 'cancelled', statusRaw: 'canceled' }),
		]);
	});

	test('the API wins: callback says accepted, API says cancelled → cancelled, callbackStatus kept', async () => {
		sim.addOrder({ reference: 'SND-000003', status: 'accepted' });
		const callback = sim.render('SND-000003');
		sim.cancel('SND-000003');
		const [item] = (await deliver({ body: callback })).items;
		expect(item.json).toMatchObject({
			orderId: 'SND-000003',
			status: 'cancelled',
			statusRaw: 'canceled',
			isFinal: true,
			details: { verified: true, callbackStatus: 'accepted', statusMessage: expect.any(String) },
		});
	});

	test('a forged status cannot be injected, and replays emit only what the API confirms', async () => {
		sim.addOrder({ reference: 'SND-000004', status: 'pending' });
		const forged = { order_reference: 'SND-000004', status: 'delivered', tracking_number: 'FAKE' };
		const first = await deliver({ body: forged });
		expect(first.items[0].json).toMatchObject({
			status: 'pending',
			details: { callbackStatus: 'delivered', labelReady: false },
		});
		expect(first.items[0].json.details).not.toHaveProperty('trackingNumber');
		sim.accept('SND-000004');
		const replays = [await deliver({ body: forged }), await deliver({ body: forged })];
		const { trackingNumber } = sim.getOrderState('SND-000004')!;
		for (const replay of replays) {
			expect(replay.items.map((item) => item.json.status)).toEqual(['accepted']);
			expect((replay.items[0].json.details as IDataObject).trackingNumber).toBe(trackingNumber);
		}
		expect(sim.count(GET_ORDER)).toBe(3);
	});

	test('a callback about an order the API does not know: 404, nothing emitted', async () => {
		expectRefused(await deliver({ body: { order_reference: 'SND-FORGED', status: 'accepted' } }), 404);
		expect(sim.count(GET_ORDER)).toBe(1);
	});

	test.each([
		['an empty body', {}],
		['a body that is not an order', { hello: 'world' }],
		['an empty reference', { order_reference: '  ', status: 'accepted' }],
		['a reference without letters or digits', { order_reference: '../', status: 'accepted' }],
		['a reference with a line break', { order_reference: 'SND-1\nX', status: 'accepted' }],
		['an object as reference', { order_reference: { id: 1 }, status: 'accepted' }],
	])('%s: 400, nothing emitted, no request', async (_case, body) => {
		const result = await deliver({ body });
		expectRefused(result, 400);
		expect(result.answer?.body).toEqual({ message: 'The callback has no readable order reference' });
		expect(sim.stats.requests).toBe(0);
	});

	test('Sender unreachable or failing: 502, nothing emitted, the reason logged without the key', async () => {
		sim.addOrder({ reference: 'SND-000005', status: 'accepted' });
		sim.injectFault({ route: GET_ORDER, fault: { kind: 'status', status: 503, body: { message: 'Maintenance' } } });
		const logsBefore = capturedLogs.length;
		const workflow = withParameters(WORKFLOW, NODE, { options: { maxRetries: 1 } });
		expectRefused(await deliver({ body: sim.render('SND-000005') }, workflow), 502);
		expect(sim.count(GET_ORDER)).toBe(2);
		const logged = capturedLogs.slice(logsBefore).join('\n');
		expect(logged).toContain('Sender Trigger could not verify the callback for order "SND-000005"');
		expect(logged).toContain('Maintenance');
	});

	test('a base64 label in the confirmed order arrives as binary data', async () => {
		sim.addOrder({ reference: 'SND-000006', status: 'accepted', labelFormat: 'base64' });
		const [item] = (await deliver({ body: { order_reference: 'SND-000006' } })).items;
		expect(item.binary?.label).toMatchObject({ mimeType: 'application/pdf', fileName: 'SND-000006.pdf' });
		expect(Buffer.from(item.binary!.label.data, 'base64').equals(SENDER_SAMPLE_PDF)).toBe(true);
		expect(JSON.stringify(item.json.details)).not.toContain(SENDER_SAMPLE_PDF.toString('base64'));
	});

	test('options apply: custom mapping and no raw response', async () => {
		sim.addOrder({ reference: 'SND-000007', status: 'ZEBRA' });
		const workflow = withParameters(WORKFLOW, NODE, {
			options: {
				includeRaw: false,
				customStatusMapping: { mappings: [{ providerValue: 'zebra', status: 'on_hold' }] },
			},
		});
		const [item] = (await deliver({ body: { order_reference: 'SND-000007' } }, workflow)).items;
		expect(item.json).toMatchObject({ status: 'on_hold', statusSource: 'custom' });
		expect(item.json).not.toHaveProperty('raw');
	});
});

describe('Sender Trigger: verification off', () => {
	const unverified = withParameters(WORKFLOW, NODE, { verifyByRefetch: false });

	test('the payload is used as is, without any request', async () => {
		const payload = {
			data: {
				orderReference: 'SND-000010',
				status: 'delivered',
				trackingNumber: 'CE9LV',
				labelBase64: SENDER_SAMPLE_PDF.toString('base64'),
			},
		};
		const [item] = (await deliver({ body: payload }, unverified)).items;
		expect(item.json).toMatchObject({
			orderId: 'SND-000010',
			status: 'delivered',
			statusSource: 'keyword',
			isFinal: true,
			details: { verified: false, trackingNumber: 'CE9LV', labelReady: true, labelBinaryProperty: 'label' },
			raw: payload,
		});
		expect(item.binary?.label.mimeType).toBe('application/pdf');
		expect(sim.stats.requests).toBe(0);
	});

	test('a payload without a status: 400, nothing emitted', async () => {
		const result = await deliver({ body: { order_reference: 'SND-000011' } }, unverified);
		expectRefused(result, 400);
		expect(result.answer?.body).toEqual({ message: 'The callback has no order status' });
	});

	test('works without a credential', async () => {
		const bare = JSON.parse(JSON.stringify(unverified)) as WorkflowJson;
		delete bare.nodes[0].credentials;
		const result = await runWebhook(bare, NODE, {
			credentials: new CredentialStore(),
			request: { body: { order_reference: 'SND-000012', status: 'accepted' } },
		});
		expect(result.items.map((item) => item.json.status)).toEqual(['accepted']);
	});
});

describe('Sender Trigger: shared secret', () => {
	test.each([
		['the default header', { headers: { 'X-Sender-Secret': SHARED_SECRET } }],
		['the secret query parameter', { query: { secret: SHARED_SECRET } }],
	])('the right secret in %s is accepted', async (_case, request) => {
		sim.addOrder({ reference: 'SND-000020', status: 'accepted' });
		const result = await deliver({ ...request, body: sim.render('SND-000020') }, withSecret());
		expect(result.items.map((item) => item.json.status)).toEqual(['accepted']);
	});

	test('a header name of your own', async () => {
		sim.addOrder({ reference: 'SND-000021', status: 'accepted' });
		const workflow = withSecret({ callbackHeaderName: 'X-My-Token' });
		const body = sim.render('SND-000021');
		expect((await deliver({ headers: { 'x-my-token': SHARED_SECRET }, body }, workflow)).items).toHaveLength(1);
		expectRefused(await deliver({ headers: { 'X-Sender-Secret': SHARED_SECRET }, body }, workflow), 401);
	});

	test.each([
		['no secret', {}],
		['a wrong secret in the header', { headers: { 'X-Sender-Secret': 'SECRET-sender-callback-token-4KX' } }],
		['a wrong secret in the query', { query: { secret: 'nope' } }],
		['a prefix of the secret', { headers: { 'X-Sender-Secret': SHARED_SECRET.slice(0, -1) } }],
		['the secret with more after it', { query: { secret: `${SHARED_SECRET}x` } }],
		['the secret in another header', { headers: { Authorization: SHARED_SECRET } }],
	])('%s: 401, nothing emitted, no request', async (_case, request) => {
		sim.addOrder({ reference: 'SND-000022', status: 'accepted' });
		const result = await deliver({ ...request, body: sim.render('SND-000022') }, withSecret());
		expectRefused(result, 401);
		expect(result.answer?.body).toEqual({ message: 'Unauthorized' });
		expect(sim.stats.requests).toBe(0);
	});

	test('the comparison is constant-time (crypto.timingSafeEqual on equal lengths)', async () => {
		const spy = jest.spyOn(crypto, 'timingSafeEqual');
		try {
			sim.addOrder({ reference: 'SND-000023', status: 'accepted' });
			const body = { order_reference: 'SND-000023' };
			const wrongSameLength = SHARED_SECRET.replace(/.$/, '#');
			expectRefused(await deliver({ headers: { 'X-Sender-Secret': wrongSameLength }, body }, withSecret()), 401);
			expect(spy).toHaveBeenCalledTimes(1);
			await deliver({ headers: { 'X-Sender-Secret': SHARED_SECRET }, body }, withSecret());
			expect(spy).toHaveBeenCalledTimes(2);
			expect(spy.mock.results.map((call) => call.value)).toEqual([false, true]);
		} finally {
			spy.mockRestore();
		}
	});
});

/** The same workflow with the node at version 2 (what a new Sender Trigger is). */
function atVersion2(workflow: WorkflowJson, parameters: IDataObject = {}): WorkflowJson {
	const copy = withParameters(workflow, NODE, parameters);
	copy.nodes.find((node) => node.name === NODE)!.typeVersion = 2;
	return copy;
}
const V2 = atVersion2(WORKFLOW, { sharedSecret: SHARED_SECRET });
const RIGHT = { 'X-Sender-Secret': SHARED_SECRET };

/** Version 2's one answer to every authenticated, readable callback. */
function expectReceived(result: WebhookRunResult, emitted: number): void {
	expect(result.response.noWebhookResponse).toBe(true);
	expect(result.answer).toEqual({ status: 200, body: { received: true }, headers: { 'content-type': 'application/json' } });
	expect(result.items).toHaveLength(emitted);
}

describe('Sender Trigger v2: a secret is required', () => {
	beforeEach(() => forgetProcessMemory());

	test('a new node is version 2 and its Shared Secret is required', () => {
		const description = new SenderTrigger().description;
		expect(description.version).toEqual([1, 2]);
		expect(description.defaultVersion).toBe(2);
		const secrets = description.properties.filter((property) => property.name === 'sharedSecret');
		expect(secrets.map((property) => [property.displayOptions?.show?.['@version'], property.required ?? false])).toEqual([
			[[1], false],
			[[2], true],
		]);
	});

	test.each([
		['no secret', ''],
		['spaces only', '    '],
		['a secret of 15 characters', 'abcdefghijklmno'],
	])('activation is refused with %s (checkExists and create throw, nothing is asked of Sender)', async (_case, secret) => {
		const workflow = atVersion2(WORKFLOW, { sharedSecret: secret });
		for (const method of ['checkExists', 'create'] as const) {
			const activation = runWebhookMethod(workflow, NODE, method, { credentials: store });
			await expect(activation).rejects.toBeInstanceOf(NodeOperationError);
			await expect(activation).rejects.toThrow(/Sender Trigger needs a Shared Secret: .*openssl rand -hex 32.*\?secret=/);
		}
		expect(await runWebhookMethod(workflow, NODE, 'delete', { credentials: store })).toBe(true);
		expect(sim.stats.requests).toBe(0);
	});

	test('activation works with a secret of 16 characters or more, and version 1 still activates without one', async () => {
		for (const method of ['checkExists', 'create', 'delete'] as const) {
			expect(await runWebhookMethod(atVersion2(WORKFLOW, { sharedSecret: 'abcdefghijklmnop' }), NODE, method, { credentials: store })).toBe(true);
			expect(await runWebhookMethod(WORKFLOW, NODE, method, { credentials: store })).toBe(true);
		}
	});

	test('without a configured secret every callback is refused with 401, even one that presents an empty secret', async () => {
		sim.addOrder({ reference: 'SND-000040', status: 'accepted' });
		const logsBefore = capturedLogs.length;
		for (const secret of ['', 'short']) {
			const workflow = atVersion2(WORKFLOW, { sharedSecret: secret });
			for (const request of [{}, { headers: { 'X-Sender-Secret': secret } }, { query: { secret } }]) {
				const result = await deliver({ ...request, body: sim.render('SND-000040') }, workflow);
				expectRefused(result, 401);
				expect(result.answer?.body).toEqual({ message: 'Unauthorized' });
			}
		}
		expect(sim.stats.requests).toBe(0);
		expect(capturedLogs.slice(logsBefore).join('\n')).toContain('no Shared Secret is set, so no callback can be authenticated');
	});

	test.each([
		['no secret', {}],
		['a wrong secret', { headers: { 'X-Sender-Secret': SHARED_SECRET.replace(/.$/, '#') } }],
		['a wrong secret in the query', { query: { secret: 'nope' } }],
	])('%s: 401, nothing emitted, no request (verification on or off)', async (_case, request) => {
		sim.addOrder({ reference: 'SND-000041', status: 'accepted' });
		for (const workflow of [V2, atVersion2(V2, { verifyByRefetch: false })]) {
			expectRefused(await deliver({ ...request, body: sim.render('SND-000041') }, workflow), 401);
		}
		expect(sim.stats.requests).toBe(0);
	});
});

describe('Sender Trigger v2: one answer for every reference', () => {
	beforeEach(() => forgetProcessMemory());

	test('known, unknown and unverifiable references get the same 200 { received: true }; only the known one is emitted', async () => {
		sim.addOrder({ reference: 'SND-000050', status: 'accepted' });
		const logsBefore = capturedLogs.length;
		const known = await deliver({ headers: RIGHT, body: sim.render('SND-000050') }, V2);
		expectReceived(known, 1);
		expect(known.items[0].json).toMatchObject({ orderId: 'SND-000050', status: 'accepted', details: { verified: true } });

		const unknown = await deliver({ headers: RIGHT, body: { order_reference: 'SND-NOBODY', status: 'accepted' } }, V2);
		expectReceived(unknown, 0);

		sim.addOrder({ reference: 'SND-000051', status: 'accepted' });
		sim.injectFault({ route: GET_ORDER, fault: { kind: 'status', status: 503, body: { message: 'Maintenance' } } });
		const failing = await deliver({ headers: RIGHT, body: sim.render('SND-000051') }, atVersion2(V2, { options: { maxRetries: 0 } }));
		expectReceived(failing, 0);

		const logged = capturedLogs.slice(logsBefore).join('\n');
		expect(logged).toContain('Sender Trigger emitted nothing for order "SND-NOBODY": Sender does not know it');
		expect(logged).toContain('Sender Trigger could not verify the callback for order "SND-000051"');
		expect(sim.count(GET_ORDER)).toBe(3);
	});

	test('an unreadable callback is still 400 (its shape, not whether the order exists)', async () => {
		const result = await deliver({ headers: RIGHT, body: { order_reference: '../', status: 'accepted' } }, V2);
		expectRefused(result, 400);
		expect(sim.stats.requests).toBe(0);
	});

	test('the API still wins over the callback: a forged status is not emitted', async () => {
		sim.addOrder({ reference: 'SND-000052', status: 'pending' });
		const result = await deliver({ headers: RIGHT, body: { order_reference: 'SND-000052', status: 'delivered' } }, V2);
		expectReceived(result, 1);
		expect(result.items[0].json).toMatchObject({ status: 'pending', details: { callbackStatus: 'delivered', verified: true } });
	});
});

describe('Sender Trigger v2: a repeated callback is emitted once', () => {
	beforeEach(() => forgetProcessMemory());

	test('the same callback three times: emitted once, acknowledged twice, Sender asked once', async () => {
		sim.addOrder({ reference: 'SND-000060', status: 'accepted' });
		const staticData: IDataObject = {};
		const body = sim.render('SND-000060');
		const results = [];
		for (let i = 0; i < 3; i++) results.push(await runWebhook(V2, NODE, { credentials: store, staticData, request: { headers: RIGHT, body } }));
		expect(results.map((result) => result.items.length)).toEqual([1, 0, 0]);
		for (const result of results) expect(result.answer).toMatchObject({ status: 200, body: { received: true } });
		expect(sim.count(GET_ORDER)).toBe(1);
		const stored = (staticData['node:Sender Trigger'] as IDataObject).emittedCallbacks as IDataObject;
		expect(Object.keys(stored)).toEqual([callbackKey('SND-000060', 'accepted')]);
		expect(JSON.stringify(staticData)).not.toContain('SND-000060');
	});

	test('a replay claiming another status is verified, and not emitted when the API status was already emitted', async () => {
		sim.addOrder({ reference: 'SND-000061', status: 'accepted' });
		const staticData: IDataObject = {};
		const run = async (body: IDataObject) => await runWebhook(V2, NODE, { credentials: store, staticData, request: { headers: RIGHT, body } });
		expect((await run({ order_reference: 'SND-000061', status: 'accepted' })).items).toHaveLength(1);
		expect((await run({ order_reference: 'SND-000061', status: 'delivered' })).items).toHaveLength(0);
		expect((await run({ order_reference: 'SND-000061' })).items).toHaveLength(0);
		expect(sim.count(GET_ORDER)).toBe(3);
		// A new status at Sender is news: emitted once. A replay of the old callback is not even verified.
		sim.cancel('SND-000061');
		const cancelled = await run({ order_reference: 'SND-000061', status: 'canceled' });
		expect(cancelled.items.map((item) => item.json.status)).toEqual(['cancelled']);
		expect((await run({ order_reference: 'SND-000061', status: 'canceled' })).items).toHaveLength(0);
		expect((await run({ order_reference: 'SND-000061', status: 'accepted' })).items).toHaveLength(0);
		expect(sim.count(GET_ORDER)).toBe(4);
	});

	test('remembered across a restart (static data) and across concurrent copies (process memory)', async () => {
		sim.addOrder({ reference: 'SND-000062', status: 'accepted' });
		const body = sim.render('SND-000062');
		const staticData: IDataObject = {};
		expect((await runWebhook(V2, NODE, { credentials: store, staticData, request: { headers: RIGHT, body } })).items).toHaveLength(1);
		forgetProcessMemory(); // n8n restarted: only static data is left
		expect((await runWebhook(V2, NODE, { credentials: store, staticData, request: { headers: RIGHT, body } })).items).toHaveLength(0);

		// Three copies at once, each execution with its own copy of (empty) static data, as n8n loads it per request.
		sim.addOrder({ reference: 'SND-000063', status: 'accepted' });
		const copy = sim.render('SND-000063');
		const runs = await Promise.all(
			[1, 2, 3].map(async () => await runWebhook(V2, NODE, { credentials: store, staticData: {}, request: { headers: RIGHT, body: copy } })),
		);
		expect(runs.map((run) => run.items.length).sort()).toEqual([0, 0, 1]);
		for (const run of runs) expect(run.answer).toMatchObject({ status: 200, body: { received: true } });
	});

	test('after the window the pair may be emitted again; a window of 0 turns the check off', async () => {
		sim.addOrder({ reference: 'SND-000064', status: 'accepted' });
		const body = sim.render('SND-000064');
		const staticData: IDataObject = {};
		const run = async (workflow: WorkflowJson) => await runWebhook(workflow, NODE, { credentials: store, staticData, request: { headers: RIGHT, body } });
		const oneHour = atVersion2(V2, { options: { replayWindowHours: 1 } });
		expect((await run(oneHour)).items).toHaveLength(1);
		const now = Date.now();
		const clock = jest.spyOn(Date, 'now').mockImplementation(() => now + 59 * 60_000);
		try {
			expect((await run(oneHour)).items).toHaveLength(0);
			clock.mockImplementation(() => now + 61 * 60_000);
			expect((await run(oneHour)).items).toHaveLength(1);
		} finally {
			clock.mockRestore();
		}
		const off = atVersion2(V2, { options: { replayWindowHours: 0 } });
		expect((await run(off)).items).toHaveLength(1);
		expect((await run(off)).items).toHaveLength(1);
	});

	test('verification off: the callback status is the key, emitted once, no request', async () => {
		const unverified = atVersion2(V2, { verifyByRefetch: false });
		const staticData: IDataObject = {};
		const body = { order_reference: 'SND-000065', status: 'delivered' };
		const first = await runWebhook(unverified, NODE, { credentials: store, staticData, request: { headers: RIGHT, body } });
		const second = await runWebhook(unverified, NODE, { credentials: store, staticData, request: { headers: RIGHT, body } });
		expect([first.items.length, second.items.length]).toEqual([1, 0]);
		expect(first.items[0].json).toMatchObject({ status: 'delivered', details: { verified: false } });
		expect(second.answer).toEqual(first.answer);
		expect(sim.stats.requests).toBe(0);
	});
});

describe('Sender Trigger v2: verification calls are bounded', () => {
	beforeEach(() => forgetProcessMemory());

	test('at most Max Verifications per Minute calls to Sender; the rest acknowledged the same way, emitted nothing, logged', async () => {
		const bounded = atVersion2(V2, { options: { maxVerificationsPerMinute: 5 } });
		const logsBefore = capturedLogs.length;
		const now = Date.now();
		const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
		try {
			const answers = [];
			for (let i = 0; i < 8; i++) {
				const result = await deliver({ headers: RIGHT, body: { order_reference: `SND-FLOOD-${i}`, status: 'accepted' } }, bounded);
				expectReceived(result, 0);
				answers.push(JSON.stringify(result.answer));
			}
			expect(new Set(answers).size).toBe(1);
			expect(sim.count(GET_ORDER)).toBe(5);
			// A minute later the allowance is back.
			sim.addOrder({ reference: 'SND-000070', status: 'accepted' });
			expectReceived(await deliver({ headers: RIGHT, body: sim.render('SND-000070') }, bounded), 0);
			clock.mockImplementation(() => now + 60_001);
			expectReceived(await deliver({ headers: RIGHT, body: sim.render('SND-000070') }, bounded), 1);
			expect(sim.count(GET_ORDER)).toBe(6);
		} finally {
			clock.mockRestore();
		}
		const logged = capturedLogs.slice(logsBefore).filter((line) => line.includes('more than 5 verifications in the last minute'));
		expect(logged).toHaveLength(4);
	});

	test('the bound is per trigger node: another node has its own allowance', async () => {
		const bounded = atVersion2(V2, { options: { maxVerificationsPerMinute: 1 } });
		const other = JSON.parse(JSON.stringify(bounded)) as WorkflowJson;
		other.nodes[0].id = '5e1d0a57-6c3b-4d0e-9a51-0000000000ff';
		sim.addOrder({ reference: 'SND-000071', status: 'accepted' });
		sim.addOrder({ reference: 'SND-000072', status: 'accepted' });
		expectReceived(await deliver({ headers: RIGHT, body: sim.render('SND-000071') }, bounded), 1);
		expectReceived(await deliver({ headers: RIGHT, body: sim.render('SND-000072') }, bounded), 0);
		expectReceived(await deliver({ headers: RIGHT, body: sim.render('SND-000072') }, other), 1);
		expect(sim.count(GET_ORDER)).toBe(2);
	});
});

describe('Sender Trigger v2: the remembered pairs stay bounded', () => {
	test('keys have a fixed size whatever the reference, and statuses compare without case or spaces', () => {
		expect(callbackKey('S'.repeat(10_000), 'accepted')).toMatch(/^[0-9a-f]{24}$/);
		expect(callbackKey('SND-1', ' Accepted ')).toBe(callbackKey('SND-1', 'accepted'));
		expect(callbackKey('SND-1', 'accepted')).not.toBe(callbackKey('SND-1', 'canceled'));
		expect(callbackKey('SND-1', 'accepted')).not.toBe(callbackKey('SND-1accepted', ''));
	});

	test(`static data keeps at most ${MAX_REMEMBERED_CALLBACKS} pairs, the newest, and drops those out of the window`, () => {
		forgetProcessMemory();
		let now = 1_700_000_000_000;
		const staticData: IDataObject = {};
		const guard = new CallbackGuard('unit', staticData, { replayWindowMs: 3_600_000, maxVerificationsPerMinute: 1, now: () => now });
		for (let i = 0; i < MAX_REMEMBERED_CALLBACKS + 100; i++) {
			now += 1000;
			guard.remember(callbackKey(`SND-${i}`, 'accepted'));
		}
		const stored = staticData[EMITTED_STATIC_FIELD] as IDataObject;
		expect(Object.keys(stored)).toHaveLength(MAX_REMEMBERED_CALLBACKS);
		expect(JSON.stringify(stored).length).toBeLessThan(80_000);
		expect(guard.wasEmitted(callbackKey(`SND-${MAX_REMEMBERED_CALLBACKS + 99}`, 'accepted'))).toBe(true);
		expect(stored).not.toHaveProperty(callbackKey('SND-0', 'accepted'));
		// An hour later with no callbacks in between, the next one leaves only itself.
		now += 3_600_000 + 1000;
		guard.remember(callbackKey('SND-late', 'accepted'));
		expect(Object.keys(staticData[EMITTED_STATIC_FIELD] as IDataObject)).toEqual([callbackKey('SND-late', 'accepted')]);
	});
});

describe('Sender Trigger: lifecycle and end to end', () => {
	test('checkExists, create and delete register nothing at Sender and say so', async () => {
		const logsBefore = capturedLogs.length;
		for (const method of ['checkExists', 'create', 'delete'] as const) {
			expect(await runWebhookMethod(WORKFLOW, NODE, method, { credentials: store })).toBe(true);
		}
		expect(capturedLogs.slice(logsBefore).filter((line) => line.includes('callbacks are set per order'))).toHaveLength(3);
		expect(sim.stats.requests).toBe(0);
	});

	test("the simulator's one real callback POST reaches the trigger, which emits the confirmed order", async () => {
		const server = await serveWebhook(withSecret(), NODE, { credentials: store });
		try {
			sim.addOrder({
				reference: 'SND-000030',
				status: 'pending',
				callbackUrl: server.url,
				callbackHeaders: { 'X-Sender-Secret': SHARED_SECRET },
			});
			sim.accept('SND-000030');
			const record = await sim.waitForCallback('SND-000030');
			expect(record).toMatchObject({ delivered: true, httpStatus: 200, manual: false });
			await sim.callbacksSettled();
			expect(sim.callbacks).toHaveLength(1);
			expect(server.runs).toHaveLength(1);
			expect(server.runs[0].items.map((item) => item.json)).toEqual([
				expect.objectContaining({
					orderId: 'SND-000030',
					status: 'accepted',
					details: expect.objectContaining({ verified: true, labelReady: true }),
				}),
			]);
			// Sender calls back once: a later status change sends nothing more.
			sim.setStatus('SND-000030', 'in_transit');
			await sim.callbacksSettled();
			expect(sim.callbacks).toHaveLength(1);
			expect(sim.count(GET_ORDER)).toBe(1);
			visibleTexts.push(JSON.stringify(server.runs.map((run) => ({ items: run.items, answer: run.answer }))));
		} finally {
			await server.close();
		}
	});

	test('a forged POST without the secret gets 401 over HTTP too', async () => {
		const server = await serveWebhook(withSecret(), NODE, { credentials: store });
		try {
			sim.addOrder({ reference: 'SND-000031', status: 'accepted' });
			const record = await sim.sendCallback('SND-000031', { url: server.url, headers: {} });
			expect(record).toMatchObject({ delivered: false, httpStatus: 401 });
			expect(server.runs[0].items).toEqual([]);
			expect(sim.count(GET_ORDER)).toBe(0);
		} finally {
			await server.close();
		}
	});

	test('v2 over HTTP: the callback URL carries ?secret=; forged 401, real 200 and emitted, replay and unknown 200 and not emitted', async () => {
		forgetProcessMemory();
		const server = await serveWebhook(V2, NODE, { credentials: store, staticData: {} });
		try {
			sim.addOrder({ reference: 'SND-000032', status: 'pending', callbackUrl: server.url, callbackQuery: { secret: SHARED_SECRET } });
			const forged = await sim.sendCallback('SND-000032', { url: server.url, headers: {}, query: {} }, { order_reference: 'SND-000032', status: 'accepted' });
			expect([forged.httpStatus, forged.responseBody]).toEqual([401, JSON.stringify({ message: 'Unauthorized' })]);
			sim.accept('SND-000032');
			await sim.callbacksSettled();
			const real = sim.callbacks.find((record) => !record.manual)!;
			const replay = await sim.sendCallback('SND-000032');
			const unknown = await sim.sendCallback('SND-000032', {}, { order_reference: 'SND-UNKNOWN', status: 'accepted' });
			const answers = [real, replay, unknown].map((record) => [record.httpStatus, record.responseBody]);
			expect(answers).toEqual(Array(3).fill([200, JSON.stringify({ received: true })]));
			expect(server.runs.map((run) => run.items.map((item) => item.json.status))).toEqual([[], ['accepted'], [], []]);
			expect(sim.count(GET_ORDER)).toBe(2);
			visibleTexts.push(JSON.stringify(server.runs.map((run) => ({ items: run.items, answer: run.answer }))));
		} finally {
			await server.close();
		}
	});

	test('nothing the trigger produced or logged contains the API key or the shared secret', () => {
		expect(visibleTexts.length).toBeGreaterThan(20);
		const texts = [...visibleTexts, ...capturedLogs];
		expect(texts.flatMap((text) => leakedSecrets(text, [API_KEY, SHARED_SECRET]))).toEqual([]);
	});
});
