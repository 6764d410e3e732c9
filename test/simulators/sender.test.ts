import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import axios, { type AxiosRequestConfig, type AxiosResponse } from 'axios';
import type { IHttpRequestOptions } from 'n8n-workflow';

import { SenderApi } from '../../credentials/SenderApi.credentials';

import { ManualClock, type SimClock } from './framework';
import {
	SENDER_FIELDS,
	SENDER_ROUTES,
	SENDER_SAMPLE_PDF,
	SENDER_VARIANTS,
	SenderSimulator,
	type SenderSimulatorOptions,
} from './sender';

const API_KEY = 'SECRET-sender-api-key-8M3';
const OTHER_KEY = 'SECRET-sender-wrong-key-Q7x';
const CALLBACK_SECRET = 'SECRET-sender-callback-token-4Kp';

const bearer = (key = API_KEY) => ({ Authorization: `Bearer ${key}` });

/** Simulators started by a test; stopped after each test. */
const running: SenderSimulator[] = [];

async function startSim(options: Partial<SenderSimulatorOptions> = {}): Promise<SenderSimulator> {
	const sim = new SenderSimulator({ apiKey: API_KEY, ...options });
	await sim.start(0);
	running.push(sim);
	return sim;
}

async function call(
	sim: SenderSimulator,
	method: string,
	path: string,
	config: AxiosRequestConfig = {},
): Promise<AxiosResponse> {
	return await axios.request({
		method,
		url: sim.url + path,
		validateStatus: () => true,
		...config,
		headers: { ...bearer(), ...(config.headers as Record<string, string> | undefined) },
	});
}

interface Received {
	method: string;
	url: string;
	headers: IncomingHttpHeaders;
	body: string;
}

/** A local callback receiver: records every request and answers `status`. */
class CallbackReceiver {
	readonly received: Received[] = [];
	status = 200;
	private server?: Server;

	async start(): Promise<string> {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				this.received.push({
					method: req.method ?? '',
					url: req.url ?? '',
					headers: req.headers,
					body: Buffer.concat(chunks).toString('utf8'),
				});
				res.writeHead(this.status, { 'content-type': 'text/plain' });
				res.end(this.status < 300 ? 'ok' : 'nope');
			});
		});
		await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
		return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
	}

	async stop(): Promise<void> {
		const server = this.server;
		if (!server) return;
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	}
}

/** An hour: far beyond any delay a test sets, so whatever would happen by itself has happened. */
const AN_HOUR = 3_600_000;

afterEach(async () => {
	while (running.length) await running.pop()!.stop();
});

describe('Sender simulator: authentication', () => {
	it('accepts Authorization: Bearer by default and refuses a missing or wrong key with 401', async () => {
		const sim = await startSim();
		sim.addOrder({ reference: 'REF-1' });

		const ok = await call(sim, 'GET', '/orders/REF-1');
		expect(ok.status).toBe(200);

		const missing = await axios.get(`${sim.url}/orders/REF-1`, { validateStatus: () => true });
		expect(missing.status).toBe(401);
		expect(missing.data).toEqual({ message: 'Unauthenticated.' });

		const wrong = await call(sim, 'GET', '/orders/REF-1', { headers: bearer(OTHER_KEY) });
		expect(wrong.status).toBe(401);

		const headerStyle = await axios.get(`${sim.url}/orders/REF-1`, {
			headers: { 'X-Api-Key': API_KEY },
			validateStatus: () => true,
		});
		expect(headerStyle.status).toBe(401);
		expect(sim.authFailures).toBe(3);
		expect(sim.count(SENDER_ROUTES.getOrder)).toBe(4);
	});

	it('accepts a custom header when configured for it, and can accept both readings at once', async () => {
		const headerOnly = await startSim({ authHeaders: ['X-Api-Key'] });
		headerOnly.addOrder({ reference: 'REF-1' });
		const viaHeader = await axios.get(`${headerOnly.url}/orders/REF-1`, { headers: { 'x-api-key': API_KEY } });
		expect(viaHeader.status).toBe(200);
		const viaBearer = await axios.get(`${headerOnly.url}/orders/REF-1`, {
			headers: bearer(),
			validateStatus: () => true,
		});
		expect(viaBearer.status).toBe(401);

		const both = await startSim({ authHeaders: ['bearer', 'X-Api-Key'] });
		both.addOrder({ reference: 'REF-2' });
		expect((await axios.get(`${both.url}/orders/REF-2`, { headers: bearer() })).status).toBe(200);
		expect((await axios.get(`${both.url}/orders/REF-2`, { headers: { 'X-API-KEY': API_KEY } })).status).toBe(200);
	});

	it('answers a wrong key with the configured status and counts keys sent in the URL', async () => {
		const sim = await startSim({ invalidKeyStatus: 403 });
		sim.addOrder({ reference: 'REF-1' });
		expect((await call(sim, 'GET', '/orders/REF-1', { headers: bearer(OTHER_KEY) })).status).toBe(403);
		const inUrl = await axios.get(`${sim.url}/orders/REF-1?api_key=${API_KEY}`, { validateStatus: () => true });
		expect(inUrl.status).toBe(401);
		expect(sim.keyInUrl).toBe(1);
	});

	it('records x-api-lang-iso and localises error messages', async () => {
		const sim = await startSim();
		const lv = await axios.get(`${sim.url}/orders/REF-1`, {
			headers: { 'x-api-lang-iso': 'lv' },
			validateStatus: () => true,
		});
		expect(lv.status).toBe(401);
		expect(lv.data.message).toBe('Nav autentificēts.');
		const ru = await call(sim, 'GET', '/orders/NOPE', { headers: { 'x-api-lang-iso': 'ru' } });
		expect(ru.status).toBe(404);
		expect(ru.data.message).toBe('Заказ не найден.');
		await call(sim, 'GET', '/orders/NOPE');
		expect(sim.languageCounts).toEqual({ lv: 1, ru: 1, none: 1 });
	});
});

describe('Sender simulator: Get Order field variants', () => {
	it.each(SENDER_VARIANTS)('answers an accepted order in the %s variant', async (variant) => {
		const sim = await startSim({ variant });
		sim.addOrder({ reference: 'REF-V', carrier: 'dpd' });
		sim.accept('REF-V', { trackingNumber: 'CE000000001LV' });

		const res = await call(sim, 'GET', '/orders/REF-V');
		expect(res.status).toBe(200);
		const names = variant.startsWith('camel') ? SENDER_FIELDS.camel : SENDER_FIELDS.snake;
		const nested = variant.endsWith('-data');
		expect(Object.keys(res.data)).toEqual(nested ? ['data'] : expect.arrayContaining([names.reference]));
		const order = (nested ? res.data.data : res.data) as Record<string, unknown>;

		expect(order[names.reference]).toBe('REF-V');
		expect(order.status).toBe('accepted');
		expect(order.carrier).toBe('dpd');
		expect(order[names.trackingNumber]).toBe('CE000000001LV');
		expect(order[names.labelUrl]).toBe(`${sim.url}/labels/REF-V.pdf`);
		expect(order[names.labelBase64]).toBeUndefined();
		expect(typeof order[names.pickupArrivalTime]).toBe('string');
		expect(Object.keys(order)).toEqual([
			names.reference,
			'status',
			names.statusMessage,
			'carrier',
			names.deliveryType,
			names.parcelLockerCode,
			names.trackingNumber,
			names.labelUrl,
			names.pickupArrivalTime,
			'sender',
			'receiver',
			'parcels',
			names.createdAt,
			names.updatedAt,
		]);
	});

	it('uses the exact snake_case and camelCase key names', async () => {
		const sim = await startSim();
		sim.addOrder({ reference: 'REF-S', status: 'accepted' });
		const snake = (await call(sim, 'GET', '/orders/REF-S')).data;
		expect(snake).toMatchObject({ order_reference: 'REF-S', status: 'accepted' });
		expect(snake).toHaveProperty('tracking_number');
		expect(snake).toHaveProperty('label_url');
		expect(snake).toHaveProperty('pickup_arrival_time');

		sim.setVariant('camel-data', 'REF-S');
		const camel = (await call(sim, 'GET', '/orders/REF-S')).data;
		expect(camel.data).toMatchObject({ orderReference: 'REF-S', status: 'accepted' });
		expect(camel.data).toHaveProperty('trackingNumber');
		expect(camel.data).toHaveProperty('labelUrl');
		expect(camel.data).toHaveProperty('pickupArrivalTime');
		// The simulator-wide variant is unchanged for other orders.
		sim.addOrder({ reference: 'REF-T' });
		expect((await call(sim, 'GET', '/orders/REF-T')).data).toHaveProperty('order_reference', 'REF-T');
	});

	it('merges extra raw keys into the answer', async () => {
		const sim = await startSim();
		sim.addOrder({ reference: 'REF-X', extra: { price: '2.99', shipping_status: 'in_transit' } });
		expect((await call(sim, 'GET', '/orders/REF-X')).data).toMatchObject({ price: '2.99', shipping_status: 'in_transit' });
	});
});

describe('Sender simulator: labels', () => {
	it('serves a label URL that downloads a PDF', async () => {
		const sim = await startSim();
		sim.addOrder({ reference: 'REF-L', status: 'accepted' });
		const url = (await call(sim, 'GET', '/orders/REF-L')).data.label_url as string;
		expect(url).toBe(`${sim.url}/labels/REF-L.pdf`);
		const pdf = await axios.get(url, { responseType: 'arraybuffer' });
		expect(pdf.headers['content-type']).toBe('application/pdf');
		expect(Buffer.from(pdf.data as ArrayBuffer).subarray(0, 5).toString()).toBe('%PDF-');
		expect(sim.count(SENDER_ROUTES.label)).toBe(1);
	});

	it('answers base64 PDF content for base64-label orders', async () => {
		const sim = await startSim({ labelFormat: 'base64', variant: 'camel' });
		sim.addOrder({ reference: 'REF-B' });
		sim.accept('REF-B');
		const body = (await call(sim, 'GET', '/orders/REF-B')).data;
		expect(body.labelUrl).toBeUndefined();
		const decoded = Buffer.from(body.labelBase64 as string, 'base64');
		expect(decoded.equals(SENDER_SAMPLE_PDF)).toBe(true);
		expect(decoded.subarray(0, 5).toString()).toBe('%PDF-');
	});

	it('can accept an order before its label and tracking number exist, and attach them later', async () => {
		const sim = await startSim();
		sim.addOrder({ reference: 'REF-N' });
		sim.accept('REF-N', { label: null, trackingNumber: null });
		let body = (await call(sim, 'GET', '/orders/REF-N')).data;
		expect(body).toMatchObject({ status: 'accepted', label_url: null, tracking_number: null });
		sim.attachLabel('REF-N', { labelFormat: 'base64' });
		body = (await call(sim, 'GET', '/orders/REF-N')).data;
		expect(body.label_base64).toBe(SENDER_SAMPLE_PDF.toString('base64'));
		expect(body.tracking_number).toMatch(/^CE\d{9}LV$/);
	});
});

describe('Sender simulator: order lifecycle', () => {
	it('places an order that is pending, then accepted with label and tracking after the delay', async () => {
		const clock = new ManualClock();
		const sim = await startSim({ processingDelayMs: 60, clock });
		const placed = await call(sim, 'POST', '/orders', {
			data: { carrier_code: 'omniva', delivery_type: 'address-parcel_locker', parcel_locker_code: '9001' },
		});
		expect(placed.status).toBe(201);
		const reference = placed.data.order_reference as string;
		expect(reference).toMatch(/^SND-\d{6}$/);
		expect(placed.data).toMatchObject({
			status: 'pending',
			carrier: 'omniva',
			parcel_locker_code: '9001',
			tracking_number: null,
			label_url: null,
			pickup_arrival_time: null,
		});

		const early = (await call(sim, 'GET', `/orders/${reference}`)).data;
		expect(early.status).toBe('pending');

		clock.advance(59);
		expect((await call(sim, 'GET', `/orders/${reference}`)).data.status).toBe('pending');
		clock.advance(1);
		expect(sim.getOrderState(reference)?.status).toBe('accepted');
		const late = (await call(sim, 'GET', `/orders/${reference}`)).data;
		expect(late.status).toBe('accepted');
		expect(late.tracking_number).toMatch(/^CE\d{9}LV$/);
		expect(late.label_url).toBe(`${sim.url}/labels/${encodeURIComponent(reference)}.pdf`);
		expect(sim.placedOrders).toBe(1);
		expect(sim.count(SENDER_ROUTES.placeOrder)).toBe(1);
	});

	it('stays pending without a delay until accept() is called', async () => {
		const clock = new ManualClock();
		const sim = await startSim({ clock });
		sim.addOrder({ reference: 'REF-P' });
		clock.advance(AN_HOUR);
		expect((await call(sim, 'GET', '/orders/REF-P')).data.status).toBe('pending');
		sim.accept('REF-P');
		expect((await call(sim, 'GET', '/orders/REF-P')).data.status).toBe('accepted');
	});

	it('cancels (canceled / cancelled) or fails an order, with a status message and no label', async () => {
		const sim = await startSim();
		sim.addOrder({ reference: 'REF-C1' });
		sim.addOrder({ reference: 'REF-C2' });
		sim.addOrder({ reference: 'REF-F' });
		sim.cancel('REF-C1');
		sim.cancel('REF-C2', { spelling: 'cancelled', message: 'No parcel locker within 30 km' });
		sim.fail('REF-F');

		const c1 = (await call(sim, 'GET', '/orders/REF-C1')).data;
		expect(c1).toMatchObject({ status: 'canceled', label_url: null, tracking_number: null });
		expect(c1.status_message).toBe('The order could not be placed with the carrier.');
		expect((await call(sim, 'GET', '/orders/REF-C2')).data).toMatchObject({
			status: 'cancelled',
			status_message: 'No parcel locker within 30 km',
		});
		expect((await call(sim, 'GET', '/orders/REF-F')).data.status).toBe('failed');
	});

	it('reaches a configured non-accepted outcome by itself', async () => {
		const clock = new ManualClock();
		const sim = await startSim({ clock });
		sim.addOrder({ reference: 'REF-O', processAfterMs: 10, outcome: 'cancelled' });
		clock.advance(9);
		expect(sim.getOrderState('REF-O')?.status).toBe('pending');
		clock.advance(1);
		// The timer moved it, not a read.
		expect(sim.getOrderState('REF-O')?.status).toBe('cancelled');
		expect((await call(sim, 'GET', '/orders/REF-O')).data.status).toBe('cancelled');
	});

	it('processes an order when its timer fires even if the clock then reads a millisecond short of the due time', async () => {
		// Node runs a setTimeout callback by libuv's millisecond clock, and Date.now() can still read one ms less
		// than the due time it was set for. The simulator used to re-check the time in the timer, left the order
		// pending for good and never called back. This clock fires its timers exactly that way.
		let now = Date.UTC(2025, 0, 6, 9, 0, 0);
		const timers: Array<{ at: number; callback: () => void }> = [];
		const earlyClock: SimClock = {
			now: () => now,
			setTimer: (callback, ms) => {
				timers.push({ at: now + ms, callback });
				return () => undefined;
			},
		};
		const receiver = new CallbackReceiver();
		const receiverUrl = await receiver.start();
		try {
			const sim = await startSim({ clock: earlyClock, processingDelayMs: 100, callback: { url: `${receiverUrl}/cb` } });
			const order = sim.addOrder({});
			expect(timers).toHaveLength(1);
			now = timers[0].at - 1;
			timers[0].callback();
			expect(order.status).toBe('accepted');
			expect(await sim.waitForCallback(order.reference)).toMatchObject({ status: 'accepted', delivered: true });
			expect(receiver.received).toHaveLength(1);
		} finally {
			await receiver.stop();
		}
	});

	it('keeps later shipping statuses as given', async () => {
		const sim = await startSim();
		sim.addOrder({ reference: 'REF-D', status: 'accepted' });
		sim.setStatus('REF-D', 'in_transit');
		expect((await call(sim, 'GET', '/orders/REF-D')).data.status).toBe('in_transit');
		sim.setStatus('REF-D', 'delivered');
		const body = (await call(sim, 'GET', '/orders/REF-D')).data;
		expect(body.status).toBe('delivered');
		expect(body.tracking_number).toMatch(/LV$/);
	});

	it('answers 404 for an unknown reference, and decodes the reference from the path', async () => {
		const sim = await startSim();
		sim.addOrder({ reference: 'A/B 1' });
		const missing = await call(sim, 'GET', '/orders/UNKNOWN-REF');
		expect(missing.status).toBe(404);
		expect(missing.data).toEqual({ message: 'Order not found.' });
		expect((await call(sim, 'GET', `/orders/${encodeURIComponent('A/B 1')}`)).data.order_reference).toBe('A/B 1');
		expect(sim.unmatched).toHaveLength(0);
	});

	it('validates Place Order and Get Rates bodies Laravel-style (422)', async () => {
		const sim = await startSim();
		const noCarrier = await call(sim, 'POST', '/orders', { data: { receiver: { name: 'X' } } });
		expect(noCarrier.status).toBe(422);
		expect(noCarrier.data).toEqual({
			message: 'The given data was invalid.',
			errors: { carrier_code: ['The carrier code field is required.'] },
		});
		const badRates = await call(sim, 'POST', '/rates', { data: { from: { country_iso: 'LV' } } });
		expect(badRates.status).toBe(422);
		expect(Object.keys(badRates.data.errors)).toEqual(['to.country_iso']);

		const rates = await call(sim, 'POST', '/rates', {
			data: {
				from: { country_iso: 'LV', postcode: 'LV-1083' },
				to: { country_iso: 'LV', postcode: 'LV-1050' },
				delivery_type: 'address-parcel_locker',
			},
		});
		expect(rates.status).toBe(200);
		expect(rates.data[0]).toMatchObject({ collection_target: 'address', destination_target: 'parcel_locker' });
		expect(Array.isArray(rates.data[0].nearest_parcel_locker_codes)).toBe(true);
	});
});

describe('Sender simulator: callbacks', () => {
	let receiver: CallbackReceiver;
	let receiverUrl: string;

	beforeEach(async () => {
		receiver = new CallbackReceiver();
		receiverUrl = await receiver.start();
	});

	afterEach(async () => {
		while (running.length) await running.pop()!.stop();
		await receiver.stop();
	});

	it('POSTs the Get Order payload exactly once, with the configured secret header and query', async () => {
		// The simulator's clock stands still: the order cannot fall due before the test has set its callback target.
		const clock = new ManualClock();
		const sim = await startSim({ processingDelayMs: 100, clock });
		const placed = await call(sim, 'POST', '/orders', {
			data: { carrier_code: 'omniva', callback_url: `${receiverUrl}/webhook/sender` },
		});
		const reference = placed.data.order_reference as string;
		sim.setCallback(
			{ url: `${receiverUrl}/webhook/sender`, headers: { 'x-callback-secret': CALLBACK_SECRET }, query: { token: 't1' } },
			reference,
		);
		expect(sim.callbacks).toHaveLength(0);

		clock.advance(100);
		const record = await sim.waitForCallback(reference);
		expect(record).toMatchObject({ status: 'accepted', delivered: true, httpStatus: 200, responseBody: 'ok', manual: false });
		expect(receiver.received).toHaveLength(1);
		const got = receiver.received[0];
		expect(got.method).toBe('POST');
		expect(got.url).toBe('/webhook/sender?token=t1');
		expect(got.headers['content-type']).toBe('application/json');
		expect(got.headers['x-callback-secret']).toBe(CALLBACK_SECRET);
		expect(JSON.parse(got.body)).toEqual((await call(sim, 'GET', `/orders/${reference}`)).data);

		// Later changes never call back again, however much time passes.
		sim.setStatus(reference, 'in_transit');
		sim.accept(reference);
		sim.cancel(reference);
		clock.advance(AN_HOUR);
		await sim.callbacksSettled();
		expect(receiver.received).toHaveLength(1);
		expect(sim.callbacks).toHaveLength(1);
	});

	it('calls back once for a cancelled order through the global callback URL, in the order variant', async () => {
		const sim = await startSim({ variant: 'camel-data', callback: { url: `${receiverUrl}/cb` } });
		sim.addOrder({ reference: 'REF-CB' });
		sim.cancel('REF-CB', { spelling: 'cancelled' });
		sim.cancel('REF-CB');
		await sim.callbacksSettled();
		expect(receiver.received).toHaveLength(1);
		expect(JSON.parse(receiver.received[0].body).data).toMatchObject({ orderReference: 'REF-CB', status: 'cancelled' });
	});

	it('records a non-2xx answer as not delivered and does not retry', async () => {
		receiver.status = 500;
		const clock = new ManualClock();
		const sim = await startSim({ callback: { url: `${receiverUrl}/cb` }, clock });
		sim.addOrder({ reference: 'REF-500' });
		sim.accept('REF-500');
		const record = await sim.waitForCallback('REF-500');
		expect(record).toMatchObject({ delivered: false, httpStatus: 500, responseBody: 'nope' });
		// No retry is scheduled, however much time passes.
		expect(clock.pendingTimers).toBe(0);
		clock.advance(AN_HOUR);
		await sim.callbacksSettled();
		expect(sim.callbacks).toHaveLength(1);
		expect(receiver.received).toHaveLength(1);
	});

	it('records a network error when nobody listens', async () => {
		const closed = new CallbackReceiver();
		const deadUrl = await closed.start();
		await closed.stop();
		const sim = await startSim();
		sim.addOrder({ reference: 'REF-DEAD', callbackUrl: `${deadUrl}/cb` });
		sim.accept('REF-DEAD');
		const record = await sim.waitForCallback('REF-DEAD');
		expect(record.delivered).toBe(false);
		expect(record.httpStatus).toBeUndefined();
		expect(record.error).toBeTruthy();
	});

	it('says what it waited for when no callback comes', async () => {
		const sim = await startSim({ callback: { url: `${receiverUrl}/cb` } });
		sim.addOrder({ reference: 'REF-NEVER' });
		// Nothing will ever accept REF-NEVER, so even 1 ms is a fair bound here.
		await expect(sim.waitForCallback('REF-NEVER', 1)).rejects.toThrow(
			`Sender simulator: waited 1 ms for the callback POST about order REF-NEVER to finish (answered or failed), and none did; order REF-NEVER: status pending; no automatic processing scheduled; callback sent: false; callback URL: ${receiverUrl}/cb`,
		);
		await expect(sim.waitForCallback('REF-UNKNOWN', 1)).rejects.toThrow('the simulator has no order REF-UNKNOWN');
	});

	it('sends no callback without a URL, and only for placement outcomes', async () => {
		const sim = await startSim();
		sim.addOrder({ reference: 'REF-NONE' });
		sim.accept('REF-NONE');
		sim.addOrder({ reference: 'REF-SHIP', callbackUrl: `${receiverUrl}/cb` });
		sim.setStatus('REF-SHIP', 'in_transit');
		await sim.callbacksSettled();
		expect(sim.callbacks).toHaveLength(0);
		expect(receiver.received).toHaveLength(0);
	});

	it('can send a forged (secret-less) or repeated callback on demand', async () => {
		const sim = await startSim({
			callback: { url: `${receiverUrl}/cb`, headers: { 'x-callback-secret': CALLBACK_SECRET } },
		});
		sim.addOrder({ reference: 'REF-FORGE', status: 'accepted' });
		const forged = await sim.sendCallback('REF-FORGE', { headers: {} }, { order_reference: 'REF-FORGE', status: 'delivered' });
		expect(forged).toMatchObject({ manual: true, delivered: true });
		const repeated = await sim.sendCallback('REF-FORGE');
		expect(repeated.manual).toBe(true);
		expect(receiver.received).toHaveLength(2);
		expect(receiver.received[0].headers['x-callback-secret']).toBeUndefined();
		expect(JSON.parse(receiver.received[0].body)).toEqual({ order_reference: 'REF-FORGE', status: 'delivered' });
		expect(receiver.received[1].headers['x-callback-secret']).toBe(CALLBACK_SECRET);
	});

	it('is driven through the control API by other processes', async () => {
		const sim = await startSim();
		const control = async (command: string, body: unknown = {}) =>
			(await axios.post(`${sim.url}/__sim/${command}`, body)).data as Record<string, unknown>;

		expect(await control('orders', { orders: [{ reference: 'CTL-1' }, { reference: 'CTL-2' }] })).toMatchObject({
			ok: true,
			orders: 2,
		});
		expect(await control('add-order', { order: { reference: 'CTL-3', labelFormat: 'base64' } })).toEqual({
			ok: true,
			reference: 'CTL-3',
		});
		await control('callback', { url: `${receiverUrl}/cb`, query: { token: 'abc' } });
		await control('variant', { variant: 'camel' });
		expect(await control('accept', { reference: 'CTL-1', trackingNumber: 'CE123LV' })).toEqual({
			ok: true,
			status: 'accepted',
		});
		expect(await control('cancel', { reference: 'CTL-2', spelling: 'cancelled' })).toMatchObject({ status: 'cancelled' });
		expect(await control('accept', { reference: 'NOPE' })).toMatchObject({ ok: false });
		await control('set-status', { reference: 'CTL-1', status: 'delivered' });
		await sim.callbacksSettled();

		expect((await call(sim, 'GET', '/orders/CTL-1')).data).toMatchObject({
			orderReference: 'CTL-1',
			status: 'delivered',
			trackingNumber: 'CE123LV',
		});
		expect(receiver.received.map((r) => r.url)).toEqual(['/cb?token=abc', '/cb?token=abc']);
		const callbacks = (await control('callbacks')).callbacks as Array<{ reference: string; delivered: boolean }>;
		expect(callbacks.map((c) => [c.reference, c.delivered])).toEqual([
			['CTL-1', true],
			['CTL-2', true],
		]);
		expect(await control('sender-stats')).toMatchObject({ orders: 3, callbacks: 2, callbacksDelivered: 2 });

		await control('auth', { authHeaders: ['X-Api-Key'] });
		expect((await call(sim, 'GET', '/orders/CTL-3')).status).toBe(401);
		expect((await call(sim, 'GET', '/orders/CTL-3', { headers: { 'X-Api-Key': API_KEY } })).status).toBe(200);
	});
});

describe('Sender simulator: framework features', () => {
	it('records unmatched routes', async () => {
		const sim = await startSim();
		const res = await call(sim, 'GET', '/order/REF-1');
		expect(res.status).toBe(404);
		expect(sim.unmatched.map((r) => `${r.method} ${r.rawPath}`)).toEqual(['GET /order/REF-1']);
		await call(sim, 'DELETE', '/orders/REF-1');
		expect(sim.unmatched).toHaveLength(2);
		expect(sim.stats.unmatched).toBe(2);
	});

	it('injects faults on a route and then recovers', async () => {
		const sim = await startSim();
		sim.addOrder({ reference: 'REF-1' });
		sim.injectFault({ route: SENDER_ROUTES.getOrder, times: 1, fault: { kind: 'status', status: 503 } });
		expect((await call(sim, 'GET', '/orders/REF-1')).status).toBe(503);
		expect((await call(sim, 'GET', '/orders/REF-1')).status).toBe(200);
		expect(sim.stats.faultsInjected).toBe(1);
		expect(sim.stats.byStatus).toMatchObject({ '503': 1, '200': 1 });
	});

	it('rate-limits with 429 and Retry-After', async () => {
		const sim = await startSim({ rateLimit: { limit: 1, windowMs: 60_000 } });
		sim.addOrder({ reference: 'REF-1' });
		expect((await call(sim, 'GET', '/orders/REF-1')).status).toBe(200);
		const limited = await call(sim, 'GET', '/orders/REF-1');
		expect(limited.status).toBe(429);
		expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
	});
});

describe('SenderApi credential against the simulator', () => {
	const credential = new SenderApi();

	async function signed(credentials: Record<string, string>, path: string): Promise<IHttpRequestOptions> {
		return await credential.authenticate(credentials, { url: path, headers: { accept: 'application/json' } });
	}

	it('sends the key as Bearer (default) or as the named header, plus the optional language', async () => {
		const sim = await startSim({ authHeaders: ['bearer', 'X-Api-Key'] });
		sim.addOrder({ reference: 'REF-CRED' });

		const asBearer = await signed({ apiKey: API_KEY, authMode: 'bearer', language: '' }, '/orders/REF-CRED');
		expect(asBearer.headers).toEqual({ accept: 'application/json', Authorization: `Bearer ${API_KEY}` });
		expect(asBearer.url).toBe('/orders/REF-CRED');

		const asHeader = await signed(
			{ apiKey: API_KEY, authMode: 'header', headerName: 'X-Api-Key', language: 'lv' },
			'/orders/REF-CRED',
		);
		expect(asHeader.headers).toEqual({ accept: 'application/json', 'X-Api-Key': API_KEY, 'x-api-lang-iso': 'lv' });

		for (const options of [asBearer, asHeader]) {
			const res = await axios.get(sim.url + options.url, {
				headers: options.headers as Record<string, string>,
				validateStatus: () => true,
			});
			expect(res.status).toBe(200);
		}
		expect(sim.keyInUrl).toBe(0);
		expect(sim.languageCounts).toEqual({ none: 1, lv: 1 });
	});

	it('tests with Get Rates: 200 with the right key, 401 with a wrong one (the same on every n8n version)', async () => {
		const test = credential.test;
		expect([test.request.method, test.request.url]).toEqual(['POST', '/rates']);
		expect(test.request.ignoreHttpStatusErrors).toBeUndefined();
		expect((test.rules ?? []).map((rule) => rule.properties.value)).toEqual([401, 403]);

		const sim = await startSim();
		const body = test.request.body;
		const good = await signed({ apiKey: API_KEY, authMode: 'bearer' }, test.request.url!);
		expect((await axios.post(sim.url + good.url, body, { headers: good.headers as Record<string, string>, validateStatus: () => true })).status).toBe(200);
		const bad = await signed({ apiKey: OTHER_KEY, authMode: 'bearer' }, test.request.url!);
		expect((await axios.post(sim.url + bad.url, body, { headers: bad.headers as Record<string, string>, validateStatus: () => true })).status).toBe(401);
	});
});
