/**
 * PPL CZ "CPL API" (MyAPI2) simulator (the provider facts docs/provider-apis.md lists).
 *
 * The simulator serves at its root what production serves under `https://api.dhl.com/ecs/ppl/myapi2`, so a
 * credential with the custom base URL `http://127.0.0.1:<port>` maps 1:1 onto production paths.
 *
 * - `POST /login/getAccessToken`: form-encoded `grant_type=client_credentials`, `client_id`, `client_secret`,
 *   `scope=myapi2` → `{ access_token, token_type: "Bearer", expires_in, scope }`. Tokens are JWTs that live 30 min
 *   (configurable); at most 12 token requests per minute (the 13th is refused with 429 + Retry-After).
 * - Every other route except `GET /info` needs `Authorization: Bearer <token>`; a missing, unknown, revoked or
 *   expired token gets 401, a credential whose role does not allow the route gets 403 (roles: `client`,
 *   `tracking`, `pickupPoints`).
 * - `GET /order/batch/:batchId` answers `{ items: [{ referenceId, importState, errorMessage, errorCode }] }`;
 *   batches are data set up by tests and progress Accepted → InProcess → Complete | Error by method call, per
 *   poll or over time. `POST /order/batch` creates one (201 + `Location`).
 * - `GET /order` and `GET /shipment`: array filters as repeated keys (`OrderNumbers=a&OrderNumbers=b`), at most
 *   50 values each, `Limit` (required, 1–1000) and `Offset` (required, ≥ 0), date filters. Both answer a JSON array.
 * - `GET /codelist/status`, `GET /codelist/shipmentPhase` (cheap authenticated calls, localised by
 *   `Accept-Language`), `GET /info` (no auth).
 * - Errors are RFC 7807 `application/problem+json`: `{ type, title, status, detail, instance, errors }`.
 * - `Accept-Language`, `X-Correlation-ID` and `X-LogLevel` are recorded; `X-Correlation-ID` is echoed back.
 *   The documented 40 ms pacing is measured (`counters.minGapMs`, `counters.gapsUnder40ms`), never enforced.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

import {
	bearerToken,
	json,
	ProviderSimulator,
	TokenIssuer,
	type RateLimit,
	type SimClock,
	type SimRequest,
	type SimResponse,
} from './framework';

export const PPL_IMPORT_STATES = ['Accepted', 'InProcess', 'Complete', 'Error'] as const;
export type PplImportState = (typeof PPL_IMPORT_STATES)[number];

export const PPL_ORDER_STATES = ['None', 'Created', 'PickedUp', 'NotPickedUp', 'Canceled'] as const;
export type PplOrderState = (typeof PPL_ORDER_STATES)[number];

export const PPL_ORDER_TYPES = ['CollectionOrder', 'TransportOrder'] as const;
export type PplOrderType = (typeof PPL_ORDER_TYPES)[number];

export const PPL_SHIPMENT_STATES = [
	'None',
	'Undelivered',
	'Delivered',
	'PickedUpFromSender',
	'DeliveredToPickupPoint',
	'OutForDelivery',
	'NotDelivered',
	'CodPaidDate',
	'BackToSender',
	'Rejected',
	'DataShipment',
	'Active',
	'Canceled',
	'Dormant',
] as const;
export type PplShipmentState = (typeof PPL_SHIPMENT_STATES)[number];

export const PPL_LOG_LEVELS = ['Trace', 'Debug', 'Information', 'Warning', 'Error', 'Critical'] as const;

export type PplRole = 'client' | 'tracking' | 'pickupPoints';

/** Routes as `METHOD pattern`, the keys of `stats.byRoute` / `count()` and of fault rules. */
export const PPL_ROUTES = {
	token: 'POST /login/getAccessToken',
	info: 'GET /info',
	codelistStatus: 'GET /codelist/status',
	codelistShipmentPhase: 'GET /codelist/shipmentPhase',
	createOrderBatch: 'POST /order/batch',
	orderBatch: 'GET /order/batch/:batchId',
	orders: 'GET /order',
	shipments: 'GET /shipment',
} as const;

/** The query names each list endpoint knows (PascalCase, as documented). */
export const PPL_ORDER_QUERY = {
	arrays: ['ShipmentNumbers', 'CustomerReferences', 'OrderReferences', 'OrderNumbers', 'OrderIds'],
	scalars: ['DateFrom', 'DateTo', 'SendDate', 'ProductType', 'OrderStates', 'OrderType', 'Limit', 'Offset'],
} as const;
export const PPL_SHIPMENT_QUERY = {
	arrays: ['ShipmentNumbers', 'InvoiceNumbers', 'CustomerReferences', 'VariableSymbols'],
	scalars: ['DateFrom', 'DateTo', 'ShipmentStates', 'Limit', 'Offset'],
} as const;

/** Documented limits. */
export const PPL_LIMITS = {
	maxArrayFilterValues: 50,
	maxLimit: 1000,
	tokenLifetimeSeconds: 1800,
	maxTokensPerMinute: 12,
	minRequestGapMs: 40,
} as const;

const PROBLEM_TYPES: Record<number, string> = {
	400: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
	401: 'https://tools.ietf.org/html/rfc9110#section-15.5.2',
	403: 'https://tools.ietf.org/html/rfc9110#section-15.5.4',
	404: 'https://tools.ietf.org/html/rfc9110#section-15.5.5',
	429: 'https://tools.ietf.org/html/rfc6585#section-4',
	500: 'https://tools.ietf.org/html/rfc9110#section-15.6.1',
	503: 'https://tools.ietf.org/html/rfc9110#section-15.6.4',
};
const PROBLEM_TITLES: Record<number, string> = {
	400: 'One or more validation errors occurred.',
	401: 'Unauthorized',
	403: 'Forbidden',
	404: 'Not Found',
	429: 'Too Many Requests',
	500: 'An error occurred while processing your request.',
	503: 'Service Unavailable',
};

export interface PplProblem {
	type: string;
	title: string;
	status: number;
	detail: string | null;
	instance: string | null;
	errors?: Record<string, string[]>;
	[extension: string]: unknown;
}

/** A PPL-shaped problem-details body (also useful for fault rules: `{ kind: 'status', status, body, headers }`). */
export function pplProblemBody(
	status: number,
	detail: string | null = null,
	options: { title?: string; instance?: string; errors?: Record<string, string[]>; extra?: Record<string, unknown> } = {},
): PplProblem {
	return {
		type: PROBLEM_TYPES[status] ?? 'about:blank',
		title: options.title ?? PROBLEM_TITLES[status] ?? 'Error',
		status,
		detail,
		instance: options.instance ?? null,
		...(options.errors ? { errors: options.errors } : {}),
		...options.extra,
	};
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function pplProblem(
	status: number,
	detail: string | null = null,
	options: Parameters<typeof pplProblemBody>[2] & { headers?: Record<string, string> } = {},
): SimResponse {
	return {
		status,
		headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...options.headers },
		body: pplProblemBody(status, detail, options),
	};
}

export interface PplClient {
	clientId: string;
	clientSecret: string;
	/** Default `['client']` (everything). `tracking` may only call `GET /shipment`. */
	roles?: PplRole[];
}

export interface PplBatchItemInput {
	referenceId: string;
	/** Current state (default `Accepted`). */
	importState?: PplImportState;
	/** Where progression ends (default `Complete`, or `Error` when `errorCode`/`errorMessage` is given). */
	finalState?: 'Complete' | 'Error';
	errorCode?: string;
	errorMessage?: string;
}

export interface PplBatchOptions {
	/** Advance one step after every N reads of the batch (the Nth read still sees the old state). */
	stepEveryPolls?: number;
	/** Advance one step per this many milliseconds since creation (evaluated lazily on read). */
	stepMs?: number;
	/** When an item reaches `Complete`, create a `Created` order with its referenceId (default true). */
	createOrders?: boolean;
}

interface StoredBatchItem {
	referenceId: string;
	importState: PplImportState;
	finalState: 'Complete' | 'Error';
	errorCode: string | null;
	errorMessage: string | null;
	/** Order fields from `POST /order/batch`, used when the item completes. */
	order?: Partial<PplOrder>;
}

interface StoredBatch {
	batchId: string;
	items: StoredBatchItem[];
	options: PplBatchOptions;
	createdAt: number;
	lastStepAt: number;
	polls: number;
}

/** The batch as `GET /order/batch/:batchId` answers it. */
export interface PplBatchResult {
	items: Array<{ referenceId: string; importState: PplImportState; errorMessage: string | null; errorCode: string | null }>;
}

export interface PplAddress {
	name: string | null;
	name2: string | null;
	street: string | null;
	city: string | null;
	zipCode: string | null;
	country: string | null;
	contact: string | null;
	phone: string | null;
	email: string | null;
}

/** `GET /order` item (OrderModel, D6 + the G1 generated model). */
export interface PplOrder {
	orderNumber: string;
	orderState: PplOrderState;
	orderType: PplOrderType;
	referenceId: string;
	shipmentCount: number;
	realShipmentCount: number;
	email: string | null;
	note: string | null;
	customerReference: string | null;
	productType: string;
	sendDate: string;
	realCollectionDate: string | null;
	deliveryDateTime: string | null;
	sender: PplAddress;
	recipient: PplAddress;
	shipmentNumbers: string[];
}

export type PplOrderInput = Partial<PplOrder> & {
	referenceId: string;
	/** Simulator-only: internal numeric id matched by `OrderIds` (not in the response; default auto). */
	orderId?: number;
	/** Simulator-only: the time `DateFrom`/`DateTo` compare against (default now; bumped by setOrderState). */
	changedAt?: string;
};

interface StoredOrder {
	data: PplOrder;
	orderId: number;
	changedAt: number;
}

export interface PplTrackEvent {
	statusId: number | null;
	code: string | null;
	phase: string | null;
	group: string | null;
	eventDate: string;
	name: string | null;
	gpsLatitude?: number | null;
	gpsLongitude?: number | null;
}

/** `GET /shipment` item (ShipmentModel); loosely typed beyond the fields the simulator reads. */
export interface PplShipment {
	shipmentNumber: string;
	shipmentState: string;
	lastUpdateDate: string;
	productType?: string;
	externalNumbers?: Array<{ externalNumber: string; code: string }>;
	paymentInfo?: Record<string, unknown> & { invoiceNumber?: string | null; codVariableSymbol?: string | null };
	trackAndTrace?: {
		externalShipmentId?: string | null;
		partnerUrl?: string | null;
		lastEventCode?: string | null;
		lastEventDate?: string | null;
		lastEventName?: string | null;
		events: PplTrackEvent[];
	};
	[field: string]: unknown;
}

export type PplShipmentInput = Partial<PplShipment> & {
	shipmentNumber: string;
	/** Shortcuts for the filterable fields (stored where the model keeps them). */
	customerReference?: string;
	invoiceNumber?: string;
	variableSymbol?: string;
};

export interface PplCounters {
	/** Every request that reached the token route's handler. */
	tokenRequests: number;
	tokensIssued: number;
	/** Refused for the 12-per-minute limit. */
	tokensRefusedForRate: number;
	/** Refused for a bad request or bad client credentials. */
	tokenRequestsRejected: number;
	/** Token requests that carried client_id / client_secret in the URL query (rejected). */
	secretsInQuery: number;
	/** Token requests without `scope`. */
	tokenRequestsWithoutScope: number;
	unauthorized: number;
	forbidden: number;
	/** 400 problem answers of API routes. */
	validationErrors: number;
	/** Smallest gap between two consecutive requests' arrival (ms); null before the second request. */
	minGapMs: number | null;
	/** Consecutive requests closer than the documented 40 ms. */
	gapsUnder40ms: number;
	acceptLanguages: Record<string, number>;
	logLevels: Record<string, number>;
	/** X-Correlation-ID values received (most recent 1000). */
	correlationIds: string[];
	/** Query keys not in the documented set, as sent (e.g. `OrderNumbers[]`, `limit`). */
	unknownQueryParams: Record<string, number>;
}

export interface PplSimulatorOptions {
	/** The first client (more via `addClient`). */
	clientId: string;
	clientSecret: string;
	roles?: PplRole[];
	/** Token lifetime (default 1800 s). */
	tokenLifetimeSeconds?: number;
	/** Token requests allowed per rolling minute (default 12). */
	maxTokensPerMinute?: number;
	/** Status for wrong client credentials: 400 (RFC 6749 for body credentials, default) or 401. */
	invalidClientStatus?: 400 | 401;
	/** Refuse a token request without `scope=myapi2` (documented as required; default true). */
	requireScope?: boolean;
	/**
	 * `true` (default): a query key that is not documented for the route (wrong case, `Key[]`, `Key[0]`, typos)
	 * gets 400, so a node bug is loud. `false`: ignored like ASP.NET would (still counted).
	 */
	strictQuery?: boolean;
	/** `GET /order/batch/:batchId` requires a UUID (400 otherwise; default true). */
	requireUuidBatchIds?: boolean;
	/** `GET /order` answer: `array` (default) or `object` (first match, 404 if none), as the D6 example shows. */
	orderResponseShape?: 'array' | 'object';
	/** Which order time `DateFrom`/`DateTo` filter on: the simulator's change time (default) or `sendDate`. */
	orderDateFilter?: 'changedAt' | 'sendDate';
	/** `Location` of `POST /order/batch`: absolute URL (default) or path. */
	locationFormat?: 'absolute' | 'path';
	/** Progression of batches created by `POST /order/batch` (default: one step per poll). */
	createdBatchOptions?: PplBatchOptions;
	latencyMs?: number;
	rateLimit?: RateLimit;
	seed?: number;
	/** The provider's time: token lifetimes and budget, batch progress over time, request gaps (default: real). */
	clock?: SimClock;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

const CODELIST_STATUS = [
	{ code: '900', cs: 'Čekáme na přijetí zásilky do přepravy.', en: 'We are waiting for the shipment to be handed over.' },
	{ code: '710', cs: 'Zásilka je v přepravě.', en: 'The shipment is in transit.' },
	{ code: '300', cs: 'Zásilka je připravena k doručení.', en: 'The shipment is ready for delivery.' },
	{ code: '400', cs: 'Zásilka se dnes doručuje.', en: 'The shipment is out for delivery today.' },
	{ code: '450', cs: 'Zásilku jsme doručili příjemci.', en: 'The shipment was delivered to the recipient.' },
	{ code: '500', cs: 'Nedoručeno – na žádost odesílatele.', en: 'Not delivered – at the sender’s request.' },
];
const CODELIST_PHASES = [
	{ code: 'Order', cs: 'Objednávka', en: 'Order' },
	{ code: 'InTransport', cs: 'V přepravě', en: 'In transport' },
	{ code: 'Delivering', cs: 'Na cestě', en: 'Out for delivery' },
	{ code: 'PickupPoint', cs: 'Na výdejním místě', en: 'At the pickup point' },
	{ code: 'Delivered', cs: 'Doručeno', en: 'Delivered' },
	{ code: 'Returning', cs: 'Na cestě zpět odesílateli', en: 'Returning to sender' },
	{ code: 'BackToSender', cs: 'Vráceno odesílateli', en: 'Returned to sender' },
	{ code: 'Canceled', cs: 'Zrušeno', en: 'Cancelled' },
];

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

function emptyAddress(overrides: Partial<PplAddress> = {}): PplAddress {
	return {
		name: null,
		name2: null,
		street: null,
		city: null,
		zipCode: null,
		country: null,
		contact: null,
		phone: null,
		email: null,
		...overrides,
	};
}

function emptyCounters(): PplCounters {
	return {
		tokenRequests: 0,
		tokensIssued: 0,
		tokensRefusedForRate: 0,
		tokenRequestsRejected: 0,
		secretsInQuery: 0,
		tokenRequestsWithoutScope: 0,
		unauthorized: 0,
		forbidden: 0,
		validationErrors: 0,
		minGapMs: null,
		gapsUnder40ms: 0,
		acceptLanguages: {},
		logLevels: {},
		correlationIds: [],
		unknownQueryParams: {},
	};
}

function headerValue(req: SimRequest, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value[0] : value;
}

/** Parsed, validated list query: values keyed by documented name, or the validation errors. */
type ListQuery = { arrays: Record<string, string[]>; scalars: Record<string, string>; limit: number; offset: number };

export class PplSimulator extends ProviderSimulator {
	readonly clients = new Map<string, PplClient>();
	readonly tokens: TokenIssuer;
	/** Every access token issued (tests scan outputs and logs for them). */
	readonly issuedTokens: string[] = [];
	readonly batches = new Map<string, StoredBatch>();
	private readonly orders: StoredOrder[] = [];
	private readonly shipments: PplShipment[] = [];
	counters: PplCounters = emptyCounters();

	invalidClientStatus: 400 | 401;
	requireScope: boolean;
	strictQuery: boolean;
	requireUuidBatchIds: boolean;
	orderResponseShape: 'array' | 'object';
	orderDateFilter: 'changedAt' | 'sendDate';
	locationFormat: 'absolute' | 'path';
	createdBatchOptions: PplBatchOptions;

	private readonly signingKey = randomBytes(32);
	private readonly tokenClients = new Map<string, string>();
	private readonly revokedJti = new Set<string>();
	private tokenIssueTimes: number[] = [];
	private lastArrival?: number;
	private nextOrderId = 1;
	private correlationCounter = 0;

	constructor(options: PplSimulatorOptions) {
		super('ppl', { latencyMs: options.latencyMs, rateLimit: options.rateLimit, seed: options.seed, clock: options.clock });
		this.tokens = new TokenIssuer(
			'ppl-sim',
			options.tokenLifetimeSeconds ?? PPL_LIMITS.tokenLifetimeSeconds,
			options.maxTokensPerMinute ?? PPL_LIMITS.maxTokensPerMinute,
			this.clock,
		);
		this.addClient({ clientId: options.clientId, clientSecret: options.clientSecret, roles: options.roles });
		this.invalidClientStatus = options.invalidClientStatus ?? 400;
		this.requireScope = options.requireScope ?? true;
		this.strictQuery = options.strictQuery ?? true;
		this.requireUuidBatchIds = options.requireUuidBatchIds ?? true;
		this.orderResponseShape = options.orderResponseShape ?? 'array';
		this.orderDateFilter = options.orderDateFilter ?? 'changedAt';
		this.locationFormat = options.locationFormat ?? 'absolute';
		this.createdBatchOptions = options.createdBatchOptions ?? { stepEveryPolls: 1 };

		this.endpoint('POST', '/login/getAccessToken', false, (req) => this.getAccessToken(req));
		this.endpoint('GET', '/info', false, () => this.info());
		this.endpoint('GET', '/codelist/status', ['client', 'pickupPoints'], (req) => this.codelist(req, CODELIST_STATUS));
		this.endpoint('GET', '/codelist/shipmentPhase', ['client', 'pickupPoints'], (req) =>
			this.codelist(req, CODELIST_PHASES),
		);
		this.endpoint('POST', '/order/batch', ['client'], (req) => this.createOrderBatch(req));
		this.endpoint('GET', '/order/batch/:batchId', ['client'], (req) => this.getOrderBatch(req));
		this.endpoint('GET', '/order', ['client'], (req) => this.listOrders(req));
		this.endpoint('GET', '/shipment', ['client', 'tracking'], (req) => this.listShipments(req));

		this.registerControls();
	}

	// ---------------------------------------------------------------- clients and tokens

	addClient(client: PplClient): this {
		this.clients.set(client.clientId, { ...client, roles: client.roles ?? ['client'] });
		return this;
	}

	/** Invalidates every token issued so far (401 on the next API call). */
	revokeTokens(): this {
		this.tokens.revokeAll();
		return this;
	}

	/** Invalidates one token. */
	revokeToken(token: string): this {
		const jti = this.decodeToken(token)?.jti;
		if (jti) this.revokedJti.add(jti);
		return this;
	}

	/** Makes every current token expire now. */
	expireTokens(): this {
		this.tokens.expireAll();
		return this;
	}

	set tokenLifetimeSeconds(seconds: number) {
		this.tokens.lifetimeSeconds = seconds;
	}

	get tokenLifetimeSeconds(): number {
		return this.tokens.lifetimeSeconds;
	}

	/** Forgets the per-minute token budget (tokens stay valid). */
	resetTokenLimit(): this {
		this.tokens.resetCounters();
		this.tokenIssueTimes = [];
		return this;
	}

	/** Counters including the token issuer's. */
	getCounters(): PplCounters {
		return {
			...this.counters,
			tokensIssued: this.tokens.issued,
			tokensRefusedForRate: this.tokens.refusedForRate,
		};
	}

	/** Clears the request log, all counters and the token budget (not the data, faults or tokens). */
	override resetStats(): this {
		super.resetStats();
		this.counters = emptyCounters();
		this.lastArrival = undefined;
		// The constructor of the base class calls nothing of ours, but guard anyway.
		if (this.tokens) this.resetTokenLimit();
		return this;
	}

	// ---------------------------------------------------------------- order batches

	/** Creates (or replaces) a batch. Throws on a non-UUID id unless `requireUuidBatchIds` is off. */
	addBatch(batchId: string, items: PplBatchItemInput[], options: PplBatchOptions = {}): PplBatchResult {
		if (this.requireUuidBatchIds && !UUID_RE.test(batchId)) {
			throw new Error(`PPL batch ids are UUIDs (use randomUUID()); got ${batchId}`);
		}
		const now = this.clock.now();
		this.batches.set(batchId, {
			batchId,
			items: items.map((item) => this.toStoredItem(item)),
			options,
			createdAt: now,
			lastStepAt: now,
			polls: 0,
		});
		return this.batchResult(batchId);
	}

	/** The batch as the API would answer it now (no progression, no poll counted). */
	batchResult(batchId: string): PplBatchResult {
		const batch = this.requireBatch(batchId);
		return {
			items: batch.items.map((item) => ({
				referenceId: item.referenceId,
				importState: item.importState,
				errorMessage: item.importState === 'Error' ? item.errorMessage : null,
				errorCode: item.importState === 'Error' ? item.errorCode : null,
			})),
		};
	}

	/** Moves every unfinished item `steps` steps: Accepted → InProcess → its final state. */
	advanceBatch(batchId: string, steps = 1): PplBatchResult {
		const batch = this.requireBatch(batchId);
		for (let i = 0; i < steps; i++) {
			for (const item of batch.items) this.stepItem(batch, item);
		}
		return this.batchResult(batchId);
	}

	/** Moves every unfinished item straight to its final state. */
	completeBatch(batchId: string): PplBatchResult {
		return this.advanceBatch(batchId, 2);
	}

	/** Sets one item's state directly (e.g. `Error` with a code and message). */
	setImportState(
		batchId: string,
		referenceId: string,
		importState: PplImportState,
		error: { errorCode?: string; errorMessage?: string } = {},
	): PplBatchResult {
		const batch = this.requireBatch(batchId);
		const item = batch.items.find((i) => i.referenceId === referenceId);
		if (!item) throw new Error(`PPL batch ${batchId} has no item ${referenceId}`);
		if (error.errorCode !== undefined) item.errorCode = error.errorCode;
		if (error.errorMessage !== undefined) item.errorMessage = error.errorMessage;
		if (importState === 'Error') {
			item.errorCode ??= 'SimulatedError';
			item.errorMessage ??= 'Simulated import error.';
		}
		if (importState === 'Complete' || importState === 'Error') item.finalState = importState;
		item.importState = importState;
		if (importState === 'Complete') this.onItemComplete(batch, item);
		return this.batchResult(batchId);
	}

	/** How often the batch was read through the API. */
	batchPolls(batchId: string): number {
		return this.requireBatch(batchId).polls;
	}

	private toStoredItem(item: PplBatchItemInput & { order?: Partial<PplOrder> }): StoredBatchItem {
		const hasError = item.errorCode !== undefined || item.errorMessage !== undefined;
		const importState = item.importState ?? 'Accepted';
		const finalState =
			item.finalState ??
			(importState === 'Complete' || importState === 'Error' ? importState : hasError ? 'Error' : 'Complete');
		return {
			referenceId: item.referenceId,
			importState,
			finalState,
			errorCode: item.errorCode ?? (finalState === 'Error' ? 'SimulatedError' : null),
			errorMessage: item.errorMessage ?? (finalState === 'Error' ? 'Simulated import error.' : null),
			order: item.order,
		};
	}

	private stepItem(batch: StoredBatch, item: StoredBatchItem): void {
		if (item.importState === 'Accepted') item.importState = 'InProcess';
		else if (item.importState === 'InProcess') {
			item.importState = item.finalState;
			if (item.importState === 'Complete') this.onItemComplete(batch, item);
		}
	}

	private onItemComplete(batch: StoredBatch, item: StoredBatchItem): void {
		if (batch.options.createOrders === false) return;
		if (this.orders.some((o) => o.data.referenceId === item.referenceId)) return;
		this.addOrder({ ...item.order, referenceId: item.referenceId, orderState: 'Created' });
	}

	private requireBatch(batchId: string): StoredBatch {
		const batch = this.batches.get(batchId);
		if (!batch) throw new Error(`no PPL batch ${batchId}`);
		return batch;
	}

	// ---------------------------------------------------------------- orders

	addOrder(input: PplOrderInput): PplOrder {
		const { orderId, changedAt, ...fields } = input;
		const id = orderId ?? this.nextOrderId;
		this.nextOrderId = Math.max(this.nextOrderId, id + 1);
		const now = new Date(this.clock.now()).toISOString();
		const data: PplOrder = {
			orderNumber: String(2_000_000_000 + id),
			orderState: 'Created',
			orderType: 'CollectionOrder',
			shipmentCount: 1,
			realShipmentCount: 0,
			email: null,
			note: null,
			customerReference: null,
			productType: 'BUSS',
			sendDate: now.slice(0, 10) + 'T00:00:00Z',
			realCollectionDate: null,
			deliveryDateTime: null,
			sender: emptyAddress({ name: 'Sender s.r.o.', city: 'Praha', zipCode: '11000', country: 'CZ' }),
			recipient: emptyAddress({ name: 'Recipient', city: 'Brno', zipCode: '60200', country: 'CZ' }),
			shipmentNumbers: [],
			...fields,
		};
		this.orders.push({ data, orderId: id, changedAt: changedAt ? Date.parse(changedAt) : this.clock.now() });
		return data;
	}

	/** Replaces all orders. */
	setOrders(inputs: PplOrderInput[]): PplOrder[] {
		this.orders.length = 0;
		return inputs.map((o) => this.addOrder(o));
	}

	/** The stored orders as `GET /order` would show them. */
	listAllOrders(): PplOrder[] {
		return this.orders.map((o) => o.data);
	}

	/** Changes an order (found by orderNumber or referenceId) and bumps its change time. */
	setOrderState(key: string, orderState: PplOrderState, changes: Partial<PplOrder> & { changedAt?: string } = {}): PplOrder {
		const order = this.orders.find((o) => o.data.orderNumber === key || o.data.referenceId === key);
		if (!order) throw new Error(`no PPL order ${key}`);
		const { changedAt, ...fields } = changes;
		Object.assign(order.data, fields, { orderState });
		order.changedAt = changedAt ? Date.parse(changedAt) : this.clock.now();
		return order.data;
	}

	// ---------------------------------------------------------------- shipments

	addShipment(input: PplShipmentInput): PplShipment {
		const { customerReference, invoiceNumber, variableSymbol, ...fields } = input;
		const now = new Date(this.clock.now()).toISOString();
		const shipment: PplShipment = {
			productType: 'PRIV',
			note: null,
			depot: '07',
			integratorId: 0,
			shipmentSet: null,
			sender: emptyAddress({ name: 'Sender s.r.o.', city: 'Praha', zipCode: '11000', country: 'CZ' }),
			recipient: emptyAddress({ name: 'Recipient', city: 'Brno', zipCode: '60200', country: 'CZ' }),
			specificDelivery: null,
			externalNumbers: [],
			services: [],
			trackAndTrace: { externalShipmentId: null, partnerUrl: null, events: [] },
			shipmentWeightInfo: null,
			paymentInfo: {},
			deliveryFeature: null,
			backShipmentFeature: null,
			dormantShipmentFeature: null,
			accessPointFeature: null,
			...fields,
			shipmentNumber: input.shipmentNumber,
			shipmentState: input.shipmentState ?? 'DataShipment',
			lastUpdateDate: input.lastUpdateDate ?? now,
		};
		if (customerReference !== undefined) {
			shipment.externalNumbers = [...(shipment.externalNumbers ?? []), { externalNumber: customerReference, code: 'CUST' }];
		}
		if (invoiceNumber !== undefined || variableSymbol !== undefined) {
			shipment.paymentInfo = {
				...shipment.paymentInfo,
				...(invoiceNumber !== undefined ? { invoiceNumber } : {}),
				...(variableSymbol !== undefined ? { codVariableSymbol: variableSymbol } : {}),
			};
		}
		this.syncLastEvent(shipment);
		this.shipments.push(shipment);
		return shipment;
	}

	setShipments(inputs: PplShipmentInput[]): PplShipment[] {
		this.shipments.length = 0;
		return inputs.map((s) => this.addShipment(s));
	}

	listAllShipments(): PplShipment[] {
		return [...this.shipments];
	}

	/** Changes a shipment's state, optionally appending a track-and-trace event; bumps `lastUpdateDate`. */
	setShipmentState(
		shipmentNumber: string,
		shipmentState: string,
		event?: Partial<PplTrackEvent>,
		lastUpdateDate = new Date(this.clock.now()).toISOString(),
	): PplShipment {
		const shipment = this.shipments.find((s) => s.shipmentNumber === shipmentNumber);
		if (!shipment) throw new Error(`no PPL shipment ${shipmentNumber}`);
		shipment.shipmentState = shipmentState;
		shipment.lastUpdateDate = lastUpdateDate;
		if (event) {
			shipment.trackAndTrace ??= { events: [] };
			shipment.trackAndTrace.events.push({
				statusId: null,
				code: null,
				phase: null,
				group: event.code ? event.code.split('.')[0] : null,
				name: null,
				eventDate: lastUpdateDate,
				...event,
			});
		}
		this.syncLastEvent(shipment);
		return shipment;
	}

	private syncLastEvent(shipment: PplShipment): void {
		const tt = shipment.trackAndTrace;
		if (!tt) return;
		const last = tt.events[tt.events.length - 1];
		tt.lastEventCode = last?.code ?? null;
		tt.lastEventDate = last?.eventDate ?? null;
		tt.lastEventName = last?.name ?? null;
	}

	// ---------------------------------------------------------------- plumbing

	/**
	 * Registers a route with PPL's common behaviour: header recording, pacing measurement, bearer auth and
	 * role check (`roles` false = no auth), `X-Correlation-ID` echo.
	 */
	private endpoint(
		method: string,
		pattern: string,
		roles: PplRole[] | false,
		handler: (req: SimRequest) => SimResponse,
	): void {
		this.route(method, pattern, (req) => {
			this.recordCommon(req);
			let response: SimResponse;
			if (roles) {
				response = this.authorize(req, roles) ?? handler(req);
				if (response.status === 400) this.counters.validationErrors++;
			} else {
				response = handler(req);
			}
			const correlationId = headerValue(req, 'x-correlation-id') ?? `ppl-sim-${++this.correlationCounter}`;
			return { ...response, headers: { ...response.headers, 'x-correlation-id': correlationId } };
		});
	}

	private recordCommon(req: SimRequest): void {
		const c = this.counters;
		if (this.lastArrival !== undefined) {
			const gap = Math.abs(req.receivedAt - this.lastArrival);
			c.minGapMs = c.minGapMs === null ? gap : Math.min(c.minGapMs, gap);
			if (gap < PPL_LIMITS.minRequestGapMs) c.gapsUnder40ms++;
		}
		this.lastArrival = Math.max(this.lastArrival ?? 0, req.receivedAt);
		const language = headerValue(req, 'accept-language');
		if (language) c.acceptLanguages[language] = (c.acceptLanguages[language] ?? 0) + 1;
		const logLevel = headerValue(req, 'x-loglevel');
		if (logLevel) c.logLevels[logLevel] = (c.logLevels[logLevel] ?? 0) + 1;
		const correlationId = headerValue(req, 'x-correlation-id');
		if (correlationId) {
			c.correlationIds.push(correlationId);
			if (c.correlationIds.length > 1000) c.correlationIds.shift();
		}
	}

	private signToken(payload: Record<string, unknown>): string {
		const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
		const body = base64url(JSON.stringify(payload));
		const signature = createHmac('sha256', this.signingKey).update(`${head}.${body}`).digest('base64url');
		return `${head}.${body}.${signature}`;
	}

	private decodeToken(token: string): { jti: string; sub: string } | undefined {
		const parts = token.split('.');
		if (parts.length !== 3) return undefined;
		const expected = createHmac('sha256', this.signingKey).update(`${parts[0]}.${parts[1]}`).digest();
		const given = Buffer.from(parts[2], 'base64url');
		if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
		try {
			const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { jti?: unknown; sub?: unknown };
			if (typeof payload.jti !== 'string' || typeof payload.sub !== 'string') return undefined;
			return { jti: payload.jti, sub: payload.sub };
		} catch {
			return undefined;
		}
	}

	private authorize(req: SimRequest, roles: PplRole[]): SimResponse | undefined {
		const token = bearerToken(req);
		const unauthorized = (detail: string, error = 'invalid_token') => {
			this.counters.unauthorized++;
			return pplProblem(401, detail, {
				instance: req.path,
				headers: { 'www-authenticate': token ? `Bearer error="${error}", error_description="${detail}"` : 'Bearer' },
			});
		};
		if (!token) return unauthorized('Authorization: Bearer <access token> is required.', 'invalid_request');
		const decoded = this.decodeToken(token);
		if (!decoded || this.revokedJti.has(decoded.jti)) return unauthorized('The access token is invalid.');
		const state = this.tokens.check(decoded.jti);
		if (state === 'expired') return unauthorized('The access token expired.');
		if (state !== 'valid') return unauthorized('The access token is invalid.');
		const client = this.clients.get(this.tokenClients.get(decoded.jti) ?? decoded.sub);
		if (!client) return unauthorized('The access token is invalid.');
		if (!client.roles!.some((role) => roles.includes(role))) {
			this.counters.forbidden++;
			return pplProblem(403, `The credential's roles (${client.roles!.join(', ')}) do not allow this method.`, {
				instance: req.path,
			});
		}
		return undefined;
	}

	// ---------------------------------------------------------------- handlers

	private tokenError(status: number, error: string, description: string): SimResponse {
		this.counters.tokenRequestsRejected++;
		return pplProblem(status, description, {
			title: error,
			instance: '/login/getAccessToken',
			extra: { error, error_description: description },
		});
	}

	private getAccessToken(req: SimRequest): SimResponse {
		this.counters.tokenRequests++;
		if (req.query.has('client_secret') || req.query.has('client_id')) {
			this.counters.secretsInQuery++;
			return this.tokenError(400, 'invalid_request', 'Client credentials must be sent in the form body, not in the URL.');
		}
		const contentType = headerValue(req, 'content-type') ?? '';
		if (!contentType.toLowerCase().includes('application/x-www-form-urlencoded')) {
			return this.tokenError(400, 'invalid_request', 'The body must be application/x-www-form-urlencoded.');
		}
		const form = (req.body ?? {}) as Record<string, string>;
		if (!form.grant_type) return this.tokenError(400, 'invalid_request', 'grant_type is required.');
		if (form.grant_type !== 'client_credentials') {
			return this.tokenError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported.');
		}
		if (!form.client_id || !form.client_secret) {
			return this.tokenError(400, 'invalid_request', 'client_id and client_secret are required.');
		}
		if (!form.scope) {
			this.counters.tokenRequestsWithoutScope++;
			if (this.requireScope) return this.tokenError(400, 'invalid_request', 'scope is required (scope=myapi2).');
		} else if (!form.scope.split(' ').includes('myapi2')) {
			return this.tokenError(400, 'invalid_scope', 'The requested scope is invalid.');
		}
		const client = this.clients.get(form.client_id);
		const secretOk =
			client !== undefined &&
			client.clientSecret.length === form.client_secret.length &&
			timingSafeEqual(Buffer.from(client.clientSecret), Buffer.from(form.client_secret));
		if (!client || !secretOk) {
			return this.tokenError(this.invalidClientStatus, 'invalid_client', 'Client authentication failed.');
		}
		const issued = this.tokens.issue();
		if (!issued) {
			const now = this.clock.now();
			this.tokenIssueTimes = this.tokenIssueTimes.filter((t) => t > now - 60_000);
			const retryAfter = Math.max(1, Math.ceil(((this.tokenIssueTimes[0] ?? now) + 60_000 - now) / 1000));
			return pplProblem(
				429,
				`The maximum number of requests for generating tokens is ${this.tokens.maxPerMinute} requests/minute.`,
				{ instance: '/login/getAccessToken', headers: { 'retry-after': String(retryAfter) } },
			);
		}
		this.tokenIssueTimes.push(this.clock.now());
		const iat = Math.floor(this.clock.now() / 1000);
		const token = this.signToken({
			iss: 'ppl-cpl-simulator',
			sub: client.clientId,
			scope: 'myapi2',
			role: client.roles,
			jti: issued.token,
			iat,
			exp: iat + issued.expiresIn,
		});
		this.tokenClients.set(issued.token, client.clientId);
		this.issuedTokens.push(token);
		return json(
			200,
			{ access_token: token, token_type: 'Bearer', expires_in: issued.expiresIn, scope: 'myapi2' },
			{ 'cache-control': 'no-store' },
		);
	}

	private info(): SimResponse {
		return json(200, {
			version: '2.0.0-sim',
			state: 'Running',
			time: new Date(this.clock.now()).toISOString(),
			node: 'sim-1',
			application: 'Eps.Api.MyApi2 (simulator)',
			startTime: new Date(this.clock.now() - process.uptime() * 1000).toISOString(),
		});
	}

	private english(req: SimRequest): boolean {
		return (headerValue(req, 'accept-language') ?? 'cs-CZ').trim().toLowerCase().startsWith('en');
	}

	private codelist(req: SimRequest, rows: Array<{ code: string; cs: string; en: string }>): SimResponse {
		const parsed = this.parseListQuery(req, { arrays: [], scalars: ['Limit', 'Offset'] });
		if ('problem' in parsed) return parsed.problem;
		const english = this.english(req);
		return json(
			200,
			rows.slice(parsed.offset, parsed.offset + parsed.limit).map((r) => ({ code: r.code, name: english ? r.en : r.cs })),
		);
	}

	private createOrderBatch(req: SimRequest): SimResponse {
		const body = req.body as { orders?: unknown } | undefined;
		const errors: Record<string, string[]> = {};
		const add = (key: string, message: string) => (errors[key] ??= []).push(message);
		if (!body || typeof body !== 'object') {
			add('$', 'A non-empty request body is required.');
		} else if (!Array.isArray(body.orders) || body.orders.length === 0) {
			add('orders', 'The orders field is required.');
		} else {
			body.orders.forEach((raw, i) => {
				const o = (raw ?? {}) as Record<string, unknown>;
				if (!PPL_ORDER_TYPES.includes(o.orderType as PplOrderType)) add(`orders[${i}].orderType`, 'The OrderType field is required.');
				if (typeof o.referenceId !== 'string' || o.referenceId.length < 1 || o.referenceId.length > 50) {
					add(`orders[${i}].referenceId`, 'The field ReferenceId must be a string with a minimum length of 1 and a maximum length of 50.');
				}
				if (typeof o.shipmentCount !== 'number' || o.shipmentCount < 1) {
					add(`orders[${i}].shipmentCount`, 'The field ShipmentCount must be between 1 and 2147483647.');
				}
				if (typeof o.sendDate !== 'string' || Number.isNaN(Date.parse(o.sendDate))) {
					add(`orders[${i}].sendDate`, 'The SendDate field is required.');
				}
			});
		}
		if (Object.keys(errors).length > 0) return pplProblem(400, null, { instance: req.path, errors });
		const batchId = randomUUID();
		const orders = (body as { orders: Array<Record<string, unknown>> }).orders;
		this.batches.set(batchId, {
			batchId,
			items: orders.map((o) =>
				this.toStoredItem({
					referenceId: String(o.referenceId),
					order: {
						orderType: o.orderType as PplOrderType,
						shipmentCount: o.shipmentCount as number,
						sendDate: o.sendDate as string,
						...(typeof o.email === 'string' ? { email: o.email } : {}),
						...(typeof o.note === 'string' ? { note: o.note } : {}),
						...(typeof o.customerReference === 'string' ? { customerReference: o.customerReference } : {}),
						...(typeof o.productType === 'string' ? { productType: o.productType } : {}),
					},
				}),
			),
			options: { ...this.createdBatchOptions },
			createdAt: this.clock.now(),
			lastStepAt: this.clock.now(),
			polls: 0,
		});
		const path = `/order/batch/${batchId}`;
		return { status: 201, headers: { location: this.locationFormat === 'absolute' ? `${this.url}${path}` : path } };
	}

	private getOrderBatch(req: SimRequest): SimResponse {
		const { batchId } = req.params;
		if (this.requireUuidBatchIds && !UUID_RE.test(batchId)) {
			return pplProblem(400, null, { instance: req.path, errors: { batchId: [`The value '${batchId}' is not valid.`] } });
		}
		const batch = this.batches.get(batchId);
		if (!batch) return pplProblem(404, `Batch ${batchId} was not found.`, { instance: req.path });
		if (batch.options.stepMs && batch.options.stepMs > 0) {
			const due = Math.floor((this.clock.now() - batch.lastStepAt) / batch.options.stepMs);
			if (due > 0) {
				for (let i = 0; i < due; i++) for (const item of batch.items) this.stepItem(batch, item);
				batch.lastStepAt += due * batch.options.stepMs;
			}
		}
		const result = this.batchResult(batchId);
		batch.polls++;
		const every = batch.options.stepEveryPolls;
		if (every && every > 0 && batch.polls % every === 0) {
			for (const item of batch.items) this.stepItem(batch, item);
		}
		return json(200, result);
	}

	/**
	 * Validates a list query like ASP.NET model binding would: documented keys (PascalCase; strict mode rejects
	 * anything else), Limit 1–1000 and Offset ≥ 0 required, at most 50 values per array filter.
	 */
	private parseListQuery(
		req: SimRequest,
		spec: { arrays: readonly string[]; scalars: readonly string[] },
	): ListQuery | { problem: SimResponse } {
		const errors: Record<string, string[]> = {};
		const add = (key: string, message: string) => (errors[key] ??= []).push(message);
		const known = new Map([...spec.arrays, ...spec.scalars].map((name) => [name.toLowerCase(), name]));
		const arrays: Record<string, string[]> = {};
		const scalars: Record<string, string> = {};
		for (const [key, value] of req.query) {
			const canonical = known.get(key.toLowerCase());
			if (!canonical || canonical !== key) {
				this.counters.unknownQueryParams[key] = (this.counters.unknownQueryParams[key] ?? 0) + 1;
				if (this.strictQuery) {
					add(
						key,
						canonical
							? `Query parameter '${key}' is spelt '${canonical}' in the PPL documentation (simulator strict mode).`
							: `Unknown query parameter '${key}' (simulator strict mode; arrays are repeated keys, e.g. ${spec.arrays[0] ?? 'Limit'}=a&${spec.arrays[0] ?? 'Limit'}=b).`,
					);
					continue;
				}
				if (!canonical) continue;
			}
			if (spec.arrays.includes(canonical)) (arrays[canonical] ??= []).push(value);
			else if (!(canonical in scalars)) scalars[canonical] = value;
			else if (canonical === 'OrderStates' || canonical === 'ShipmentStates') scalars[canonical] += `,${value}`;
		}
		for (const [name, values] of Object.entries(arrays)) {
			if (values.length > PPL_LIMITS.maxArrayFilterValues) {
				add(name, `The field ${name} must be a string or array type with a maximum length of '${PPL_LIMITS.maxArrayFilterValues}'.`);
			}
		}
		const integer = (name: string, min: number, max: number): number => {
			const raw = scalars[name];
			if (raw === undefined || raw === '') {
				add(name, `The ${name} field is required.`);
				return NaN;
			}
			if (!/^[+-]?\d+$/.test(raw.trim())) {
				add(name, `The value '${raw}' is not valid for ${name}.`);
				return NaN;
			}
			const value = Number(raw);
			if (value < min || value > max) add(name, `The field ${name} must be between ${min} and ${max}.`);
			return value;
		};
		const limit = integer('Limit', 1, PPL_LIMITS.maxLimit);
		const offset = integer('Offset', 0, 2_147_483_647);
		for (const name of ['DateFrom', 'DateTo', 'SendDate']) {
			const raw = scalars[name];
			if (raw !== undefined && (!DATE_RE.test(raw.trim()) || Number.isNaN(parseDate(raw)))) {
				add(name, `The value '${raw}' is not valid for ${name}.`);
			}
		}
		for (const value of arrays.OrderIds ?? []) {
			if (!/^[+-]?\d+$/.test(value.trim())) add('OrderIds', `The value '${value}' is not valid.`);
		}
		const enumCheck = (name: string, allowed: readonly string[]) => {
			const raw = scalars[name];
			if (raw === undefined) return;
			const normalised: string[] = [];
			for (const part of raw.split(',').map((p) => p.trim())) {
				const match = allowed.find((a) => a.toLowerCase() === part.toLowerCase());
				if (!match) add(name, `The value '${part}' is not valid for ${name}.`);
				else normalised.push(match);
			}
			scalars[name] = normalised.join(',');
		};
		enumCheck('OrderStates', PPL_ORDER_STATES);
		enumCheck('OrderType', PPL_ORDER_TYPES);
		enumCheck('ShipmentStates', PPL_SHIPMENT_STATES);
		if (Object.keys(errors).length > 0) {
			return { problem: pplProblem(400, null, { instance: req.path, errors }) };
		}
		return { arrays, scalars, limit, offset };
	}

	private listOrders(req: SimRequest): SimResponse {
		const parsed = this.parseListQuery(req, PPL_ORDER_QUERY);
		if ('problem' in parsed) return parsed.problem;
		const { arrays, scalars } = parsed;
		const inSet = (values: string[] | undefined, candidate: string | null | undefined) =>
			values === undefined || (candidate != null && values.includes(candidate));
		const from = scalars.DateFrom !== undefined ? parseDate(scalars.DateFrom) : undefined;
		const to = scalars.DateTo !== undefined ? parseDate(scalars.DateTo) : undefined;
		const states = scalars.OrderStates?.split(',');
		const ids = arrays.OrderIds?.map((v) => Number(v));
		const rows = this.orders.filter(({ data, orderId, changedAt }) => {
			if (!inSet(arrays.OrderNumbers, data.orderNumber)) return false;
			if (!inSet(arrays.OrderReferences, data.referenceId)) return false;
			if (!inSet(arrays.CustomerReferences, data.customerReference)) return false;
			if (arrays.ShipmentNumbers && !data.shipmentNumbers.some((n) => arrays.ShipmentNumbers.includes(n))) return false;
			if (ids && !ids.includes(orderId)) return false;
			if (states && !states.includes(data.orderState)) return false;
			if (scalars.OrderType !== undefined && data.orderType !== scalars.OrderType) return false;
			if (scalars.ProductType !== undefined && data.productType.toLowerCase() !== scalars.ProductType.toLowerCase()) {
				return false;
			}
			if (scalars.SendDate !== undefined && data.sendDate.slice(0, 10) !== scalars.SendDate.trim().slice(0, 10)) return false;
			const when = this.orderDateFilter === 'sendDate' ? Date.parse(data.sendDate) : changedAt;
			if (from !== undefined && when < from) return false;
			if (to !== undefined && when > to) return false;
			return true;
		});
		const page = rows.slice(parsed.offset, parsed.offset + parsed.limit).map((o) => o.data);
		if (this.orderResponseShape === 'object') {
			if (page.length === 0) return pplProblem(404, 'No order matches the filter.', { instance: req.path });
			return json(200, page[0]);
		}
		return json(200, page);
	}

	private listShipments(req: SimRequest): SimResponse {
		const parsed = this.parseListQuery(req, PPL_SHIPMENT_QUERY);
		if ('problem' in parsed) return parsed.problem;
		const { arrays, scalars } = parsed;
		const from = scalars.DateFrom !== undefined ? parseDate(scalars.DateFrom) : undefined;
		const to = scalars.DateTo !== undefined ? parseDate(scalars.DateTo) : undefined;
		const states = scalars.ShipmentStates?.split(',');
		const rows = this.shipments.filter((s) => {
			if (arrays.ShipmentNumbers && !arrays.ShipmentNumbers.includes(s.shipmentNumber)) return false;
			if (arrays.InvoiceNumbers && !arrays.InvoiceNumbers.includes(String(s.paymentInfo?.invoiceNumber ?? ''))) return false;
			if (arrays.VariableSymbols && !arrays.VariableSymbols.includes(String(s.paymentInfo?.codVariableSymbol ?? ''))) {
				return false;
			}
			if (
				arrays.CustomerReferences &&
				!(s.externalNumbers ?? []).some((e) => e.code === 'CUST' && arrays.CustomerReferences.includes(e.externalNumber))
			) {
				return false;
			}
			// shipmentState may be a comma-separated flags value ("Delivered, CodPaidDate").
			if (states && !s.shipmentState.split(',').some((part) => states.includes(part.trim()))) return false;
			const when = Date.parse(s.lastUpdateDate);
			if (from !== undefined && when < from) return false;
			if (to !== undefined && when > to) return false;
			return true;
		});
		return json(200, rows.slice(parsed.offset, parsed.offset + parsed.limit));
	}

	// ---------------------------------------------------------------- control API

	private registerControls(): void {
		const str = (value: unknown) => String(value ?? '');
		this.addControl('batches', (body) => {
			this.batches.clear();
			const batches = (body.batches as Array<{ batchId: string; items: PplBatchItemInput[]; options?: PplBatchOptions }>) ?? [];
			for (const b of batches) this.addBatch(b.batchId, b.items, b.options);
			return { ok: true, batches: this.batches.size };
		});
		this.addControl('batch', (body) => ({
			ok: true,
			batch: this.addBatch(str(body.batchId), (body.items as PplBatchItemInput[]) ?? [], (body.options as PplBatchOptions) ?? {}),
		}));
		this.addControl('advance-batch', (body) => ({
			ok: true,
			batch: this.advanceBatch(str(body.batchId), Number(body.steps ?? 1)),
		}));
		this.addControl('complete-batch', (body) => ({ ok: true, batch: this.completeBatch(str(body.batchId)) }));
		this.addControl('import-state', (body) => ({
			ok: true,
			batch: this.setImportState(str(body.batchId), str(body.referenceId), body.importState as PplImportState, {
				errorCode: body.errorCode as string | undefined,
				errorMessage: body.errorMessage as string | undefined,
			}),
		}));
		this.addControl('orders', (body) => ({ ok: true, orders: this.setOrders((body.orders as PplOrderInput[]) ?? []).length }));
		this.addControl('order', (body) => ({ ok: true, order: this.addOrder(body as unknown as PplOrderInput) }));
		this.addControl('order-state', (body) => ({
			ok: true,
			order: this.setOrderState(str(body.key), body.orderState as PplOrderState, (body.changes as Partial<PplOrder>) ?? {}),
		}));
		this.addControl('shipments', (body) => ({
			ok: true,
			shipments: this.setShipments((body.shipments as PplShipmentInput[]) ?? []).length,
		}));
		this.addControl('shipment', (body) => ({ ok: true, shipment: this.addShipment(body as unknown as PplShipmentInput) }));
		this.addControl('shipment-state', (body) => ({
			ok: true,
			shipment: this.setShipmentState(
				str(body.shipmentNumber),
				str(body.shipmentState),
				body.event as Partial<PplTrackEvent> | undefined,
			),
		}));
		this.addControl('client', (body) => {
			this.addClient(body as unknown as PplClient);
			return { ok: true };
		});
		this.addControl('revoke-tokens', () => {
			this.revokeTokens();
			return { ok: true };
		});
		this.addControl('expire-tokens', () => {
			this.expireTokens();
			return { ok: true };
		});
		this.addControl('token-lifetime', (body) => {
			this.tokenLifetimeSeconds = Number(body.seconds ?? PPL_LIMITS.tokenLifetimeSeconds);
			return { ok: true };
		});
		this.addControl('reset-token-limit', () => {
			this.resetTokenLimit();
			return { ok: true };
		});
		this.addControl('counters', () => this.getCounters());
	}
}

/** Date-only values are UTC midnight; date-times without an offset are read as UTC. */
function parseDate(raw: string): number {
	const value = raw.trim();
	if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(`${value}T00:00:00Z`);
	if (/[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return Date.parse(`${value.replace(' ', 'T')}Z`);
	return Date.parse(value.replace(' ', 'T'));
}
