/**
 * The provider action nodes as the scenarios see them: a simulator with data, a credential with recognisable
 * secrets, how a request names its order, what a well-formed request looks like, and which malformed answers to
 * try. The expected statuses are written here from status-model.md, independently of the node's tables.
 */
import { randomUUID } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import { CredentialStore, fixture, type WorkflowJson } from '../../harness/runWorkflow';
import { ALTCRAFT_ROUTES, AltcraftSimulator } from '../../simulators/altcraft';
import type { ProviderSimulator, SimRequest } from '../../simulators/framework';
import { PITNEY_BOWES_ROUTES, PitneyBowesSimulator } from '../../simulators/pitneyBowes';
import { PPL_ROUTES, PplSimulator } from '../../simulators/ppl';
import { SENDER_ROUTES, SenderSimulator } from '../../simulators/sender';
import type { NodeLabel } from './ledger';
import type { Ledger } from './ledger';
import type { Case, ExpectedStatus, NodeRunner } from './run';

/** Recognisable secret values: every run is scanned for them. */
export const SECRETS = {
	altcraftToken: 'SECRET-altcraft-token-R3l1ab',
	altcraftWrongToken: 'SECRET-altcraft-wrong-token-W9',
	pplClientSecret: 'SECRET-ppl-client-secret-R3l9',
	pplWrongSecret: 'SECRET-ppl-wrong-secret-R3lW',
	pbApiKey: 'KEY-pb-reliability-key-7Rk',
	pbApiSecret: 'SECRET-pb-api-secret-R3l5',
	pbWrongSecret: 'SECRET-pb-wrong-secret-R3lW',
	senderApiKey: 'SECRET-sender-api-key-R3l8',
	senderWrongKey: 'SECRET-sender-wrong-key-R3lW',
	senderCallbackSecret: 'SECRET-sender-callback-R3l4Kp',
} as const;

export const PPL_CLIENT_ID = 'ppl-reliability-client';
export const PB_CLIENT_ID = 'RELIABLESHOP';
/** Every token the Pitney Bowes simulator issues starts with this. */
export const PB_TOKEN_PREFIX = 'pb-sim-token';

/** A malformed answer to try, and what the node must make of it. */
export interface MalformedCase {
	name: string;
	body: string | Buffer;
	contentType?: string;
	/**
	 * `error`: a clear error item; `unknown`: status `unknown` with `statusRaw` = `raw`; `errorOrUnknown`: either a
	 * clear error or `unknown`; `statusOrError`: the real status (the answer is odd but readable) or a clear error.
	 */
	want: 'error' | 'unknown' | 'errorOrUnknown' | 'statusOrError';
	raw?: string;
	/** The status a readable answer means (`statusOrError`). */
	expected?: ExpectedStatus;
}

/** The item every malformed answer is asked for, and the answers to try. */
export interface MalformedPlan {
	input: IDataObject;
	orderId: string;
	cases: MalformedCase[];
}

export interface ActionTarget extends NodeRunner {
	sim: ProviderSimulator;
	workflow: WorkflowJson;
	/** The route key of the order lookups (fault rules, request checks). */
	route: string;
	/** The input field the node's identifier expression reads. */
	inputKey: string;
	/** Orders for the transient-fault scenario (1,000 in total). */
	transientInputs: number;
	/** Clears data, faults and counters between scenarios. */
	reset(): void;
	/** A new credential store (empty token cache) with the right secret, or the one given. */
	newStore(overrides?: IDataObject): CredentialStore;
	/** What a request asks for: the key of the transient fault decisions and of `Case.requestKey`. */
	requestKey(req: SimRequest): string | undefined;
	/** Creates `count` input items' orders in the simulator. */
	seed(count: number): Case[];
	/** A problem with a request the node sent for `identifier`, or undefined when it is exactly right. */
	checkRequest(req: SimRequest, identifier: string): string | undefined;
	/** Adds an order the node finds under `identifier`; what it must become (undefined: none can exist). */
	addOrderFor(identifier: string): ExpectedStatus[] | undefined;
	/** Malformed answers of the order route. */
	malformed(): MalformedPlan;
	/** The credential's display name (authentication errors must name it). */
	credentialName: string;
	/** Provider-specific bad inputs, tried after the common ones. */
	extraBadInputs?: Array<[string, unknown]>;
}

const segments = (rawPath: string) => rawPath.split('/').length - 1;

/** The common malformed answers, built from a provider's valid body with the status value replaced. */
function commonMalformed(
	bodyWith: (status: unknown) => unknown,
	withoutStatus: unknown,
	readable: ExpectedStatus,
): MalformedCase[] {
	const validStatus = readable.statusRaw;
	const valid = JSON.stringify(bodyWith(validStatus));
	const tenMegabytes = 10 * 1024 * 1024;
	const padded = bodyWith(validStatus) as unknown;
	const bigJson = JSON.stringify(
		Array.isArray(padded)
			? padded.map((entry) => ({ ...(entry as IDataObject), padding: 'x'.repeat(tenMegabytes) }))
			: { ...(padded as IDataObject), padding: 'x'.repeat(tenMegabytes) },
	);
	return [
		{ name: 'HTML with 200', body: '<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>', contentType: 'text/html', want: 'error' },
		{ name: 'truncated JSON', body: valid.slice(0, Math.floor(valid.length / 2)), want: 'error' },
		{ name: 'empty body', body: '', want: 'error' },
		{ name: 'JSON null', body: 'null', want: 'error' },
		{ name: 'a JSON string instead of an object', body: '"OK"', want: 'error' },
		{ name: 'a list of numbers', body: '[1,2,3]', want: 'error' },
		{ name: 'status as an object', body: JSON.stringify(bodyWith({ code: 'shipped' })), want: 'errorOrUnknown' },
		{ name: 'status as a list', body: JSON.stringify(bodyWith(['shipped'])), want: 'errorOrUnknown' },
		{ name: 'status as a boolean', body: JSON.stringify(bodyWith(true)), want: 'errorOrUnknown' },
		{ name: 'status as a number', body: JSON.stringify(bodyWith(42)), want: 'unknown', raw: '42' },
		{ name: 'status null', body: JSON.stringify(bodyWith(null)), want: 'errorOrUnknown' },
		{ name: 'status missing', body: JSON.stringify(withoutStatus), want: 'errorOrUnknown' },
		{ name: 'unknown status value', body: JSON.stringify(bodyWith('ZZ_NEVER_SEEN_42')), want: 'unknown', raw: 'ZZ_NEVER_SEEN_42' },
		{ name: 'blank status value', body: JSON.stringify(bodyWith('   ')), want: 'errorOrUnknown' },
		{ name: '10 MB JSON body (valid, padded)', body: bigJson, want: 'statusOrError', expected: readable },
		{ name: '10 MB body of garbage', body: Buffer.alloc(tenMegabytes, 'Z'), contentType: 'application/json', want: 'error' },
		{ name: 'valid JSON sent as text/plain', body: valid, contentType: 'text/plain', want: 'statusOrError', expected: readable },
	];
}

// ------------------------------------------------------------------ Altcraft Market

const ALTCRAFT_STATUSES: Array<[string, string]> = [
	['new', 'accepted'],
	['paid', 'processing'],
	['delivered', 'delivered'],
	['canceled', 'cancelled'],
	['part_refunded', 'returned'],
	['in_transit', 'shipped'],
	['zebra', 'unknown'],
];

export function altcraftTarget(ledger: Ledger): ActionTarget & { sim: AltcraftSimulator } {
	const sim = new AltcraftSimulator({ token: SECRETS.altcraftToken });
	const target = {
		label: 'Altcraft Market' as NodeLabel,
		nodeName: 'Altcraft Market',
		ledger,
		sim,
		workflow: fixture('altcraft-get-status.workflow.json'),
		route: ALTCRAFT_ROUTES.getStatus,
		inputKey: 'orderId',
		transientInputs: 1000,
		credentialName: 'Altcraft API',
		secrets: () => [SECRETS.altcraftToken, SECRETS.altcraftWrongToken],
		reset() {
			sim.orders.length = 0;
			sim.resultShape = 'object';
			sim.latencyMs = 0;
			sim.clearFaults();
			sim.resetStats();
		},
		newStore(overrides: IDataObject = {}) {
			const store = new CredentialStore();
			store.add({
				id: 'altcraft-1',
				name: 'Altcraft test account',
				type: 'altcraftApi',
				data: { baseUrl: sim.url, apiToken: SECRETS.altcraftToken, ...overrides },
			});
			return store;
		},
		requestKey: (req: SimRequest) => {
			const id = (req.body as { external_id?: unknown } | undefined)?.external_id;
			return typeof id === 'string' ? id : undefined;
		},
		seed(count: number): Case[] {
			return Array.from({ length: count }, (_, i) => {
				const [raw, status] = ALTCRAFT_STATUSES[i % ALTCRAFT_STATUSES.length];
				const id = `ALT-${String(i).padStart(5, '0')}`;
				sim.addOrder({ external_id: id, status: raw, endpoint: 'website' });
				return { input: { orderId: id }, orderId: id, requestKey: id, expected: [{ orderId: id, status, statusRaw: raw }] };
			});
		},
		checkRequest(req: SimRequest, identifier: string) {
			if (req.rawPath !== '/api/v1.1/market/orders/get_status') return `request to ${req.rawPath}`;
			const body = (req.body ?? {}) as IDataObject;
			if (body.external_id !== identifier) return `external_id ${JSON.stringify(body.external_id)} instead of ${JSON.stringify(identifier)}`;
			const keys = Object.keys(body).sort().join(',');
			if (keys !== 'external_id,token') return `unexpected body keys ${keys}`;
			if ([...req.query.keys()].length > 0) return `query string ${req.query.toString()}`;
			return undefined;
		},
		addOrderFor(identifier: string): ExpectedStatus[] {
			sim.addOrder({ external_id: identifier, status: 'paid' });
			return [{ orderId: identifier, status: 'processing', statusRaw: 'paid' }];
		},
		malformed(): MalformedPlan {
			const id = 'ALT-MAL-1';
			const bodyWith = (status: unknown) => ({ error: 0, error_text: '', result: { endpoint: 'website', status } });
			return { input: { orderId: id }, orderId: id, cases: [
				...commonMalformed(bodyWith, { error: 0, error_text: '', result: { endpoint: 'website' } }, { orderId: id, status: 'delivered', statusRaw: 'delivered' }),
				{ name: 'error != 0 with HTTP 200', body: JSON.stringify({ error: 500, error_text: 'Internal error' }), want: 'error' },
				{ name: 'error != 0 as text with HTTP 200', body: JSON.stringify({ error: '12', error_text: 'Quota exceeded' }), want: 'error' },
				{ name: 'error != 0 without error_text', body: JSON.stringify({ error: 7 }), want: 'error' },
				{ name: 'error as an object', body: JSON.stringify({ error: { code: 1 }, error_text: 'x' }), want: 'error' },
				{ name: 'error 0 without result', body: JSON.stringify({ error: 0, error_text: '' }), want: 'error' },
				{ name: 'result as an empty list', body: JSON.stringify({ error: 0, error_text: '', result: [] }), want: 'error' },
			] };
		},
	};
	return target;
}

// ------------------------------------------------------------------ PPL CPL

const PPL_ORDER_STATES: Array<[string, string]> = [
	['None', 'pending'],
	['Created', 'accepted'],
	['PickedUp', 'shipped'],
	['NotPickedUp', 'on_hold'],
	['Canceled', 'cancelled'],
];
const PPL_IMPORT_STATES: Array<[string, string]> = [
	['Accepted', 'pending'],
	['InProcess', 'pending'],
	['Complete', 'accepted'],
	['Error', 'rejected'],
];

export function pplSimulator(): PplSimulator {
	return new PplSimulator({ clientId: PPL_CLIENT_ID, clientSecret: SECRETS.pplClientSecret });
}

function pplStore(sim: PplSimulator, overrides: IDataObject = {}): CredentialStore {
	const store = new CredentialStore();
	store.add({
		id: 'ppl-1',
		name: 'PPL sandbox',
		type: 'pplCplApi',
		data: {
			environment: 'custom',
			baseUrl: sim.url,
			clientId: PPL_CLIENT_ID,
			clientSecret: SECRETS.pplClientSecret,
			accessToken: '',
			...overrides,
		},
	});
	return store;
}

const pplSecrets = (sim: PplSimulator) => [SECRETS.pplClientSecret, SECRETS.pplWrongSecret, ...sim.issuedTokens];

function pplReset(sim: PplSimulator): void {
	sim.setOrders([]);
	sim.batches.clear();
	sim.orderResponseShape = 'array';
	sim.latencyMs = 0;
	sim.clearFaults();
	sim.resetStats();
}

/** Bodies of PPL's `GET /order` answer with `orderState` replaced. */
function pplOrderBody(referenceId: string, orderState: unknown): IDataObject[] {
	return [
		{
			orderNumber: '2000000001',
			orderState,
			orderType: 'CollectionOrder',
			referenceId,
			shipmentCount: 1,
			realShipmentCount: 0,
			productType: 'BUSS',
			shipmentNumbers: [],
		} as IDataObject,
	];
}

export function pplOrdersTarget(ledger: Ledger, sim: PplSimulator): ActionTarget {
	const MALFORMED_ID = 'PPL-MAL-1';
	return {
		label: 'PPL CPL · Get Status',
		nodeName: 'PPL CPL',
		ledger,
		sim,
		workflow: fixture('ppl-get-status.workflow.json'),
		route: PPL_ROUTES.orders,
		inputKey: 'orderId',
		transientInputs: 1000,
		credentialName: 'PPL CPL API',
		secrets: () => pplSecrets(sim),
		reset: () => pplReset(sim),
		newStore: (overrides?: IDataObject) => pplStore(sim, overrides),
		requestKey: (req: SimRequest) => {
			const ids = req.query.getAll('OrderReferences');
			return ids.length > 0 ? ids.join(',') : undefined;
		},
		seed(count: number): Case[] {
			const cases: Case[] = Array.from({ length: count }, (_, i) => {
				const [raw, status] = PPL_ORDER_STATES[i % PPL_ORDER_STATES.length];
				const id = `PPL-${String(i).padStart(5, '0')}`;
				sim.addOrder({ referenceId: id, orderState: raw as never });
				return { input: { orderId: id }, orderId: id, requestKey: '', expected: [{ orderId: id, status, statusRaw: raw }] };
			});
			// The node asks for 50 references per request, in input order.
			for (let start = 0; start < cases.length; start += 50) {
				const group = cases.slice(start, start + 50);
				const key = group.map((entry) => entry.orderId).join(',');
				group.forEach((entry) => (entry.requestKey = key));
			}
			return cases;
		},
		checkRequest(req: SimRequest, identifier: string) {
			if (req.rawPath !== '/order') return `request to ${req.rawPath}`;
			const keys = [...new Set(req.query.keys())].sort().join(',');
			if (keys !== 'Limit,Offset,OrderReferences') return `query keys ${keys} (${req.query.toString().slice(0, 200)})`;
			const values = req.query.getAll('OrderReferences');
			if (values.length !== 1 || values[0] !== identifier) {
				return `OrderReferences ${JSON.stringify(values).slice(0, 200)} instead of ${JSON.stringify(identifier).slice(0, 200)}`;
			}
			if (req.query.getAll('Limit').length !== 1 || req.query.getAll('Offset').length !== 1) return 'Limit/Offset repeated';
			return undefined;
		},
		addOrderFor(identifier: string): ExpectedStatus[] {
			sim.addOrder({ referenceId: identifier, orderState: 'PickedUp' });
			return [{ orderId: identifier, status: 'shipped', statusRaw: 'PickedUp' }];
		},
		malformed(): MalformedPlan {
			return { input: { orderId: MALFORMED_ID }, orderId: MALFORMED_ID, cases: [
				...commonMalformed(
					(state) => pplOrderBody(MALFORMED_ID, state),
					pplOrderBody(MALFORMED_ID, undefined).map(({ orderState: _dropped, ...rest }) => rest),
					{ orderId: MALFORMED_ID, status: 'shipped', statusRaw: 'PickedUp' },
				),
				{
					name: 'one object instead of a list',
					body: JSON.stringify(pplOrderBody(MALFORMED_ID, 'Created')[0]),
					want: 'statusOrError',
					expected: { orderId: MALFORMED_ID, status: 'accepted', statusRaw: 'Created' },
				},
				{ name: 'a list holding null', body: '[null]', want: 'error' },
				{ name: 'referenceId of another order', body: JSON.stringify(pplOrderBody('SOMEONE-ELSE', 'Created')), want: 'error' },
				{ name: 'referenceId missing', body: JSON.stringify([{ orderState: 'Created' }]), want: 'error' },
			] };
		},
	};
}

/** The batch a Batch ID value names: the id itself, or the last path segment of a Location URL or path. */
function requestedBatchId(identifier: string): string {
	const isLocation = /^https?:\/\//i.test(identifier) || identifier.startsWith('/');
	if (!isLocation) return identifier;
	const path = identifier.replace(/^https?:\/\/[^/?#]*/i, '').replace(/[?#].*$/, '');
	return path.split('/').filter(Boolean).pop() ?? '';
}

export function pplBatchTarget(ledger: Ledger, sim: PplSimulator): ActionTarget {
	/** Orders per batch in the transient scenario: 100 batches × 10 = 1,000 orders. */
	const PER_BATCH = 10;
	return {
		label: 'PPL CPL · Get Batch Status',
		nodeName: 'PPL CPL',
		ledger,
		sim,
		workflow: fixture('ppl-get-batch-status.workflow.json'),
		route: PPL_ROUTES.orderBatch,
		inputKey: 'batchId',
		transientInputs: 100,
		credentialName: 'PPL CPL API',
		secrets: () => pplSecrets(sim),
		reset: () => pplReset(sim),
		newStore: (overrides?: IDataObject) => pplStore(sim, overrides),
		requestKey: (req: SimRequest) => req.params.batchId,
		seed(count: number): Case[] {
			return Array.from({ length: count }, (_, b) => {
				// Fixed ids: the fault decisions are keyed by batch id, so the counts repeat run after run.
				const batchId = `00000000-0000-4000-8000-${String(b).padStart(12, '0')}`;
				const items = Array.from({ length: PER_BATCH }, (_, i) => {
					const [raw, status] = PPL_IMPORT_STATES[(b * PER_BATCH + i) % PPL_IMPORT_STATES.length];
					return { referenceId: `B${b}-R${i}`, raw, status };
				});
				sim.addBatch(
					batchId,
					items.map((item) => ({
						referenceId: item.referenceId,
						importState: item.raw as never,
						...(item.raw === 'Error' ? { errorCode: 'InvalidZip', errorMessage: 'ZIP code is not valid' } : {}),
					})),
				);
				return {
					input: { batchId },
					orderId: batchId,
					requestKey: batchId,
					expected: items.map((item) => ({ orderId: item.referenceId, status: item.status, statusRaw: item.raw })),
				};
			});
		},
		checkRequest(req: SimRequest, identifier: string) {
			const match = /^\/order\/batch\/([^/]+)$/.exec(req.rawPath);
			if (!match || segments(req.rawPath) !== 3) return `request to ${req.rawPath}`;
			const expected = requestedBatchId(identifier);
			if (req.params.batchId !== expected) return `batch id ${JSON.stringify(req.params.batchId)} instead of ${JSON.stringify(expected)}`;
			if ([...req.query.keys()].length > 0) return `query string ${req.query.toString()}`;
			return undefined;
		},
		extraBadInputs: ((uuid: string): Array<[string, unknown]> => [
			['a Location URL', `http://127.0.0.1:1/order/batch/${uuid}`],
			['a Location path', `/order/batch/${uuid}`],
			['a Location URL with query and fragment', `https://api.dhl.com/ecs/ppl/myapi2/order/batch/${uuid}?x=1#frag`],
			['a Location URL climbing with ..', `https://api.dhl.com/order/batch/${uuid}/../../admin`],
			['a UUID padded with spaces', `  ${uuid}  `],
			['a UUID followed by /../x', `${uuid}/../x`],
			['a UUID followed by %2F..', `${uuid}%2F..`],
			['a UUID followed by ?', `${uuid}?Limit=1`],
		])(randomUUID()),
		addOrderFor(identifier: string): ExpectedStatus[] | undefined {
			const uuid = requestedBatchId(identifier);
			if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) return undefined;
			sim.addBatch(uuid, [{ referenceId: 'BAD-INPUT-REF', importState: 'Complete' }]);
			return [{ orderId: 'BAD-INPUT-REF', status: 'accepted', statusRaw: 'Complete' }];
		},
		malformed(): MalformedPlan {
			const batchId = randomUUID();
			const bodyWith = (state: unknown) => ({ items: [{ referenceId: 'R1', importState: state, errorCode: null, errorMessage: null }] });
			return { input: { batchId }, orderId: batchId, cases: [
				...commonMalformed(
					bodyWith,
					{ items: [{ referenceId: 'R1', errorCode: null, errorMessage: null }] },
					{ orderId: 'R1', status: 'accepted', statusRaw: 'Complete' },
				),
				{ name: 'items empty', body: JSON.stringify({ items: [] }), want: 'error' },
				{ name: 'items not a list', body: JSON.stringify({ items: 'R1' }), want: 'error' },
				{ name: 'items holding a number', body: JSON.stringify({ items: [5] }), want: 'errorOrUnknown' },
				{ name: 'items missing', body: JSON.stringify({ batch: [] }), want: 'error' },
			] };
		},
	};
}

// ------------------------------------------------------------------ Pitney Bowes Fulfillment

const PB_STATUSES: Array<[string, string, boolean?]> = [
	['RECEIVED', 'accepted'],
	['RELEASED', 'processing'],
	['PICKED', 'processing'],
	['PACKED', 'processing'],
	['BACKORDERED', 'on_hold'],
	['PARTIALLY_SHIPPED', 'shipped'],
	['SHIPPED', 'shipped'],
	['DELIVERED', 'delivered'],
	['CANCELLED', 'cancelled'],
	['ON_HOLD', 'on_hold'],
	['ZEBRA_STAGE', 'unknown'],
	// Pitney Bowes' own hold flag outranks the value.
	['SHIPPED', 'on_hold', true],
];

export const pbBasic = (secret: string) => Buffer.from(`${SECRETS.pbApiKey}:${secret}`).toString('base64');

export function pitneyBowesTarget(ledger: Ledger): ActionTarget & { sim: PitneyBowesSimulator } {
	const sim = new PitneyBowesSimulator({ apiKey: SECRETS.pbApiKey, apiSecret: SECRETS.pbApiSecret, clientId: PB_CLIENT_ID });
	const issued = new Set<string>();
	const harvestTokens = () => {
		for (const req of sim.requests) {
			const header = req.headers.authorization;
			if (typeof header === 'string' && header.startsWith('Bearer ')) issued.add(header.slice('Bearer '.length));
		}
	};
	const pathPattern = /^\/shippingservices\/fulfillment\/v1\/orders\/([^/]+)\/status$/;
	return {
		label: 'Pitney Bowes Fulfillment',
		nodeName: 'Pitney Bowes Fulfillment',
		ledger,
		sim,
		workflow: fixture('pitney-bowes-get-status.workflow.json'),
		route: PITNEY_BOWES_ROUTES.orderStatus,
		inputKey: 'orderId',
		transientInputs: 1000,
		credentialName: 'Pitney Bowes Fulfillment API',
		secrets: () => {
			harvestTokens();
			return [
				SECRETS.pbApiKey,
				SECRETS.pbApiSecret,
				SECRETS.pbWrongSecret,
				pbBasic(SECRETS.pbApiSecret),
				pbBasic(SECRETS.pbWrongSecret),
				PB_TOKEN_PREFIX,
				...issued,
			];
		},
		reset() {
			harvestTokens();
			sim.clearOrders();
			sim.latencyMs = 0;
			sim.setErrorShape('standard');
			sim.setSpikeArrest(undefined);
			sim.clearFaults();
			sim.resetStats();
		},
		newStore(overrides: IDataObject = {}) {
			const store = new CredentialStore();
			store.add({
				id: 'pitney-bowes-1',
				name: 'Pitney Bowes test account',
				type: 'pitneyBowesFulfillmentApi',
				data: {
					environment: 'custom',
					baseUrl: sim.url,
					apiKey: SECRETS.pbApiKey,
					apiSecret: SECRETS.pbApiSecret,
					clientId: PB_CLIENT_ID,
					accessToken: '',
					...overrides,
				},
			});
			return store;
		},
		requestKey: (req: SimRequest) => req.params.orderId,
		seed(count: number): Case[] {
			return Array.from({ length: count }, (_, i) => {
				const [raw, status, onHold] = PB_STATUSES[i % PB_STATUSES.length];
				const id = `PB-${String(i).padStart(5, '0')}`;
				sim.addOrder({ orderId: id, status: raw, isOnHold: onHold ?? raw === 'ON_HOLD', holdReason: onHold ? ['ADDRESS_HOLD'] : [] });
				return { input: { orderId: id }, orderId: id, requestKey: id, expected: [{ orderId: id, status, statusRaw: raw }] };
			});
		},
		checkRequest(req: SimRequest, identifier: string) {
			if (!pathPattern.test(req.rawPath) || segments(req.rawPath) !== 6) return `request to ${req.rawPath}`;
			if (req.params.orderId !== identifier) return `order id ${JSON.stringify(req.params.orderId)} instead of ${JSON.stringify(identifier)}`;
			const keys = [...req.query.keys()].join(',');
			if (keys !== 'clientId' || req.query.get('clientId') !== PB_CLIENT_ID) return `query ${req.query.toString()}`;
			return undefined;
		},
		addOrderFor(identifier: string): ExpectedStatus[] {
			sim.addOrder({ orderId: identifier, status: 'SHIPPED' });
			return [{ orderId: identifier, status: 'shipped', statusRaw: 'SHIPPED' }];
		},
		malformed(): MalformedPlan {
			const id = 'PB-MAL-1';
			const base = { clientId: PB_CLIENT_ID, orderId: id, clientOrderId: 'SO-1', customerOrderId: 'WEB-1' };
			const bodyWith = (status: unknown) => ({ ...base, status, holdReason: [] });
			return { input: { orderId: id }, orderId: id, cases: [
				...commonMalformed(bodyWith, { ...base, holdReason: [] }, { orderId: id, status: 'shipped', statusRaw: 'SHIPPED' }),
				{ name: 'isOnHold as text', body: JSON.stringify({ ...base, isOnHold: 'yes' }), want: 'errorOrUnknown' },
				{
					name: 'holdReason not a list',
					body: JSON.stringify({ ...base, status: 'ON_HOLD', isOnHold: true, holdReason: 'INVENTORY' }),
					want: 'statusOrError',
					expected: { orderId: id, status: 'on_hold', statusRaw: 'ON_HOLD' },
				},
			] };
		},
	};
}

// ------------------------------------------------------------------ Sender

const SENDER_STATUSES: Array<[string, string]> = [
	['accepted', 'accepted'],
	['canceled', 'cancelled'],
	['cancelled', 'cancelled'],
	['failed', 'rejected'],
	['pending', 'pending'],
	['in_transit', 'shipped'],
	['delivered', 'delivered'],
];

export function senderSimulator(): SenderSimulator {
	return new SenderSimulator({ apiKey: SECRETS.senderApiKey });
}

export function senderStore(sim: SenderSimulator, overrides: IDataObject = {}): CredentialStore {
	const store = new CredentialStore();
	store.add({
		id: 'sender-1',
		name: 'Sender test account',
		type: 'senderApi',
		data: {
			environment: 'custom',
			baseUrl: sim.url,
			apiKey: SECRETS.senderApiKey,
			authMode: 'bearer',
			headerName: 'X-Api-Key',
			language: '',
			...overrides,
		},
	});
	return store;
}

export function senderTarget(ledger: Ledger, sim: SenderSimulator): ActionTarget {
	return {
		label: 'Sender',
		nodeName: 'Sender',
		ledger,
		sim,
		workflow: fixture('sender-get-by-reference.workflow.json'),
		route: SENDER_ROUTES.getOrder,
		inputKey: 'reference',
		transientInputs: 1000,
		credentialName: 'Sender API',
		secrets: () => [SECRETS.senderApiKey, SECRETS.senderWrongKey, SECRETS.senderCallbackSecret],
		reset() {
			sim.clearOrders();
			sim.clearFaults();
			sim.resetStats();
			sim.latencyMs = 0;
			sim.variant = 'snake';
			sim.authHeaders = ['bearer'];
		},
		newStore: (overrides?: IDataObject) => senderStore(sim, overrides),
		requestKey: (req: SimRequest) => req.params.reference,
		seed(count: number): Case[] {
			return Array.from({ length: count }, (_, i) => {
				const [raw, status] = SENDER_STATUSES[i % SENDER_STATUSES.length];
				const reference = `SND-${String(i).padStart(6, '0')}`;
				sim.addOrder({ reference, status: raw });
				return { input: { reference }, orderId: reference, requestKey: reference, expected: [{ orderId: reference, status, statusRaw: raw }] };
			});
		},
		checkRequest(req: SimRequest, identifier: string) {
			if (!/^\/orders\/[^/]+$/.test(req.rawPath) || segments(req.rawPath) !== 2) return `request to ${req.rawPath}`;
			if (req.params.reference !== identifier) return `reference ${JSON.stringify(req.params.reference)} instead of ${JSON.stringify(identifier)}`;
			if ([...req.query.keys()].length > 0) return `query string ${req.query.toString()}`;
			return undefined;
		},
		addOrderFor(identifier: string): ExpectedStatus[] {
			sim.addOrder({ reference: identifier, status: 'accepted' });
			return [{ orderId: identifier, status: 'accepted', statusRaw: 'accepted' }];
		},
		malformed(): MalformedPlan {
			const id = 'SND-MAL-1';
			const bodyWith = (status: unknown) => ({ order_reference: id, status, carrier: 'omniva' });
			const accepted = { orderId: id, status: 'accepted', statusRaw: 'accepted' };
			return { input: { reference: id }, orderId: id, cases: [
				...commonMalformed(bodyWith, { order_reference: id, carrier: 'omniva' }, accepted),
				{ name: 'status nested under data as an object', body: JSON.stringify({ data: { status: { a: 1 } } }), want: 'errorOrUnknown' },
				{
					name: 'label_base64 that is not base64',
					body: JSON.stringify({ ...bodyWith('accepted'), label_base64: '%%%not-base64%%%' }),
					want: 'statusOrError',
					expected: accepted,
				},
			] };
		},
	};
}
