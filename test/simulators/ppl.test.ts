import { randomUUID } from 'node:crypto';

import axios, { type AxiosInstance, type AxiosResponse } from 'axios';

import { ManualClock } from './framework';
import { PPL_ROUTES, PplSimulator, pplProblemBody, type PplProblem } from './ppl';

const CLIENT_ID = 'ppl-sim-client-4711';
const CLIENT_SECRET = 'SECRET-ppl-client-secret-7Q2';

function form(fields: Record<string, string>): string {
	return new URLSearchParams(fields).toString();
}

const TOKEN_FORM = {
	grant_type: 'client_credentials',
	client_id: CLIENT_ID,
	client_secret: CLIENT_SECRET,
	scope: 'myapi2',
};

describe('PPL CPL simulator', () => {
	let sim: PplSimulator;
	let http: AxiosInstance;
	/** The simulator's time stands still unless a test moves it. */
	let clock: ManualClock;

	beforeEach(async () => {
		clock = new ManualClock();
		sim = new PplSimulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, clock });
		const baseURL = await sim.start();
		http = axios.create({ baseURL, validateStatus: () => true });
	});

	afterEach(async () => {
		await sim.stop();
	});

	async function requestToken(fields: Record<string, string> = TOKEN_FORM): Promise<AxiosResponse> {
		return await http.post('/login/getAccessToken', form(fields), {
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
		});
	}

	async function token(): Promise<string> {
		const response = await requestToken();
		expect(response.status).toBe(200);
		return response.data.access_token as string;
	}

	async function get(path: string, accessToken: string, headers: Record<string, string> = {}) {
		return await http.get(path, { headers: { authorization: `Bearer ${accessToken}`, ...headers } });
	}

	function expectProblem(response: AxiosResponse, status: number): PplProblem {
		expect(response.status).toBe(status);
		expect(String(response.headers['content-type'])).toContain('application/problem+json');
		const body = response.data as PplProblem;
		expect(body).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status }));
		expect(body).toHaveProperty('detail');
		return body;
	}

	describe('token endpoint', () => {
		it('issues a JWT bearer token for form-encoded client credentials', async () => {
			const response = await requestToken();
			expect(response.status).toBe(200);
			expect(response.data).toEqual({
				access_token: expect.any(String),
				token_type: 'Bearer',
				expires_in: 1800,
				scope: 'myapi2',
			});
			const [, payload] = String(response.data.access_token).split('.');
			const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
			expect(claims.exp - claims.iat).toBe(1800);
			expect(sim.count(PPL_ROUTES.token)).toBe(1);
			expect(sim.getCounters()).toEqual(expect.objectContaining({ tokenRequests: 1, tokensIssued: 1 }));
			expect(sim.issuedTokens).toEqual([response.data.access_token]);
		});

		it('refuses a wrong client secret with 400 invalid_client (401 when configured)', async () => {
			const wrong = await requestToken({ ...TOKEN_FORM, client_secret: 'SECRET-wrong-secret-000' });
			const problem = expectProblem(wrong, 400);
			expect(problem.error).toBe('invalid_client');
			expect(JSON.stringify(problem)).not.toContain('SECRET-');

			sim.invalidClientStatus = 401;
			expectProblem(await requestToken({ ...TOKEN_FORM, client_id: 'nobody' }), 401);
			expect(sim.getCounters()).toEqual(expect.objectContaining({ tokenRequestsRejected: 2, tokensIssued: 0 }));
		});

		it('validates grant_type, scope, content type and secrets in the URL', async () => {
			expect((await requestToken({ ...TOKEN_FORM, grant_type: 'password' })).data.error).toBe('unsupported_grant_type');
			expect((await requestToken({ ...TOKEN_FORM, scope: 'other' })).data.error).toBe('invalid_scope');
			const withoutScope: Record<string, string> = { ...TOKEN_FORM };
			delete withoutScope.scope;
			expect((await requestToken(withoutScope)).status).toBe(400);
			sim.requireScope = false;
			expect((await requestToken(withoutScope)).status).toBe(200);
			expect(sim.getCounters().tokenRequestsWithoutScope).toBe(2);

			const asJson = await http.post('/login/getAccessToken', TOKEN_FORM);
			expect(asJson.status).toBe(400);

			const inUrl = await http.post(`/login/getAccessToken?${form(TOKEN_FORM)}`, '', {
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
			});
			expect(inUrl.status).toBe(400);
			expect(sim.getCounters().secretsInQuery).toBe(1);
		});

		it('allows 12 token requests a minute and refuses the 13th with 429 + Retry-After', async () => {
			for (let i = 0; i < 12; i++) expect((await requestToken()).status).toBe(200);
			const refused = await requestToken();
			const problem = expectProblem(refused, 429);
			expect(problem.detail).toContain('12 requests/minute');
			// All twelve were issued at the same instant of the simulator's clock: the first frees up in exactly 60 s.
			expect(refused.headers['retry-after']).toBe('60');
			expect(sim.getCounters()).toEqual(expect.objectContaining({ tokensIssued: 12, tokensRefusedForRate: 1 }));
			clock.advance(59_999);
			expect((await requestToken()).status).toBe(429);
			clock.advance(1);
			expect((await requestToken()).status).toBe(200);

			sim.resetTokenLimit();
			expect((await requestToken()).status).toBe(200);
		});
	});

	describe('bearer authentication', () => {
		beforeEach(() => {
			sim.addBatch('3fa85f64-5717-4562-b3fc-2c963f66afa6', [{ referenceId: 'ORDER-1' }]);
		});
		const path = '/order/batch/3fa85f64-5717-4562-b3fc-2c963f66afa6';

		it('rejects missing, unknown and forged tokens with 401', async () => {
			const missing = await http.get(path);
			expectProblem(missing, 401);
			expect(missing.headers['www-authenticate']).toBe('Bearer');
			expectProblem(await get(path, 'not-a-token'), 401);
			const real = await token();
			const forged = real.slice(0, -2) + (real.endsWith('AA') ? 'BB' : 'AA');
			expectProblem(await get(path, forged), 401);
			expect((await get(path, real)).status).toBe(200);
			expect(sim.getCounters().unauthorized).toBe(3);
		});

		it('answers 401 after expiry or revocation, and a fresh token works again', async () => {
			const first = await token();
			sim.expireTokens();
			const expired = await get(path, first);
			expect(expectProblem(expired, 401).detail).toContain('expired');
			expect(String(expired.headers['www-authenticate'])).toContain('invalid_token');

			const second = await token();
			expect((await get(path, second)).status).toBe(200);
			sim.revokeTokens();
			expectProblem(await get(path, second), 401);

			const third = await token();
			const fourth = await token();
			sim.revokeToken(third);
			expectProblem(await get(path, third), 401);
			expect((await get(path, fourth)).status).toBe(200);
		});

		it('expires tokens after the configured lifetime', async () => {
			sim.tokenLifetimeSeconds = 0.05;
			const short = await token();
			clock.advance(49);
			expect((await get(path, short)).status).toBe(200);
			clock.advance(1);
			expectProblem(await get(path, short), 401);
		});

		it('answers 403 when the credential role does not allow the method', async () => {
			sim.addClient({ clientId: 'tracking-only', clientSecret: 'SECRET-ppl-tracking-9X1', roles: ['tracking'] });
			const response = await requestToken({ ...TOKEN_FORM, client_id: 'tracking-only', client_secret: 'SECRET-ppl-tracking-9X1' });
			const trackingToken = response.data.access_token as string;
			expectProblem(await get(path, trackingToken), 403);
			expect((await get('/shipment?Limit=1&Offset=0', trackingToken)).status).toBe(200);
		});

		it('serves /info without a token and codelists only with one', async () => {
			expect((await http.get('/info')).status).toBe(200);
			expectProblem(await http.get('/codelist/status?Limit=1&Offset=0'), 401);
			const accessToken = await token();
			const czech = await get('/codelist/status?Limit=1&Offset=0', accessToken);
			expect(czech.status).toBe(200);
			expect(czech.data).toEqual([{ code: '900', name: expect.stringContaining('Čekáme') }]);
			const english = await get('/codelist/shipmentPhase?Limit=2&Offset=1', accessToken, { 'accept-language': 'en-US' });
			expect(english.data).toEqual([
				{ code: 'InTransport', name: 'In transport' },
				{ code: 'Delivering', name: 'Out for delivery' },
			]);
			expectProblem(await get('/codelist/status', accessToken), 400);
		});
	});

	describe('order batches', () => {
		let accessToken: string;
		beforeEach(async () => {
			accessToken = await token();
		});

		it('returns items with importState and errors only for Error items', async () => {
			const batchId = randomUUID();
			sim.addBatch(batchId, [
				{ referenceId: 'ORDER-OK', importState: 'Complete' },
				{ referenceId: 'ORDER-BAD', importState: 'Error', errorCode: 'ZipCodeInvalid', errorMessage: 'Neplatné PSČ.' },
				{ referenceId: 'ORDER-WAIT' },
			]);
			const response = await get(`/order/batch/${batchId}`, accessToken);
			expect(response.status).toBe(200);
			expect(response.data).toEqual({
				items: [
					{ referenceId: 'ORDER-OK', importState: 'Complete', errorMessage: null, errorCode: null },
					{ referenceId: 'ORDER-BAD', importState: 'Error', errorMessage: 'Neplatné PSČ.', errorCode: 'ZipCodeInvalid' },
					{ referenceId: 'ORDER-WAIT', importState: 'Accepted', errorMessage: null, errorCode: null },
				],
			});
		});

		it('progresses by method call: Accepted → InProcess → Complete | Error', async () => {
			const batchId = randomUUID();
			sim.addBatch(batchId, [{ referenceId: 'A' }, { referenceId: 'B', finalState: 'Error', errorCode: 'E1' }]);
			const states = async () =>
				((await get(`/order/batch/${batchId}`, accessToken)).data.items as Array<{ importState: string }>).map(
					(i) => i.importState,
				);
			expect(await states()).toEqual(['Accepted', 'Accepted']);
			sim.advanceBatch(batchId);
			expect(await states()).toEqual(['InProcess', 'InProcess']);
			sim.advanceBatch(batchId);
			expect(await states()).toEqual(['Complete', 'Error']);
			sim.advanceBatch(batchId);
			expect(await states()).toEqual(['Complete', 'Error']);
			// A completed item becomes an order that GET /order finds by its reference id.
			const orders = await get('/order?OrderReferences=A&Limit=10&Offset=0', accessToken);
			expect(orders.data).toEqual([expect.objectContaining({ referenceId: 'A', orderState: 'Created' })]);

			const other = randomUUID();
			sim.addBatch(other, [{ referenceId: 'C' }]);
			sim.setImportState(other, 'C', 'Error', { errorCode: 'X', errorMessage: 'broken' });
			expect(sim.batchResult(other).items[0]).toEqual({
				referenceId: 'C',
				importState: 'Error',
				errorCode: 'X',
				errorMessage: 'broken',
			});
		});

		it('progresses per poll and over time', async () => {
			const perPoll = randomUUID();
			sim.addBatch(perPoll, [{ referenceId: 'P' }], { stepEveryPolls: 2 });
			const seen: string[] = [];
			for (let i = 0; i < 6; i++) seen.push((await get(`/order/batch/${perPoll}`, accessToken)).data.items[0].importState);
			expect(seen).toEqual(['Accepted', 'Accepted', 'InProcess', 'InProcess', 'Complete', 'Complete']);
			expect(sim.batchPolls(perPoll)).toBe(6);

			const timed = randomUUID();
			sim.addBatch(timed, [{ referenceId: 'T' }], { stepMs: 40 });
			const timedState = async () => (await get(`/order/batch/${timed}`, accessToken)).data.items[0].importState;
			expect(await timedState()).toBe('Accepted');
			clock.advance(39);
			expect(await timedState()).toBe('Accepted');
			clock.advance(1);
			expect(await timedState()).toBe('InProcess');
			clock.advance(40);
			expect(await timedState()).toBe('Complete');
		});

		it('answers 404 problem details for an unknown batch and 400 for a non-UUID id', async () => {
			const unknown = randomUUID();
			const notFound = expectProblem(await get(`/order/batch/${unknown}`, accessToken), 404);
			expect(notFound.instance).toBe(`/order/batch/${unknown}`);
			const invalid = expectProblem(await get('/order/batch/not-a-uuid', accessToken), 400);
			expect(invalid.errors).toEqual({ batchId: ["The value 'not-a-uuid' is not valid."] });
			expect(() => sim.addBatch('batch-1', [])).toThrow(/UUID/);
		});

		it('creates a batch with POST /order/batch: 201 + Location, then progresses per poll', async () => {
			const created = await http.post(
				'/order/batch',
				{ orders: [{ orderType: 'CollectionOrder', referenceId: 'NEW-1', shipmentCount: 1, sendDate: '2026-11-23T00:00:00Z' }] },
				{ headers: { authorization: `Bearer ${accessToken}` } },
			);
			expect(created.status).toBe(201);
			expect(created.data).toBe('');
			const location = String(created.headers.location);
			expect(location.startsWith(`${sim.url}/order/batch/`)).toBe(true);
			const batchId = location.split('/').pop()!;
			const states: string[] = [];
			for (let i = 0; i < 3; i++) states.push((await get(`/order/batch/${batchId}`, accessToken)).data.items[0].importState);
			expect(states).toEqual(['Accepted', 'InProcess', 'Complete']);

			const invalid = await http.post(
				'/order/batch',
				{ orders: [{ referenceId: '' }] },
				{ headers: { authorization: `Bearer ${accessToken}` } },
			);
			const problem = expectProblem(invalid, 400);
			expect(Object.keys(problem.errors ?? {})).toEqual(
				expect.arrayContaining(['orders[0].orderType', 'orders[0].referenceId', 'orders[0].shipmentCount']),
			);
		});
	});

	describe('GET /order', () => {
		let accessToken: string;
		beforeEach(async () => {
			accessToken = await token();
			sim.addOrder({ referenceId: 'R-1', orderNumber: 'ON-1', customerReference: 'C-1', shipmentNumbers: ['40000000001'], changedAt: '2026-11-01T10:00:00Z' });
			sim.addOrder({ referenceId: 'R-2', orderNumber: 'ON-2', orderState: 'PickedUp', changedAt: '2026-11-10T10:00:00Z' });
			sim.addOrder({ referenceId: 'R-3', orderNumber: 'ON-3', orderState: 'Canceled', orderType: 'TransportOrder', changedAt: '2026-11-20T10:00:00Z' });
		});

		const refs = (response: AxiosResponse) => (response.data as Array<{ referenceId: string }>).map((o) => o.referenceId);

		it('filters by repeated array keys and answers an array of OrderModel', async () => {
			const byNumber = await get('/order?OrderNumbers=ON-1&OrderNumbers=ON-3&Limit=100&Offset=0', accessToken);
			expect(byNumber.status).toBe(200);
			expect(refs(byNumber)).toEqual(['R-1', 'R-3']);
			expect(byNumber.data[0]).toEqual(
				expect.objectContaining({
					orderNumber: 'ON-1',
					orderState: 'Created',
					orderType: 'CollectionOrder',
					referenceId: 'R-1',
					customerReference: 'C-1',
					shipmentNumbers: ['40000000001'],
					sendDate: expect.any(String),
					sender: expect.any(Object),
					recipient: expect.any(Object),
				}),
			);
			expect(refs(await get('/order?OrderReferences=R-2&Limit=100&Offset=0', accessToken))).toEqual(['R-2']);
			expect(refs(await get('/order?CustomerReferences=C-1&Limit=100&Offset=0', accessToken))).toEqual(['R-1']);
			expect(refs(await get('/order?ShipmentNumbers=40000000001&Limit=100&Offset=0', accessToken))).toEqual(['R-1']);
			expect(refs(await get('/order?OrderIds=2&Limit=100&Offset=0', accessToken))).toEqual(['R-2']);
			expect(refs(await get('/order?OrderStates=PickedUp&OrderStates=Canceled&Limit=100&Offset=0', accessToken))).toEqual(['R-2', 'R-3']);
			expect(refs(await get('/order?OrderType=TransportOrder&Limit=100&Offset=0', accessToken))).toEqual(['R-3']);
			expect(refs(await get('/order?OrderNumbers=nope&Limit=100&Offset=0', accessToken))).toEqual([]);
			// A comma-joined value is one value, as ASP.NET binds it.
			expect(refs(await get('/order?OrderNumbers=ON-1,ON-2&Limit=100&Offset=0', accessToken))).toEqual([]);
		});

		it('filters by DateFrom/DateTo and pages with Limit/Offset', async () => {
			expect(refs(await get('/order?DateFrom=2026-11-05&Limit=100&Offset=0', accessToken))).toEqual(['R-2', 'R-3']);
			expect(refs(await get('/order?DateFrom=2026-11-05T00:00:00Z&DateTo=2026-11-15T00:00:00Z&Limit=100&Offset=0', accessToken))).toEqual(['R-2']);
			expect(refs(await get('/order?Limit=2&Offset=0', accessToken))).toEqual(['R-1', 'R-2']);
			expect(refs(await get('/order?Limit=2&Offset=2', accessToken))).toEqual(['R-3']);
			sim.setOrderState('ON-1', 'PickedUp', { changedAt: '2026-11-21T00:00:00Z' });
			expect(refs(await get('/order?DateFrom=2026-11-20T12:00:00Z&Limit=100&Offset=0', accessToken))).toEqual(['R-1']);
		});

		it('validates Limit and Offset with problem details', async () => {
			const missing = expectProblem(await get('/order', accessToken), 400);
			expect(missing.title).toBe('One or more validation errors occurred.');
			expect(missing.errors).toEqual({
				Limit: ['The Limit field is required.'],
				Offset: ['The Offset field is required.'],
			});
			expect(expectProblem(await get('/order?Limit=0&Offset=0', accessToken), 400).errors).toEqual({
				Limit: ['The field Limit must be between 1 and 1000.'],
			});
			expectProblem(await get('/order?Limit=1001&Offset=0', accessToken), 400);
			expectProblem(await get('/order?Limit=10&Offset=-1', accessToken), 400);
			expectProblem(await get('/order?Limit=abc&Offset=0', accessToken), 400);
			expect((await get('/order?Limit=1000&Offset=0', accessToken)).status).toBe(200);
			expectProblem(await get('/order?Limit=10&Offset=0&DateFrom=yesterday', accessToken), 400);
			expectProblem(await get('/order?Limit=10&Offset=0&OrderStates=Shipped', accessToken), 400);
			expect(sim.getCounters().validationErrors).toBe(7);
		});

		it('caps every array filter at 50 values', async () => {
			const query = (n: number) => Array.from({ length: n }, (_, i) => `OrderNumbers=ON-${i}`).join('&');
			expect((await get(`/order?${query(50)}&Limit=100&Offset=0`, accessToken)).status).toBe(200);
			const tooMany = expectProblem(await get(`/order?${query(51)}&Limit=100&Offset=0`, accessToken), 400);
			expect(tooMany.errors).toEqual({
				OrderNumbers: ["The field OrderNumbers must be a string or array type with a maximum length of '50'."],
			});
		});

		it('rejects undocumented query keys in strict mode and ignores them otherwise', async () => {
			const brackets = expectProblem(await get('/order?OrderNumbers[]=ON-1&Limit=10&Offset=0', accessToken), 400);
			expect(Object.keys(brackets.errors ?? {})).toEqual(['OrderNumbers[]']);
			const lower = expectProblem(await get('/order?orderNumbers=ON-1&limit=10&Offset=0', accessToken), 400);
			expect(Object.keys(lower.errors ?? {}).sort()).toEqual(['Limit', 'limit', 'orderNumbers']);

			sim.strictQuery = false;
			expect(refs(await get('/order?orderNumbers=ON-2&limit=10&offset=0', accessToken))).toEqual(['R-2']);
			expect(refs(await get('/order?OrderNumbers[]=ON-2&Limit=10&Offset=0', accessToken))).toEqual(['R-1', 'R-2', 'R-3']);
			expect(sim.getCounters().unknownQueryParams).toEqual(
				expect.objectContaining({ 'OrderNumbers[]': 2, orderNumbers: 2, limit: 2, offset: 1 }),
			);
		});

		it('can answer a single object, as the documented example shows', async () => {
			sim.orderResponseShape = 'object';
			const one = await get('/order?OrderNumbers=ON-2&Limit=1&Offset=0', accessToken);
			expect(one.data).toEqual(expect.objectContaining({ orderNumber: 'ON-2' }));
			expectProblem(await get('/order?OrderNumbers=none&Limit=1&Offset=0', accessToken), 404);
		});
	});

	describe('GET /shipment', () => {
		it('filters shipments by number, state (flags), references and date', async () => {
			const accessToken = await token();
			sim.addShipment({ shipmentNumber: '40000000001', shipmentState: 'Delivered, CodPaidDate', lastUpdateDate: '2026-11-01T00:00:00Z', variableSymbol: '123' });
			sim.addShipment({ shipmentNumber: '40000000002', shipmentState: 'OutForDelivery', lastUpdateDate: '2026-11-10T00:00:00Z', customerReference: 'CR-2', invoiceNumber: 'INV-2' });
			sim.setShipmentState('40000000002', 'Delivered', { statusId: 450, code: 'Delivered', phase: 'Delivered', name: 'Doručeno' }, '2026-11-11T00:00:00Z');

			const numbers = (r: AxiosResponse) => (r.data as Array<{ shipmentNumber: string }>).map((s) => s.shipmentNumber);
			expect(numbers(await get('/shipment?ShipmentNumbers=40000000002&Limit=10&Offset=0', accessToken))).toEqual(['40000000002']);
			expect(numbers(await get('/shipment?ShipmentStates=Delivered&Limit=10&Offset=0', accessToken))).toEqual(['40000000001', '40000000002']);
			expect(numbers(await get('/shipment?ShipmentStates=CodPaidDate&Limit=10&Offset=0', accessToken))).toEqual(['40000000001']);
			expect(numbers(await get('/shipment?CustomerReferences=CR-2&Limit=10&Offset=0', accessToken))).toEqual(['40000000002']);
			expect(numbers(await get('/shipment?InvoiceNumbers=INV-2&Limit=10&Offset=0', accessToken))).toEqual(['40000000002']);
			expect(numbers(await get('/shipment?VariableSymbols=123&Limit=10&Offset=0', accessToken))).toEqual(['40000000001']);
			expect(numbers(await get('/shipment?DateFrom=2026-11-05&Limit=10&Offset=0', accessToken))).toEqual(['40000000002']);

			const one = (await get('/shipment?ShipmentNumbers=40000000002&Limit=10&Offset=0', accessToken)).data[0];
			expect(one.trackAndTrace).toEqual(
				expect.objectContaining({ lastEventCode: 'Delivered', events: [expect.objectContaining({ phase: 'Delivered', group: 'Delivered' })] }),
			);
			expectProblem(await get('/shipment?Limit=10&Offset=0&ShipmentStates=Lost', accessToken), 400);
			expectProblem(await get('/shipment?ShipmentNumbers=1', accessToken), 400);
		});
	});

	describe('headers, pacing, unmatched routes, faults and the control API', () => {
		it('records Accept-Language, X-LogLevel and X-Correlation-ID and echoes the correlation id', async () => {
			const accessToken = await token();
			const response = await get('/order?Limit=1&Offset=0', accessToken, {
				'accept-language': 'en-US',
				'x-correlation-id': 'corr-123',
				'x-loglevel': 'Debug',
			});
			expect(response.headers['x-correlation-id']).toBe('corr-123');
			expect((await get('/order?Limit=1&Offset=0', accessToken)).headers['x-correlation-id']).toMatch(/^ppl-sim-/);
			const counters = sim.getCounters();
			expect(counters.acceptLanguages).toEqual({ 'en-US': 1 });
			expect(counters.logLevels).toEqual({ Debug: 1 });
			expect(counters.correlationIds).toEqual(['corr-123']);
		});

		it('measures request pacing without failing fast requests', async () => {
			const accessToken = await token();
			await Promise.all([get('/order?Limit=1&Offset=0', accessToken), get('/order?Limit=1&Offset=0', accessToken)]);
			// On the simulator's clock the two arrived at the same instant; 40 ms later a third keeps the pace.
			expect(sim.getCounters()).toMatchObject({ minGapMs: 0, gapsUnder40ms: 2 });
			clock.advance(40);
			expect((await get('/order?Limit=1&Offset=0', accessToken)).status).toBe(200);
			expect(sim.getCounters()).toMatchObject({ minGapMs: 0, gapsUnder40ms: 2 });
			expect(sim.stats.byStatus['200']).toBe(4);
		});

		it('records requests to undocumented routes as unmatched', async () => {
			const accessToken = await token();
			expect((await get('/ecs/ppl/myapi2/order?Limit=1&Offset=0', accessToken)).status).toBe(404);
			expect((await get('/order/status/x', accessToken)).status).toBe(404);
			expect(sim.unmatched.map((r) => `${r.method} ${r.rawPath}`)).toEqual([
				'GET /ecs/ppl/myapi2/order',
				'GET /order/status/x',
			]);
		});

		it('injects faults on a route (PPL-shaped 503 once, then normal)', async () => {
			const accessToken = await token();
			sim.injectFault({
				route: PPL_ROUTES.orders,
				times: 1,
				fault: {
					kind: 'status',
					status: 503,
					body: pplProblemBody(503, 'Maintenance'),
					headers: { 'content-type': 'application/problem+json' },
				},
			});
			expectProblem(await get('/order?Limit=1&Offset=0', accessToken), 503);
			expect((await get('/order?Limit=1&Offset=0', accessToken)).status).toBe(200);
			expect(sim.stats.faultsInjected).toBe(1);
		});

		it('serves control commands for other processes', async () => {
			const batchId = randomUUID();
			const control = async (command: string, body: unknown = {}) => (await http.post(`/__sim/${command}`, body)).data;
			await control('batch', { batchId, items: [{ referenceId: 'X-1' }] });
			await control('advance-batch', { batchId });
			expect(sim.batchResult(batchId).items[0].importState).toBe('InProcess');
			await control('import-state', { batchId, referenceId: 'X-1', importState: 'Error', errorCode: 'E', errorMessage: 'bad' });
			expect(sim.batchResult(batchId).items[0]).toEqual(expect.objectContaining({ importState: 'Error', errorCode: 'E' }));
			await control('orders', { orders: [{ referenceId: 'Q-1', orderNumber: 'QN-1' }] });
			await control('order-state', { key: 'QN-1', orderState: 'PickedUp' });
			expect(sim.listAllOrders()).toEqual([expect.objectContaining({ orderNumber: 'QN-1', orderState: 'PickedUp' })]);
			await control('shipments', { shipments: [{ shipmentNumber: 'S-1' }] });
			await control('shipment-state', { shipmentNumber: 'S-1', shipmentState: 'Delivered' });
			expect(sim.listAllShipments()[0].shipmentState).toBe('Delivered');

			const accessToken = await token();
			await control('revoke-tokens');
			expectProblem(await get('/order?Limit=1&Offset=0', accessToken), 401);
			const counters = await control('counters');
			expect(counters).toEqual(expect.objectContaining({ tokensIssued: 1, unauthorized: 1 }));
			await control('reset');
			expect(sim.getCounters().tokensIssued).toBe(0);
			expect(sim.requests).toHaveLength(0);
		});
	});
});
