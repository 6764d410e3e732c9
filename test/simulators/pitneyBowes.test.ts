/**
 * The Pitney Bowes Fulfillment simulator against its contract (the provider facts docs/provider-apis.md lists),
 * spoken to with plain axios, plus the credential's token request run through n8n's own outbound HTTP client.
 */
import { Container } from '@n8n/di';
import { OutboundHttp } from '@n8n/backend-network';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { IHttpRequestHelper, IHttpRequestOptions } from 'n8n-workflow';

import {
	PITNEY_BOWES_URLS,
	PitneyBowesFulfillmentApi,
} from '../../credentials/PitneyBowesFulfillmentApi.credentials';
import { baseUrlExpression } from '../../nodes/shared/environment';
import { ManualClock } from './framework';
import {
	PITNEY_BOWES_ERRORS,
	PITNEY_BOWES_ROUTES,
	PITNEY_BOWES_SAMPLE_STATUSES,
	PitneyBowesSimulator,
	pitneyBowesErrorBody,
} from './pitneyBowes';

const API_KEY = 'KEY-pb-api-key-7Q2';
const API_SECRET = 'SECRET-pb-api-secret-4K9';
const CLIENT_ID = 'MYCLIENT';
const SEARCH_PATH = '/shippingservices/fulfillment/v1/orders/status/search';
const statusPath = (orderId: string) =>
	`/shippingservices/fulfillment/v1/orders/${encodeURIComponent(orderId)}/status`;
const basic = (key: string, secret: string) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;

let sim: PitneyBowesSimulator;
let http: AxiosInstance;
/** The simulator's time stands still unless a test moves it. */
let clock: ManualClock;
let transactionCounter = 0;
const nextTransactionId = () => `n8n-test-${++transactionCounter}`;

beforeEach(async () => {
	clock = new ManualClock();
	sim = new PitneyBowesSimulator({ apiKey: API_KEY, apiSecret: API_SECRET, clientId: CLIENT_ID, clock });
	await sim.start();
	http = axios.create({ baseURL: sim.url, validateStatus: () => true });
});

afterEach(async () => {
	await sim.stop();
});

async function requestToken(key = API_KEY, secret = API_SECRET): Promise<AxiosResponse> {
	return await http.post('/oauth/token', 'grant_type=client_credentials', {
		headers: { Authorization: basic(key, secret), 'Content-Type': 'application/x-www-form-urlencoded' },
	});
}

async function token(): Promise<string> {
	const response = await requestToken();
	expect(response.status).toBe(200);
	return response.data.access_token as string;
}

async function getStatus(
	orderId: string,
	accessToken: string | undefined,
	options: { clientId?: string | null; transactionId?: string | null; brand?: string } = {},
): Promise<AxiosResponse> {
	const headers: Record<string, string> = {};
	if (accessToken !== undefined) headers.Authorization = `Bearer ${accessToken}`;
	const transactionId = options.transactionId === undefined ? nextTransactionId() : options.transactionId;
	if (transactionId !== null) headers['X-PB-TransactionId'] = transactionId;
	const params: Record<string, string> = {};
	const clientId = options.clientId === undefined ? CLIENT_ID : options.clientId;
	if (clientId !== null) params.clientId = clientId;
	if (options.brand !== undefined) params.brand = options.brand;
	return await http.get(statusPath(orderId), { headers, params });
}

async function search(
	accessToken: string,
	body: unknown,
	params: Record<string, string | number> = {},
): Promise<AxiosResponse> {
	return await http.post(SEARCH_PATH, body, {
		params,
		headers: { Authorization: `Bearer ${accessToken}`, 'X-PB-TransactionId': nextTransactionId() },
	});
}

describe('token endpoint', () => {
	it('issues a token for Basic key:secret and a client_credentials form body, in the documented shape', async () => {
		const response = await requestToken();
		expect(response.status).toBe(200);
		expect(Object.keys(response.data).sort()).toEqual(
			['access_token', 'clientID', 'expiresIn', 'issuedAt', 'org', 'tokenType'].sort(),
		);
		expect(response.data).toMatchObject({
			tokenType: 'BearerToken',
			expiresIn: '35999',
			clientID: API_KEY,
			org: 'pitneybowes',
		});
		expect(typeof response.data.access_token).toBe('string');
		expect(response.data.issuedAt).toMatch(/^\d{13}$/);
		expect(response.data.issuedAt).toBe(String(clock.now()));
		expect(sim.tokenRequests).toBe(1);
		expect(sim.tokensIssued).toBe(1);
		expect(sim.count(PITNEY_BOWES_ROUTES.token)).toBe(1);

		// The token works on the API.
		sim.addOrder({ orderId: 'PB-1', status: 'RECEIVED' });
		expect((await getStatus('PB-1', response.data.access_token)).status).toBe(200);
	});

	it('reports a configured lifetime as a string and expires the token after it', async () => {
		sim.tokenLifetimeSeconds = 1;
		const response = await requestToken();
		expect(response.data.expiresIn).toBe('1');
		sim.addOrder({ orderId: 'PB-1', status: 'RECEIVED' });
		expect((await getStatus('PB-1', response.data.access_token)).status).toBe(200);
		clock.advance(999);
		expect((await getStatus('PB-1', response.data.access_token)).status).toBe(200);
		clock.advance(1);
		const expired = await getStatus('PB-1', response.data.access_token);
		expect(expired.status).toBe(401);
		expect(expired.data.errors[0].errorCode).toBe('PB-APIM-ERR-1003');
	});

	it('refuses a wrong secret, a wrong key and a missing Basic header with 401', async () => {
		for (const response of [
			await requestToken(API_KEY, 'SECRET-wrong'),
			await requestToken('KEY-wrong', API_SECRET),
			await http.post('/oauth/token', 'grant_type=client_credentials', {
				headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			}),
		]) {
			expect(response.status).toBe(401);
			expect(response.data.errors[0].errorCode).toBe(PITNEY_BOWES_ERRORS.invalidClient.errorCode);
			expect(response.data).not.toHaveProperty('access_token');
		}
		expect(sim.tokensIssued).toBe(0);
		expect(sim.tokenRequestsRejected).toBe(3);
	});

	it('refuses another grant type and a JSON body with 400', async () => {
		const wrongGrant = await http.post('/oauth/token', 'grant_type=password', {
			headers: { Authorization: basic(API_KEY, API_SECRET), 'Content-Type': 'application/x-www-form-urlencoded' },
		});
		expect(wrongGrant.status).toBe(400);
		expect(wrongGrant.data.errors[0].errorCode).toBe('unsupported_grant_type');
		const jsonBody = await http.post(
			'/oauth/token',
			{ grant_type: 'client_credentials' },
			{ headers: { Authorization: basic(API_KEY, API_SECRET) } },
		);
		expect(jsonBody.status).toBe(400);
		expect(jsonBody.data.errors[0].errorCode).toBe('invalid_request');
		expect(sim.tokensIssued).toBe(0);
	});

	it('limits token requests per minute when configured', async () => {
		await sim.stop();
		sim = new PitneyBowesSimulator({ apiKey: API_KEY, apiSecret: API_SECRET, maxTokensPerMinute: 2, clock });
		await sim.start();
		http = axios.create({ baseURL: sim.url, validateStatus: () => true });
		expect((await requestToken()).status).toBe(200);
		expect((await requestToken()).status).toBe(200);
		const third = await requestToken();
		expect(third.status).toBe(429);
		expect(third.data.errors[0].errorCode).toBe('PB-APIM-ERR-1006');
		expect(sim.tokensIssued).toBe(2);
		expect(sim.tokens.refusedForRate).toBe(1);
	});
});

describe('Get Order Status', () => {
	it('answers the documented status subset of the Orders object', async () => {
		sim.addOrder({
			orderId: 'PB-ORDER-ID',
			clientOrderId: 'SO-100234',
			customerOrderId: 'WEB-55821',
			status: 'ON_HOLD',
			holdReason: ['INVENTORY_HOLD'],
			createDate: '2024-05-01T14:03:00Z',
			pbCreateDate: '2024-05-01T14:03:07Z',
			updateDate: '2024-05-01T14:03:00Z',
			pbUpdateDate: '2024-05-02T09:12:44Z',
		});
		const response = await getStatus('PB-ORDER-ID', await token());
		expect(response.status).toBe(200);
		expect(response.headers['content-type']).toMatch(/^application\/json/);
		expect(response.data).toEqual({
			clientId: 'MYCLIENT',
			clientOrderId: 'SO-100234',
			orderId: 'PB-ORDER-ID',
			customerOrderId: 'WEB-55821',
			status: 'ON_HOLD',
			isOnHold: true,
			holdReason: ['INVENTORY_HOLD'],
			createDate: '2024-05-01T14:03:00Z',
			pbCreateDate: '2024-05-01T14:03:07Z',
			updateDate: '2024-05-01T14:03:00Z',
			pbUpdateDate: '2024-05-02T09:12:44Z',
		});
		const request = sim.requests.at(-1)!;
		expect(request.route).toBe(PITNEY_BOWES_ROUTES.orderStatus);
		expect(request.query.get('clientId')).toBe('MYCLIENT');
	});

	it('passes any status value through, including undocumented and made-up ones', async () => {
		const accessToken = await token();
		const orders = sim.seedSampleOrders();
		expect(orders.map((o) => o.status)).toEqual([...PITNEY_BOWES_SAMPLE_STATUSES]);
		for (const order of orders) {
			const response = await getStatus(order.orderId, accessToken);
			expect(response.status).toBe(200);
			expect(response.data.status).toBe(order.status);
			expect(response.data.isOnHold).toBe(order.status === 'ON_HOLD');
			expect(response.data.holdReason).toEqual(order.status === 'ON_HOLD' ? ['INVENTORY_HOLD'] : []);
		}
		expect((await getStatus('PB-SIM-ZEBRA_STAGE', accessToken)).data.status).toBe('ZEBRA_STAGE');
	});

	it('changes status and hold state, moving pbUpdateDate', async () => {
		const accessToken = await token();
		sim.addOrder({ orderId: 'PB-7', status: 'RECEIVED', pbUpdateDate: '2024-01-01T00:00:00Z' });
		sim.setStatus('PB-7', 'PICKED', { at: '2024-01-02T10:00:00Z' });
		let data = (await getStatus('PB-7', accessToken)).data;
		expect(data).toMatchObject({ status: 'PICKED', isOnHold: false, holdReason: [], pbUpdateDate: '2024-01-02T10:00:00Z' });

		sim.setHold('PB-7', ['INVENTORY_HOLD'], '2024-01-03T10:00:00Z');
		data = (await getStatus('PB-7', accessToken)).data;
		expect(data).toMatchObject({ status: 'PICKED', isOnHold: true, holdReason: ['INVENTORY_HOLD'] });

		sim.setStatus('PB-7', 'ON_HOLD');
		data = (await getStatus('PB-7', accessToken)).data;
		expect(data).toMatchObject({ status: 'ON_HOLD', isOnHold: true, holdReason: ['INVENTORY_HOLD'] });
		expect(Date.parse(data.pbUpdateDate)).toBeGreaterThan(Date.parse('2024-01-03T10:00:00Z'));
		expect(data.pbUpdateDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

		sim.setStatus('PB-7', 'SHIPPED');
		data = (await getStatus('PB-7', accessToken)).data;
		expect(data).toMatchObject({ status: 'SHIPPED', isOnHold: false, holdReason: [] });
		expect(() => sim.setStatus('nope', 'SHIPPED')).toThrow(/no Pitney Bowes order/);
	});

	it('answers 404 for an unknown order, another client\'s order and a brand mismatch', async () => {
		const accessToken = await token();
		sim.addOrder({ orderId: 'PB-OTHER', clientId: 'OTHERCLIENT', status: 'SHIPPED' });
		sim.addOrder({ orderId: 'PB-BRAND', status: 'SHIPPED', brand: 'Acme' });
		for (const response of [
			await getStatus('PB-NOPE', accessToken),
			await getStatus('PB-OTHER', accessToken),
			await getStatus('PB-BRAND', accessToken, { brand: 'Other' }),
		]) {
			expect(response.status).toBe(404);
			expect(response.data.errors[0]).toMatchObject({
				errorCode: PITNEY_BOWES_ERRORS.orderNotFound.errorCode,
				errorDescription: 'Order not found',
			});
			expect(typeof response.data.errors[0].additionalInfo).toBe('string');
		}
		expect((await getStatus('PB-BRAND', accessToken, { brand: 'Acme' })).status).toBe(200);
		expect((await getStatus('PB-OTHER', accessToken, { clientId: 'OTHERCLIENT' })).status).toBe(200);
	});

	it('requires clientId and rejects an unknown one with the documented 400', async () => {
		const accessToken = await token();
		sim.addOrder({ orderId: 'PB-1', status: 'RECEIVED' });
		const missing = await getStatus('PB-1', accessToken, { clientId: null });
		const unknown = await getStatus('PB-1', accessToken, { clientId: 'NOBODY' });
		for (const response of [missing, unknown]) {
			expect(response.status).toBe(400);
			expect(response.data.errors[0]).toMatchObject({ errorCode: '1000004', errorDescription: 'Invalid clientId' });
		}
	});

	it('validates X-PB-TransactionId and records every value it saw', async () => {
		const accessToken = await token();
		sim.addOrder({ orderId: 'PB-1', status: 'RECEIVED' });
		const valid = 'Abc_123-xyz_456-789_ABCDE'; // 25 characters, underscores and hyphens allowed
		expect(valid).toHaveLength(25);
		expect((await getStatus('PB-1', accessToken, { transactionId: valid })).status).toBe(200);
		for (const transactionId of [null, `${valid}F`, 'has space', 'dot.ted', 'ümlaut']) {
			const response = await getStatus('PB-1', accessToken, { transactionId });
			expect(response.status).toBe(400);
			expect(response.data.errors[0].errorCode).toBe(PITNEY_BOWES_ERRORS.invalidTransactionId.errorCode);
		}
		expect(sim.transactionIds).toEqual(expect.arrayContaining([valid, `${valid}F`, 'has space', 'dot.ted']));
		// Reuse is only recorded by default…
		expect((await getStatus('PB-1', accessToken, { transactionId: valid })).status).toBe(200);
		expect(sim.duplicateTransactionIds()).toEqual([valid]);
		// …and refused when asked for.
		sim.rejectDuplicateTransactionIds = true;
		const reused = await getStatus('PB-1', accessToken, { transactionId: valid });
		expect(reused.status).toBe(400);
		expect(reused.data.errors[0].errorCode).toBe(PITNEY_BOWES_ERRORS.duplicateTransactionId.errorCode);
	});

	it('can leave out updateDate and pbUpdateDate', async () => {
		sim.includeUpdateDates = false;
		sim.addOrder({ orderId: 'PB-1', status: 'RECEIVED' });
		const data = (await getStatus('PB-1', await token())).data;
		expect(data).not.toHaveProperty('updateDate');
		expect(data).not.toHaveProperty('pbUpdateDate');
		expect(data).toHaveProperty('pbCreateDate');
	});
});

describe('gateway: tokens', () => {
	beforeEach(() => {
		sim.addOrder({ orderId: 'PB-1', status: 'RECEIVED' });
	});

	it('answers 401 PB-APIM-ERR-1002 without a token, with an unknown one, and after revocation', async () => {
		const accessToken = await token();
		const none = await getStatus('PB-1', undefined);
		const bogus = await getStatus('PB-1', 'not-a-token');
		sim.revokeTokens();
		const revoked = await getStatus('PB-1', accessToken);
		for (const response of [none, bogus, revoked]) {
			expect(response.status).toBe(401);
			expect(response.data).toEqual({
				errors: [{ errorCode: 'PB-APIM-ERR-1002', errorDescription: 'Invalid Access Token' }],
			});
		}
		expect(sim.unauthorized).toBe(3);
		// A new token works again.
		expect((await getStatus('PB-1', await token())).status).toBe(200);
	});

	it('answers 401 PB-APIM-ERR-1003 for an expired token (or 1002 when configured)', async () => {
		const accessToken = await token();
		sim.expireTokens();
		const expired = await getStatus('PB-1', accessToken);
		expect(expired.status).toBe(401);
		expect(expired.data.errors[0].errorCode).toBe('PB-APIM-ERR-1003');

		sim.expiredTokenErrorCode = 'PB-APIM-ERR-1002';
		const second = await token();
		sim.expireTokens();
		expect((await getStatus('PB-1', second)).data.errors[0].errorCode).toBe('PB-APIM-ERR-1002');
	});

	it('checks the token before the transaction id and the clientId', async () => {
		const response = await getStatus('PB-1', 'not-a-token', { transactionId: null, clientId: null });
		expect(response.status).toBe(401);
	});
});

describe('error body shapes', () => {
	it('answers API errors in the legacy array shape when asked', async () => {
		sim.setErrorShape('legacy', 'standard');
		const accessToken = await token();
		const response = await getStatus('PB-NOPE', accessToken);
		expect(response.status).toBe(404);
		expect(Array.isArray(response.data)).toBe(true);
		expect(response.data[0]).toMatchObject({ errorCode: '8000404', message: 'Order not found' });
		expect(typeof response.data[0].additionalInfo).toBe('string');
		expect(response.data[0]).not.toHaveProperty('errorDescription');
		// Gateway errors keep their own shape.
		expect((await getStatus('PB-NOPE', 'bad')).data.errors[0].errorCode).toBe('PB-APIM-ERR-1002');
	});

	it('answers gateway errors in the legacy or the bare shape when asked', async () => {
		sim.gatewayErrorShape = 'legacy';
		const legacy = await getStatus('PB-1', 'bad');
		expect(legacy.data).toEqual([{ errorCode: 'PB-APIM-ERR-1002', message: 'Invalid Access Token' }]);
		sim.gatewayErrorShape = 'bare';
		const bare = await getStatus('PB-1', 'bad');
		expect(bare.data).toEqual({ errorCode: 'PB-APIM-ERR-1002', errorDescription: 'Invalid Access Token' });
		const wrongSecret = await requestToken(API_KEY, 'SECRET-wrong');
		expect(wrongSecret.data).toMatchObject({ errorCode: 'invalid_client' });
	});

	it('lets a fault choose its own shape', async () => {
		const accessToken = await token();
		sim.addOrder({ orderId: 'PB-1', status: 'RECEIVED' });
		sim.injectFault({
			route: PITNEY_BOWES_ROUTES.orderStatus,
			times: 1,
			fault: sim.errorFault(500, { errorCode: '8000500', errorDescription: 'Boom', additionalInfo: 'x' }, 'legacy'),
		});
		const failed = await getStatus('PB-1', accessToken);
		expect(failed.status).toBe(500);
		expect(failed.data).toEqual([{ errorCode: '8000500', message: 'Boom', additionalInfo: 'x' }]);
		expect((await getStatus('PB-1', accessToken)).status).toBe(200);
	});

	it('builds the documented bodies', () => {
		const detail = { errorCode: '1', errorDescription: 'd', additionalInfo: 'a' };
		expect(pitneyBowesErrorBody(detail, 'standard')).toEqual({ errors: [detail] });
		expect(pitneyBowesErrorBody(detail, 'legacy')).toEqual([{ errorCode: '1', message: 'd', additionalInfo: 'a' }]);
		expect(pitneyBowesErrorBody(detail, 'bare')).toEqual(detail);
	});
});

describe('spike arrest', () => {
	beforeEach(() => {
		sim.addOrder({ orderId: 'PB-1', status: 'RECEIVED' });
	});

	it('answers PB-APIM-ERR-1006 with 429 above the per-second limit, without Retry-After', async () => {
		const accessToken = await token();
		sim.setSpikeArrest({ limit: 2 });
		const answers = [];
		for (let i = 0; i < 4; i++) answers.push(await getStatus('PB-1', accessToken));
		expect(answers.map((r) => r.status)).toEqual([200, 200, 429, 429]);
		expect(answers[2].data).toEqual({
			errors: [{ errorCode: 'PB-APIM-ERR-1006', errorDescription: 'Spike arrest violation' }],
		});
		expect(answers[2].headers['retry-after']).toBeUndefined();
		expect(sim.spikeArrests).toBe(2);
		expect(sim.stats.rateLimited).toBe(2);
		// The token endpoint is not limited by default.
		expect((await requestToken()).status).toBe(200);
		// The window frees up a second after the admitted requests, not before.
		clock.advance(999);
		expect((await getStatus('PB-1', accessToken)).status).toBe(429);
		clock.advance(1);
		expect((await getStatus('PB-1', accessToken)).status).toBe(200);
		sim.setSpikeArrest(undefined);
	});

	it('is injectable as a fault, in a chosen shape and status', async () => {
		const accessToken = await token();
		sim.injectSpikeArrest({ times: 1, shape: 'bare', status: 503 });
		const first = await getStatus('PB-1', accessToken);
		expect(first.status).toBe(503);
		expect(first.data).toEqual({ errorCode: 'PB-APIM-ERR-1006', errorDescription: 'Spike arrest violation' });
		expect((await getStatus('PB-1', accessToken)).status).toBe(200);
		expect(sim.stats.faultsInjected).toBe(1);
	});
});

describe('Find Orders (status subset)', () => {
	const base = Date.parse('2024-03-01T00:00:00Z');
	beforeEach(() => {
		for (let i = 0; i < 45; i++) {
			// Inserted out of order so the sort is visible.
			const n = (i * 7) % 45;
			sim.addOrder({
				orderId: `PB-${String(n).padStart(3, '0')}`,
				status: n % 5 === 0 ? 'SHIPPED' : 'RECEIVED',
				pbUpdateDate: new Date(base + n * 60_000).toISOString(),
			});
		}
		sim.addOrder({ orderId: 'PB-FOREIGN', clientId: 'OTHERCLIENT', status: 'SHIPPED' });
	});

	it('pages with page (from 1) and size (default 20), sorted by pbUpdateDate ascending by default', async () => {
		const accessToken = await token();
		const pages = [];
		for (let page = 1; page <= 3; page++) {
			const response = await search(accessToken, { clientId: CLIENT_ID }, { page });
			expect(response.status).toBe(200);
			pages.push(response.data);
		}
		expect(pages.map((p) => p.content.length)).toEqual([20, 20, 5]);
		expect(pages[0]).toMatchObject({ totalElements: 45, totalPages: 3, size: 20, first: true, last: false });
		expect(pages[2]).toMatchObject({ numberOfElements: 5, first: false, last: true, empty: false });
		const ids = pages.flatMap((p) => p.content.map((o: { orderId: string }) => o.orderId));
		expect(ids).toEqual(Array.from({ length: 45 }, (_, n) => `PB-${String(n).padStart(3, '0')}`));
		expect(Object.keys(pages[0].content[0]).sort()).toEqual(
			[
				'clientId',
				'clientOrderId',
				'orderId',
				'customerOrderId',
				'status',
				'isOnHold',
				'holdReason',
				'createDate',
				'pbCreateDate',
				'updateDate',
				'pbUpdateDate',
			].sort(),
		);
		const beyond = await search(accessToken, { clientId: CLIENT_ID }, { page: 9 });
		expect(beyond.data).toMatchObject({ content: [], last: true, empty: true, totalElements: 45 });
		// Defaults when no query parameters are sent.
		expect((await search(accessToken, { clientId: CLIENT_ID })).data.content[0].orderId).toBe('PB-000');
	});

	it('sorts descending, filters by status and by a pbUpdateDate range', async () => {
		const accessToken = await token();
		const desc = await search(accessToken, { clientId: CLIENT_ID, sort: ['pbUpdateDate-desc'] }, { size: 3 });
		expect(desc.data.content.map((o: { orderId: string }) => o.orderId)).toEqual(['PB-044', 'PB-043', 'PB-042']);
		expect(desc.data.totalPages).toBe(15);

		const shipped = await search(accessToken, {
			clientId: CLIENT_ID,
			searchFields: [{ name: 'statuses', values: ['SHIPPED'] }],
		});
		expect(shipped.data.totalElements).toBe(9);

		const since = await search(accessToken, {
			clientId: CLIENT_ID,
			searchFields: [{ name: 'pbUpdateDate', values: [new Date(base + 40 * 60_000).toISOString()] }],
		});
		expect(since.data.content.map((o: { orderId: string }) => o.orderId)).toEqual([
			'PB-040',
			'PB-041',
			'PB-042',
			'PB-043',
			'PB-044',
		]);
	});

	it('orders same-second changes by when they happened', async () => {
		const accessToken = await token();
		sim.setStatus('PB-003', 'PACKED', { at: '2030-01-01T00:00:00Z' });
		sim.setStatus('PB-001', 'PACKED', { at: '2030-01-01T00:00:00Z' });
		const response = await search(accessToken, { clientId: CLIENT_ID, sort: ['pbUpdateDate-asc'] }, { size: 100 });
		expect(response.data.content.slice(-2).map((o: { orderId: string }) => o.orderId)).toEqual(['PB-003', 'PB-001']);
	});

	it('clamps size to maxPageSize and can rename the result array', async () => {
		sim.maxPageSize = 10;
		sim.searchContentKey = 'orders';
		const response = await search(await token(), { clientId: CLIENT_ID }, { size: 50 });
		expect(response.data.size).toBe(10);
		expect(response.data.orders).toHaveLength(10);
		expect(response.data).not.toHaveProperty('content');
	});

	it('rejects bad requests with 400 and unauthenticated ones with 401', async () => {
		const accessToken = await token();
		const bad = [
			await search(accessToken, {}),
			await search(accessToken, { clientId: 'NOBODY' }),
			await search(accessToken, { clientId: CLIENT_ID }, { page: 0 }),
			await search(accessToken, { clientId: CLIENT_ID }, { size: 'x' }),
			await search(accessToken, { clientId: CLIENT_ID, sort: ['shippedDate-asc'] }),
			await search(accessToken, { clientId: CLIENT_ID, sort: 'pbUpdateDate-asc' }),
			await search(accessToken, { clientId: CLIENT_ID, searchFields: [{ name: 'colour', values: ['red'] }] }),
			await search(accessToken, { clientId: CLIENT_ID, searchFields: [{ name: 'pbUpdateDate', values: ['soon'] }] }),
		];
		expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400, 400, 400]);
		expect(bad[0].data.errors[0].errorCode).toBe('1000004');
		expect(bad[2].data.errors[0]).toMatchObject({ errorCode: '8000400', parameters: ['page'] });
		const unauthenticated = await search('bad', { clientId: CLIENT_ID });
		expect(unauthenticated.status).toBe(401);
		expect(unauthenticated.data.errors[0].errorCode).toBe('PB-APIM-ERR-1002');
		const noTransactionId = await http.post(
			SEARCH_PATH,
			{ clientId: CLIENT_ID },
			{ headers: { Authorization: `Bearer ${accessToken}` } },
		);
		expect(noTransactionId.status).toBe(400);
	});
});

describe('framework features', () => {
	it('records requests to undocumented routes as unmatched', async () => {
		const accessToken = await token();
		const view = await http.get('/shippingservices/fulfillment/v1/orders/PB-1', {
			params: { clientId: CLIENT_ID },
			headers: { Authorization: `Bearer ${accessToken}`, 'X-PB-TransactionId': nextTransactionId() },
		});
		expect(view.status).toBe(404);
		const wrongVerb = await http.get('/oauth/token');
		expect(wrongVerb.status).toBe(404);
		expect(sim.unmatched.map((r) => `${r.method} ${r.rawPath}`)).toEqual([
			'GET /shippingservices/fulfillment/v1/orders/PB-1',
			'GET /oauth/token',
		]);
	});

	it('injects a generic fault once, then answers normally', async () => {
		const accessToken = await token();
		sim.addOrder({ orderId: 'PB-1', status: 'RECEIVED' });
		sim.injectFault({ route: PITNEY_BOWES_ROUTES.orderStatus, times: 1, fault: { kind: 'status', status: 503 } });
		expect((await getStatus('PB-1', accessToken)).status).toBe(503);
		expect((await getStatus('PB-1', accessToken)).status).toBe(200);
		sim.injectFault({ route: PITNEY_BOWES_ROUTES.orderStatus, times: 1, fault: { kind: 'reset' } });
		await expect(getStatus('PB-1', accessToken)).rejects.toThrow();
		expect(sim.stats.faultsInjected).toBe(2);
	});

	it('serves the control API for other processes', async () => {
		await http.post('/__sim/orders', { orders: [{ orderId: 'PB-C1', status: 'RELEASED' }] });
		await http.post('/__sim/set-status', { orderId: 'PB-C1', status: 'BACKORDERED' });
		const accessToken = await token();
		expect((await getStatus('PB-C1', accessToken)).data.status).toBe('BACKORDERED');

		await http.post('/__sim/error-shape', { shape: 'legacy', gatewayShape: 'bare' });
		expect((await getStatus('PB-NOPE', accessToken)).data[0].message).toBe('Order not found');
		expect((await getStatus('PB-C1', 'bad')).data.errorCode).toBe('PB-APIM-ERR-1002');

		await http.post('/__sim/spike-arrest-fault', { times: 1 });
		expect((await getStatus('PB-C1', accessToken)).status).toBe(429);

		await http.post('/__sim/revoke-tokens', {});
		expect((await getStatus('PB-C1', accessToken)).status).toBe(401);

		const stats = (await http.get('/__sim/pb-stats')).data;
		expect(stats).toMatchObject({ tokenRequests: 1, tokensIssued: 1, statusRequests: 5, orders: 1 });
		expect(stats.transactionIds).toHaveLength(5);
		expect((await http.post('/__sim/set-status', { orderId: 'PB-NONE', status: 'X' })).data.ok).toBe(false);

		await http.post('/__sim/reset', {});
		expect(sim.transactionIds).toHaveLength(0);
		expect(sim.tokenRequests).toBe(0);
		expect(sim.orders.size).toBe(1);
	});
});

describe('PitneyBowesFulfillmentApi credential', () => {
	const credentialType = new PitneyBowesFulfillmentApi();
	// n8n's own outbound HTTP client (what `this.helpers.httpRequest` uses in n8n-core 2.x).
	const helper: IHttpRequestHelper = {
		helpers: {
			httpRequest: async (options: IHttpRequestOptions) =>
				await Container.get(OutboundHttp).requests().request(options),
		},
	} as IHttpRequestHelper;
	const credentials = (overrides: Record<string, string> = {}) => ({
		environment: 'custom',
		baseUrl: sim.url,
		apiKey: API_KEY,
		apiSecret: API_SECRET,
		clientId: CLIENT_ID,
		accessToken: '',
		...overrides,
	});

	it('gets a token with Basic auth and a form body, keeping the secret out of the URL', async () => {
		const result = await credentialType.preAuthentication.call(helper, credentials());
		expect(Object.keys(result)).toEqual(['accessToken', 'tokenFor']);
		expect(sim.tokensIssued).toBe(1);
		const request = sim.requests.at(-1)!;
		expect(request.route).toBe(PITNEY_BOWES_ROUTES.token);
		expect(request.headers.authorization).toBe(basic(API_KEY, API_SECRET));
		expect(request.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
		expect(request.bodyText).toBe('grant_type=client_credentials');
		expect(request.rawPath + request.query.toString()).not.toContain(API_SECRET);

		sim.addOrder({ orderId: 'PB-1', status: 'SHIPPED' });
		// The token goes out as a Bearer header while it belongs to these values (tokenFor).
		const authenticated = await credentialType.authenticate({ ...credentials(), ...result }, { url: '/x', headers: {} });
		expect(authenticated.headers).toEqual({ Authorization: `Bearer ${result.accessToken as string}` });
		expect((await getStatus('PB-1', result.accessToken as string)).data.status).toBe('SHIPPED');
	});

	it('names the credential and hides the secret, the key and the Basic value when the token request fails', async () => {
		let message = '';
		try {
			await credentialType.preAuthentication.call(helper, credentials({ apiSecret: 'SECRET-pb-api-secret-WRONG' }));
		} catch (error) {
			message = (error as Error).message;
		}
		expect(message).toMatch(/^Pitney Bowes Fulfillment API credential: /);
		expect(message).toContain('HTTP 401');
		for (const secret of ['SECRET-pb-api-secret', API_KEY, Buffer.from(API_KEY).toString('base64').slice(0, 12)]) {
			expect(message).not.toContain(secret);
		}
	});

	it('fails clearly on an answer without access_token and on an unreachable host', async () => {
		sim.injectFault({ route: PITNEY_BOWES_ROUTES.token, times: 1, fault: { kind: 'status', status: 200, body: {} } });
		await expect(credentialType.preAuthentication.call(helper, credentials())).rejects.toThrow(
			'Pitney Bowes Fulfillment API credential: the token endpoint answered without an access_token',
		);
		const unreachable = credentials();
		await sim.stop();
		let message = '';
		try {
			await credentialType.preAuthentication.call(helper, unreachable);
		} catch (error) {
			message = (error as Error).message;
		}
		expect(message).toMatch(/^Pitney Bowes Fulfillment API credential: could not reach the token endpoint .*Check the environment or base URL$/);
		expect(message).not.toContain(API_SECRET);
		await sim.start();
	});

	it('declares the documented fields and a test request the simulator accepts', async () => {
		const names = credentialType.properties.map((p) => p.name);
		expect(names).toEqual(['environment', 'baseUrl', 'apiKey', 'apiSecret', 'clientId', 'accessToken', 'tokenFor']);
		expect(credentialType.properties.find((p) => p.name === 'accessToken')).toEqual({
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		});
		expect(credentialType.properties.find((p) => p.name === 'apiSecret')?.typeOptions).toEqual({ password: true });
		expect(PITNEY_BOWES_URLS.production).toBe('https://shipping-api.pitneybowes.com');

		const test = credentialType.test.request;
		expect(test.baseURL).toBe(baseUrlExpression(PITNEY_BOWES_URLS));
		const transactionId = String((test.headers as Record<string, string>)['X-PB-TransactionId']);
		expect(transactionId).toMatch(/^[A-Za-z0-9_-]{1,25}$/);
		// The same request, with the expression resolved by hand.
		const { accessToken } = await credentialType.preAuthentication.call(helper, credentials());
		const response = await http.request({
			method: test.method,
			url: test.url,
			params: test.qs,
			data: { clientId: CLIENT_ID },
			headers: { ...(test.headers as Record<string, string>), Authorization: `Bearer ${accessToken as string}` },
		});
		expect(response.status).toBe(200);
		expect(response.data).toMatchObject({ size: 1, content: [] });
		expect(sim.transactionIds.at(-1)).toBe('n8n-credential-test');
	});
});
