/**
 * The Sender Trigger driven through n8n-core's real WebhookContext (test/harness/runWebhook.ts), with the Sender
 * simulator as the API it re-fetches from, and once end to end: the simulator's own callback POST reaching a
 * local HTTP server in front of the trigger.
 */
import crypto from 'crypto';

import type { IDataObject } from 'n8n-workflow';

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

	test('nothing the trigger produced or logged contains the API key or the shared secret', () => {
		expect(visibleTexts.length).toBeGreaterThan(20);
		const texts = [...visibleTexts, ...capturedLogs];
		expect(texts.flatMap((text) => leakedSecrets(text, [API_KEY, SHARED_SECRET]))).toEqual([]);
	});
});
