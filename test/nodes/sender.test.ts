/**
 * The Sender node run through n8n-core's real WorkflowExecute against the Sender simulator: field-name variants,
 * labels, statuses, authentication, errors, retries, concurrency, error handling, identifiers and secrecy.
 */
import type { IDataObject } from 'n8n-workflow';

import { testCredential } from '../harness/credentialTest';
import {
	CredentialStore,
	fixture,
	runWorkflow,
	withNodeSettings,
	withParameters,
	type RunResult,
	type WorkflowJson,
} from '../harness/runWorkflow';
import { leakedSecrets, visibleText } from '../harness/secretScan';
import { SENDER_ROUTES, SENDER_SAMPLE_PDF, SENDER_VARIANTS, SenderSimulator } from '../simulators/sender';

const API_KEY = 'SECRET-sender-api-key-8M3';
const WRONG_KEY = 'SECRET-sender-wrong-key-Q7x';
const NODE = 'Sender';
const CREDENTIAL_ID = 'sender-1';
const WORKFLOW = fixture('sender-get-by-reference.workflow.json');
const GET_ORDER = SENDER_ROUTES.getOrder;

let sim: SenderSimulator;
let store: CredentialStore;
/** Everything any run of this file made visible, scanned for the keys by the last test. */
const visibleTexts: string[] = [];

beforeAll(async () => {
	sim = new SenderSimulator({ apiKey: API_KEY });
	await sim.start(0);
});
afterAll(async () => await sim.stop());

function useCredential(data: IDataObject = {}): void {
	store = new CredentialStore();
	store.add({
		id: CREDENTIAL_ID,
		name: 'Sender test account',
		type: 'senderApi',
		data: {
			environment: 'custom',
			baseUrl: sim.url,
			apiKey: API_KEY,
			authMode: 'bearer',
			headerName: 'X-Api-Key',
			language: '',
			...data,
		},
	});
}

beforeEach(() => {
	sim.clearOrders();
	sim.clearFaults();
	sim.resetStats();
	sim.latencyMs = 0;
	sim.variant = 'snake';
	sim.authHeaders = ['bearer'];
	useCredential();
});

async function run(references: unknown[], workflow: WorkflowJson = WORKFLOW): Promise<RunResult> {
	const result = await runWorkflow(workflow, {
		credentials: store,
		input: references.map((reference) => ({ reference }) as IDataObject),
	});
	visibleTexts.push(visibleText(result));
	return result;
}

const json = (result: RunResult, output = 0) => result.output(NODE, output).map((item) => item.json);
const continueRegular = (workflow = WORKFLOW) => withNodeSettings(workflow, NODE, { onError: 'continueRegularOutput' });
const continueError = (workflow = WORKFLOW) => withNodeSettings(workflow, NODE, { onError: 'continueErrorOutput' });

/** No request may leave the documented routes, and none may carry the key in its URL. */
afterEach(() => {
	expect(sim.unmatched).toEqual([]);
	expect(sim.keyInUrl).toBe(0);
});

describe('Sender: reading an order', () => {
	test.each(SENDER_VARIANTS.map((variant) => [variant]))('field naming %s', async (variant) => {
		sim.variant = variant;
		const order = sim.addOrder({ reference: 'SND-000001', status: 'accepted', parcelLockerCode: '9001' });
		const result = await run(['SND-000001']);
		expect(result.error).toBeUndefined();
		const [item] = json(result);
		expect(item).toMatchObject({
			provider: 'sender',
			orderId: 'SND-000001',
			status: 'accepted',
			statusLabel: 'Accepted',
			statusRaw: 'accepted',
			statusSource: 'provider',
			isFinal: false,
			details: {
				trackingNumber: order.trackingNumber,
				labelUrl: `${sim.url}/labels/SND-000001.pdf`,
				labelReady: true,
				carrier: 'omniva',
				pickupArrivalTime: order.pickupArrivalTime,
				deliveryType: 'address-parcel_locker',
				parcelLockerCode: '9001',
			},
			raw: sim.render('SND-000001'),
		});
		expect(Date.parse(item.checkedAt as string)).not.toBeNaN();
		expect(sim.requests.map((request) => request.rawPath)).toEqual(['/orders/SND-000001']);
	});

	test('a base64 label becomes binary data with the PDF bytes, and stays out of details', async () => {
		sim.addOrder({ reference: 'SND-000002', status: 'accepted', labelFormat: 'base64' });
		const result = await run(['SND-000002']);
		const [item] = result.output(NODE);
		const base64 = SENDER_SAMPLE_PDF.toString('base64');
		expect(item.binary?.label).toMatchObject({ mimeType: 'application/pdf', fileName: 'SND-000002.pdf' });
		expect(Buffer.from(item.binary!.label.data, 'base64').equals(SENDER_SAMPLE_PDF)).toBe(true);
		expect(item.json.details).toMatchObject({ labelReady: true, labelBinaryProperty: 'label' });
		expect(item.json.details).not.toHaveProperty('labelUrl');
		expect(JSON.stringify(item.json.details)).not.toContain(base64);
		// `raw` is the provider's answer unchanged, label included.
		expect((item.json.raw as IDataObject).label_base64).toBe(base64);
	});

	test('without the raw response the item is small, and the label is still binary data', async () => {
		sim.addOrder({ reference: 'SND-000003', status: 'accepted', labelFormat: 'base64' });
		const result = await run(['SND-000003'], withParameters(WORKFLOW, NODE, { options: { includeRaw: false } }));
		const [item] = result.output(NODE);
		expect(item.json).not.toHaveProperty('raw');
		expect(JSON.stringify(item.json)).not.toContain(SENDER_SAMPLE_PDF.toString('base64'));
		expect(item.binary?.label.mimeType).toBe('application/pdf');
	});

	test('label and tracking number not there yet: the item succeeds with labelReady false', async () => {
		sim.addOrder({ reference: 'SND-000004', status: 'accepted', label: null, trackingNumber: null });
		sim.addOrder({ reference: 'SND-000005', status: 'pending' });
		sim.accept('SND-000004', { label: null, trackingNumber: null });
		const result = await run(['SND-000004', 'SND-000005']);
		expect(result.error).toBeUndefined();
		const [accepted, pending] = result.output(NODE);
		expect(accepted.json).toMatchObject({ status: 'accepted', details: { labelReady: false } });
		expect(accepted.json.details).not.toHaveProperty('trackingNumber');
		expect(accepted.binary).toBeUndefined();
		expect(pending.json).toMatchObject({ status: 'pending', statusSource: 'keyword', details: { labelReady: false } });
	});

	test.each([
		['accepted', 'accepted', 'provider', false],
		['canceled', 'cancelled', 'provider', true],
		['cancelled', 'cancelled', 'provider', true],
		['failed', 'rejected', 'provider', true],
		['in_transit', 'shipped', 'keyword', false],
		['delivered', 'delivered', 'keyword', true],
		['ZEBRA', 'unknown', 'unknown', false],
	])('status %s → %s (%s)', async (raw, status, statusSource, isFinal) => {
		sim.addOrder({ reference: 'SND-000010', status: raw, statusMessage: raw === 'failed' ? 'No carrier' : null });
		const [item] = json(await run(['SND-000010']));
		expect(item).toMatchObject({ status, statusSource, statusRaw: raw, isFinal });
		if (raw === 'failed') expect(item.details).toMatchObject({ statusMessage: 'No carrier' });
	});

	test('a custom mapping wins over the table', async () => {
		sim.addOrder({ reference: 'SND-000011', status: 'ZEBRA' });
		const workflow = withParameters(WORKFLOW, NODE, {
			options: { customStatusMapping: { mappings: [{ providerValue: 'zebra', status: 'on_hold' }] } },
		});
		expect(json(await run(['SND-000011'], workflow))[0]).toMatchObject({ status: 'on_hold', statusSource: 'custom' });
	});

	test('an answer that is not an order is a clear error, not a status', async () => {
		sim.addOrder({ reference: 'SND-000012', status: 'accepted' });
		sim.injectFault({
			route: GET_ORDER,
			fault: { kind: 'raw', contentType: 'text/html', body: '<html>maintenance</html>' },
		});
		const result = await run(['SND-000012']);
		expect(result.error?.message).toMatch(/Sender sent an answer that cannot be read/);
	});
});

describe('Sender: authentication and language', () => {
	test('Authorization: Bearer by default, no language header unless chosen', async () => {
		sim.addOrder({ reference: 'SND-000020', status: 'accepted' });
		await run(['SND-000020']);
		expect(sim.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
		expect(sim.requests[0].headers['x-api-lang-iso']).toBeUndefined();
	});

	test('a custom header carries the bare key, and the language header is sent', async () => {
		sim.authHeaders = ['x-api-key'];
		useCredential({ authMode: 'header', headerName: 'X-Api-Key', language: 'lv' });
		sim.addOrder({ reference: 'SND-000021', status: 'accepted' });
		const result = await run(['SND-000021']);
		expect(result.error).toBeUndefined();
		expect(sim.requests[0].headers['x-api-key']).toBe(API_KEY);
		expect(sim.requests[0].headers.authorization).toBeUndefined();
		expect(sim.requests[0].headers['x-api-lang-iso']).toBe('lv');
		expect(sim.languageCounts).toEqual({ lv: 1 });
	});

	test('401: the error names the credential, its key and "Send Key As" (in the chosen language)', async () => {
		useCredential({ apiKey: WRONG_KEY, language: 'lv' });
		sim.addOrder({ reference: 'SND-000022', status: 'accepted' });
		const result = await run(['SND-000022']);
		expect(result.error?.message).toBe(
			'Sender: the API key was refused (Nav autentificēts.): check the API Key and "Send Key As" of the "Sender API" credential',
		);
		expect((result.error as { httpCode?: string }).httpCode).toBe('401');
		// A credential error is not retried.
		expect(sim.count(GET_ORDER)).toBe(1);
	});

	test('a key sent the wrong way is refused like a wrong key', async () => {
		sim.authHeaders = ['x-api-key'];
		sim.addOrder({ reference: 'SND-000023', status: 'accepted' });
		const result = await run(['SND-000023']);
		expect(result.error?.message).toContain('"Send Key As"');
		expect(sim.authFailures).toBe(1);
	});

	test('"Test credential" says OK for the right key and Error for a wrong one', async () => {
		expect(await testCredential(store, CREDENTIAL_ID)).toEqual({ status: 'OK', message: 'Connection successful!' });
		useCredential({ apiKey: WRONG_KEY });
		const refused = await testCredential(store, CREDENTIAL_ID);
		expect(refused.status).toBe('Error');
		expect(refused.message).toContain('Sender refused the API key (401)');
		expect(refused.message).not.toContain(WRONG_KEY);
		sim.authHeaders = ['x-api-key'];
		useCredential({ authMode: 'header' });
		expect((await testCredential(store, CREDENTIAL_ID)).status).toBe('OK');
		// n8n itself sends a refused credential test once more (its 401 refresh path): 1 + 2 + 1 requests.
		expect(sim.requests.map((request) => `${request.method} ${request.rawPath}`)).toEqual(
			Array.from({ length: 4 }, () => 'POST /rates'),
		);
		expect(sim.requests[3].headers['x-api-key']).toBe(API_KEY);
	});
});

describe('Sender: errors, retries and concurrency', () => {
	test('404: a clear error for the unknown reference', async () => {
		const result = await run(['SND-404']);
		expect(result.error?.message).toBe('Sender: Order not found.');
		expect((result.error as { description?: string }).description).toContain('Place Order');
		expect((result.error as { httpCode?: string }).httpCode).toBe('404');
	});

	test('retries after 503 and 429 (Retry-After), then succeeds', async () => {
		sim.addOrder({ reference: 'SND-000030', status: 'accepted' });
		sim.injectFault({
			route: GET_ORDER,
			times: 1,
			fault: { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
		});
		sim.injectFault({ route: GET_ORDER, times: 1, fault: { kind: 'status', status: 503 } });
		const result = await run(['SND-000030']);
		expect(result.error).toBeUndefined();
		expect(json(result)[0]).toMatchObject({ status: 'accepted' });
		expect(sim.count(GET_ORDER)).toBe(3);
		expect(sim.stats.byStatus).toEqual({ 429: 1, 503: 1, 200: 1 });
	});

	test('gives up after Max Retries with a message that says so', async () => {
		sim.addOrder({ reference: 'SND-000031', status: 'accepted' });
		sim.injectFault({ route: GET_ORDER, fault: { kind: 'status', status: 503, body: { message: 'Maintenance' } } });
		const result = await run(['SND-000031'], withParameters(WORKFLOW, NODE, { options: { maxRetries: 1 } }));
		expect(result.error?.message).toBe('Sender: Maintenance (after 1 retry)');
		expect(sim.count(GET_ORDER)).toBe(2);
	});

	test('concurrent requests keep the input order', async () => {
		const references = ['SND-000041', 'SND-000042', 'SND-000043', 'SND-000044', 'SND-000045', 'SND-000046'];
		references.forEach((reference) => sim.addOrder({ reference, status: 'accepted' }));
		// The second and third items are answered only once the last one has been asked for, so a run that appended
		// in arrival order would come out shuffled. (The first item runs alone, so it cannot be held.)
		const last = references.at(-1)!;
		const lastAsked = sim.waitForRequest((request) => request.params.reference === last, `the Get Order request for ${last}`);
		sim.injectFault({
			route: GET_ORDER,
			when: (request) => references.slice(1, 3).includes(request.params.reference),
			fault: { kind: 'hold', until: lastAsked },
		});
		const result = await run(references, withParameters(WORKFLOW, NODE, { options: { maxConcurrency: 3 } }));
		await lastAsked;
		expect(json(result).map((item) => item.orderId)).toEqual(references);
		expect(result.output(NODE).map((item) => item.pairedItem)).toEqual(references.map((_r, item) => ({ item })));
		// The two held requests and the last one were in flight together: the limit, and no more.
		expect(sim.stats.maxConcurrent).toBe(3);
	});

	test('continue (regular output): the failed item becomes an error item in its place', async () => {
		sim.addOrder({ reference: 'SND-000050', status: 'accepted' });
		sim.addOrder({ reference: 'SND-000052', status: 'canceled' });
		const result = await run(['SND-000050', 'SND-404', 'SND-000052'], continueRegular());
		expect(result.error).toBeUndefined();
		const items = result.output(NODE);
		expect(items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items[0].json).toMatchObject({ status: 'accepted' });
		expect(items[1].json).toEqual({
			provider: 'sender',
			orderId: 'SND-404',
			error: expect.objectContaining({ message: 'Sender: Order not found.', httpCode: '404', providerCode: null }),
		});
		expect(items[2].json).toMatchObject({ status: 'cancelled' });
	});

	test('continue (error output): the failed item goes to the last output, the others carry on', async () => {
		sim.addOrder({ reference: 'SND-000060', status: 'accepted' });
		sim.addOrder({ reference: 'SND-000062', status: 'failed' });
		const result = await run(['SND-000060', 'SND-404', 'SND-000062'], continueError());
		expect(result.error).toBeUndefined();
		expect(result.outputCount(NODE)).toBe(2);
		const [success, failure] = [result.output(NODE, 0), result.output(NODE, 1)];
		expect(success.map((item) => [item.json.orderId, item.pairedItem])).toEqual([
			['SND-000060', { item: 0 }],
			['SND-000062', { item: 2 }],
		]);
		expect(failure).toHaveLength(1);
		expect(failure[0].pairedItem).toEqual({ item: 1 });
		// n8n merges the input item into error items, so its fields (here `reference`) come along.
		expect(failure[0].json).toEqual({
			reference: 'SND-404',
			error: {
				provider: 'sender',
				orderId: 'SND-404',
				message: 'Sender: Order not found.',
				description: 'No Sender order has this reference. Use the order reference from the Place Order response.',
				httpCode: '404',
				providerCode: null,
			},
		});
	});
});

describe('Sender: order references', () => {
	test.each([
		['empty', '', /Order Reference is empty/],
		['whitespace', '   ', /Order Reference is empty/],
		['..', '..', /no letter or digit/],
		['?', '?', /no letter or digit/],
		['#', '#', /no letter or digit/],
		['very long', 'R'.repeat(1000), /1000 characters long/],
		['a control character', 'SND\u0000-1', /control characters/],
		['a line break', 'SND-1\r\nX-Injected: 1', /control characters/],
		['an object', { id: 'SND-1' }, /gave an object/],
		['a list', ['SND-1'], /gave a list/],
	])('%s is refused with a clear error and no request', async (_case, reference, message) => {
		const result = await run([reference], continueRegular());
		const [item] = json(result);
		expect((item.error as IDataObject).message).toMatch(message);
		expect((item.error as IDataObject).description).toContain('No request was sent');
		expect(sim.stats.requests).toBe(0);
	});

	test('without "continue", a refused reference stops the node with the item index; nothing from it on is sent', async () => {
		sim.addOrder({ reference: 'SND-1', status: 'accepted' });
		const result = await run(['SND-1', '   ', 'SND-2']);
		expect(result.error?.message).toBe('Order Reference is empty');
		expect((result.error as { context?: IDataObject }).context?.itemIndex).toBe(1);
		// Items are read as the requests go: the one before the bad item was asked for, none after it.
		expect(sim.stats.requests).toBe(1);
	});

	test.each([['../x'], ['%2e%2e/'], ['..%2F..%2Fadmin'], ['SND-1?status=delivered'], ['SND-1#x'], ['%5Cevil'], ['\uD800bad']])(
		'%s is refused before any request, with a clear error for that item',
		async (reference) => {
			const result = await run([reference], continueRegular());
			expect(sim.requests).toHaveLength(0);
			const [item] = json(result);
			expect(item.orderId).toBe(reference);
			expect(String((item.error as IDataObject).message)).toMatch(/contains \/, \\, \?, # or %|contains an invalid character/);
		},
	);

	test('a reference with characters a file name cannot hold is encoded into one segment and found', async () => {
		sim.addOrder({ reference: 'a b:c*d', status: 'accepted', labelFormat: 'base64' });
		const result = await run(['a b:c*d']);
		expect(result.error).toBeUndefined();
		expect(sim.requests[0].rawPath).toBe(`/orders/${encodeURIComponent('a b:c*d')}`);
		const [item] = result.output(NODE);
		expect(item.json).toMatchObject({ orderId: 'a b:c*d', status: 'accepted' });
		expect(item.binary?.label.fileName).toMatch(/^[^:*]+\.pdf$/);
	});

	test('expressions build the reference and set options', async () => {
		sim.addOrder({ reference: 'SND-000077', status: 'accepted' });
		const workflow = withParameters(WORKFLOW, NODE, {
			orderReference: "={{ $json.shop.prefix + '-' + String($json.shop.number).padStart(6, '0') }}",
			options: { includeRaw: '={{ $json.withRaw }}' },
		});
		const result = await runWorkflow(workflow, {
			credentials: store,
			input: [{ shop: { prefix: 'SND', number: 77 }, withRaw: false }],
		});
		visibleTexts.push(visibleText(result));
		const [item] = json(result);
		expect(item).toMatchObject({ orderId: 'SND-000077', status: 'accepted' });
		expect(item).not.toHaveProperty('raw');
	});

	test('a numeric reference from JSON is read as its text', async () => {
		sim.addOrder({ reference: '1234567', status: 'accepted' });
		expect(json(await run([1234567]))[0]).toMatchObject({ orderId: '1234567', status: 'accepted' });
	});
});

describe('Sender: secrecy', () => {
	test('refused keys and dropped connections end in errors (scanned below)', async () => {
		useCredential({ apiKey: WRONG_KEY });
		const refused = await run(['SND-1', 'SND-2'], continueError());
		expect(refused.output(NODE, 1).map((item) => (item.json.error as IDataObject).httpCode)).toEqual(['401', '401']);
		useCredential();
		sim.injectFault({ route: GET_ORDER, fault: { kind: 'reset' } });
		const dropped = await run(['SND-3'], withParameters(continueRegular(), NODE, { options: { maxRetries: 0 } }));
		expect((json(dropped)[0].error as IDataObject).message).toBe('Could not reach Sender: the connection was reset');
	});

	test('no output, error, description or log line of any run in this file contains an API key', () => {
		expect(visibleTexts.length).toBeGreaterThan(30);
		const leaks = visibleTexts.flatMap((text) => leakedSecrets(text, [API_KEY, WRONG_KEY]));
		expect(leaks).toEqual([]);
	});
});
