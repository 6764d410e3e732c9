/**
 * Pitney Bowes Fulfillment API simulator (the provider facts docs/provider-apis.md lists).
 *
 * The simulator's base URL stands for the host `https://shipping-api(-sandbox).pitneybowes.com`:
 *
 * - `POST /oauth/token` (host root, not under /shippingservices): `Authorization: Basic base64(key:secret)`,
 *   `Content-Type: application/x-www-form-urlencoded`, body `grant_type=client_credentials`. Answers
 *   `{ access_token, tokenType: "BearerToken", issuedAt: "<epoch ms>", expiresIn: "<seconds>", clientID, org }`
 *   (`issuedAt` and `expiresIn` are strings, as PB sends them).
 * - `GET /shippingservices/fulfillment/v1/orders/{orderId}/status?clientId=…[&brand=…]`: Bearer token,
 *   `X-PB-TransactionId` (required, ≤25 of `[A-Za-z0-9_-]`). Answers the status subset of the Orders object.
 * - `POST /shippingservices/fulfillment/v1/orders/status/search?page=&size=`: body `{ clientId, sort[], searchFields[] }`;
 *   `page` starts at 1 (default 1), `size` defaults to 20. The answer is a page object (see `search`).
 *
 * Gateway errors (`PB-APIM-ERR-1002` invalid token, `-1003` expired token, `-1006` spike arrest) and API errors
 * come in a selectable body shape: the standard `{"errors":[{errorCode, errorDescription, additionalInfo}]}`,
 * the legacy top-level array `[{errorCode, message, additionalInfo}]`, or (gateway) the bare object
 * `{errorCode, errorDescription}`. The reference leaves open which one the Fulfillment APIs use, so node tests
 * should run against all of them.
 *
 * Order `status` values are opaque strings: PB does not publish the list, so tests set up any value
 * (see PITNEY_BOWES_SAMPLE_STATUSES, which are made up, apart from the documented example `ON_HOLD`).
 */
import {
	bearerToken,
	json,
	ProviderSimulator,
	TokenIssuer,
	type Fault,
	type FaultRule,
	type SimClock,
	type SimRequest,
	type SimResponse,
} from './framework';

export const PITNEY_BOWES_ROUTES = {
	token: 'POST /oauth/token',
	orderStatus: 'GET /shippingservices/fulfillment/v1/orders/:orderId/status',
	statusSearch: 'POST /shippingservices/fulfillment/v1/orders/status/search',
} as const;

/** The two fulfillment routes (everything behind the API gateway's token check). */
const FULFILLMENT_ROUTES: string[] = [PITNEY_BOWES_ROUTES.orderStatus, PITNEY_BOWES_ROUTES.statusSearch];

/** Body shapes of an error answer. */
export type PitneyBowesErrorShape =
	/** `{"errors":[{"errorCode","errorDescription","additionalInfo","parameters"?}]}` (standard error object). */
	| 'standard'
	/** `[{"errorCode","message","additionalInfo"}]` (legacy format 1, a top-level array). */
	| 'legacy'
	/** `{"errorCode","errorDescription"}` (the gateway error as the PB-APIM-ERR-1006 page prints it). */
	| 'bare';

export interface PitneyBowesErrorDetail {
	errorCode: string;
	errorDescription: string;
	additionalInfo?: string;
	parameters?: string[];
}

/**
 * Error codes the simulator answers with. Only the PB-APIM codes and 1000004 come from PB's docs; the
 * 80-prefix Fulfillment code list is unknown (a GAP in the reference), so the 800xxxx codes are invented,
 * and so are the OAuth error codes of the token endpoint (its errors are not documented).
 */
export const PITNEY_BOWES_ERRORS = {
	/** [C] PB-APIM-ERR-1002.html. Missing, unknown or revoked token. */
	invalidAccessToken: { errorCode: 'PB-APIM-ERR-1002', errorDescription: 'Invalid Access Token' },
	/** [C-code] PB's C# SDK refreshes the token on 1003; the meaning "expired" is inferred. */
	expiredAccessToken: { errorCode: 'PB-APIM-ERR-1003', errorDescription: 'Access Token expired' },
	/** [C] PB-APIM-ERR-1006.html. */
	spikeArrest: { errorCode: 'PB-APIM-ERR-1006', errorDescription: 'Spike arrest violation' },
	/** [C] reference/error-codes.html (100-prefix, Shipping APIs). */
	invalidClientId: { errorCode: '1000004', errorDescription: 'Invalid clientId' },
	/** Invented. */
	invalidTransactionId: { errorCode: '8000001', errorDescription: 'Invalid X-PB-TransactionId' },
	/** Invented (only with `rejectDuplicateTransactionIds`). */
	duplicateTransactionId: { errorCode: '8000002', errorDescription: 'Duplicate X-PB-TransactionId' },
	/** Invented. */
	invalidRequest: { errorCode: '8000400', errorDescription: 'Invalid request' },
	/** Invented. */
	orderNotFound: { errorCode: '8000404', errorDescription: 'Order not found' },
	/** Invented (token endpoint, wrong or missing API key / secret). */
	invalidClient: { errorCode: 'invalid_client', errorDescription: 'Client credentials are invalid' },
	/** Invented (token endpoint, grant_type missing or not client_credentials). */
	unsupportedGrantType: { errorCode: 'unsupported_grant_type', errorDescription: 'Unsupported grant type' },
	/** Invented (token endpoint, not a form body). */
	invalidTokenRequest: { errorCode: 'invalid_request', errorDescription: 'Invalid token request' },
} as const satisfies Record<string, PitneyBowesErrorDetail>;

/** Builds an error body in the given shape. */
export function pitneyBowesErrorBody(detail: PitneyBowesErrorDetail, shape: PitneyBowesErrorShape): unknown {
	const extra: Record<string, unknown> = {};
	if (detail.additionalInfo !== undefined) extra.additionalInfo = detail.additionalInfo;
	if (detail.parameters !== undefined) extra.parameters = detail.parameters;
	switch (shape) {
		case 'legacy':
			return [{ errorCode: detail.errorCode, message: detail.errorDescription, ...extra }];
		case 'bare':
			return { errorCode: detail.errorCode, errorDescription: detail.errorDescription, ...extra };
		case 'standard':
		default:
			return { errors: [{ errorCode: detail.errorCode, errorDescription: detail.errorDescription, ...extra }] };
	}
}

/** An order as the simulator keeps it. The status answer is these fields minus `brand`. */
export interface PitneyBowesOrder {
	/** The order ID assigned by Pitney Bowes (path parameter of Get Order Status). */
	orderId: string;
	clientId: string;
	/** The order ID assigned by the client. */
	clientOrderId: string;
	/** Website / ERP order number. */
	customerOrderId: string;
	/** Opaque: PB does not publish the values. */
	status: string;
	isOnHold: boolean;
	/** "Reason codes for the hold." */
	holdReason: string[];
	/** Created in the client system, ISO 8601 `YYYY-MM-DDThh:mm:ssZ`. */
	createDate: string;
	/** Created in the PB system. */
	pbCreateDate: string;
	/** Updated in the client system. */
	updateDate: string;
	/** Updated in the PB system: every status change moves it. */
	pbUpdateDate: string;
	/** Not in the status answer; when set, a `brand` query parameter must match it. */
	brand?: string;
}

export type PitneyBowesOrderInput = Partial<PitneyBowesOrder> & { orderId: string; status: string };

/**
 * Status values for tests. Only `ON_HOLD` (with holdReason `INVENTORY_HOLD`) appears in PB's docs, as an
 * example; the rest are plausible guesses, and `ZEBRA_STAGE` is deliberately unknown to every mapping rule.
 */
export const PITNEY_BOWES_SAMPLE_STATUSES = [
	'RECEIVED',
	'RELEASED',
	'PICKED',
	'PACKED',
	'BACKORDERED',
	'PARTIALLY_SHIPPED',
	'SHIPPED',
	'DELIVERED',
	'CANCELLED',
	'ON_HOLD',
	'ZEBRA_STAGE',
] as const;

export interface SpikeArrestOptions {
	/** Requests allowed per window before the gateway answers PB-APIM-ERR-1006. */
	limit: number;
	/** Window length in milliseconds (default 1000: PB's limits are per second). */
	windowMs?: number;
	/** HTTP status of the answer (default 429; PB does not document it). */
	status?: number;
	/** Routes that count (default: the fulfillment routes, not the token endpoint). */
	routes?: string[];
	/** Adds a Retry-After header with this many seconds (default: none; PB documents no such header). */
	retryAfterSeconds?: number;
}

export interface PitneyBowesSimulatorOptions {
	/** The API key (`clientID` in the token answer). */
	apiKey: string;
	apiSecret: string;
	/** Client IDs the fulfillment API knows (default `MYCLIENT`); the first is the default for new orders. */
	clientId?: string | string[];
	/** Token lifetime in seconds (default 35999, PB's usual `expiresIn`). */
	tokenLifetimeSeconds?: number;
	/** Token requests allowed per minute (default unlimited); refused ones get the spike-arrest answer. */
	maxTokensPerMinute?: number;
	/** Shape of API errors (400/404): default `standard`. */
	errorShape?: PitneyBowesErrorShape;
	/** Shape of gateway errors (401 token, 1006 spike arrest, token endpoint): default `standard`. */
	gatewayErrorShape?: PitneyBowesErrorShape;
	/** Code for an expired token (default PB-APIM-ERR-1003; PB's 1002 page says expired tokens get 1002). */
	expiredTokenErrorCode?: 'PB-APIM-ERR-1003' | 'PB-APIM-ERR-1002';
	spikeArrest?: SpikeArrestOptions;
	/** Include `updateDate` / `pbUpdateDate` in answers (default true; the reference marks them inferred). */
	includeUpdateDates?: boolean;
	/** Answer 400 to a reused X-PB-TransactionId (default false: PB asks for unique ids but documents no error). */
	rejectDuplicateTransactionIds?: boolean;
	/** Key of the result array in a search page (default `content`; PB does not document it). */
	searchContentKey?: string;
	/** Largest page size honoured; bigger `size` values are clamped (default 100). */
	maxPageSize?: number;
	/** `org` of the token answer (default `pitneybowes`). */
	org?: string;
	latencyMs?: number;
	seed?: number;
	/** The provider's time: token lifetimes, the spike-arrest window, update dates (default: the real clock). */
	clock?: SimClock;
}

/** The search fields the simulator understands (PB does not publish the list for orders). */
export const PITNEY_BOWES_SEARCH_FIELDS = {
	/** Exact match on one of the values. */
	list: {
		orderIds: 'orderId',
		clientOrderIds: 'clientOrderId',
		customerOrderIds: 'customerOrderId',
		statuses: 'status',
		brands: 'brand',
	},
	/** `values: [from]` or `[from, to]` (ISO 8601, inclusive; an empty `from` means no lower bound). */
	dateRange: ['createDate', 'pbCreateDate', 'updateDate', 'pbUpdateDate'],
} as const;

const SORT_PROPERTIES = ['createDate', 'updateDate', 'pbCreateDate', 'pbUpdateDate'] as const;
type SortProperty = (typeof SORT_PROPERTIES)[number];

const TRANSACTION_ID = /^[A-Za-z0-9_-]{1,25}$/;

function transactionIdOf(req: SimRequest): string | undefined {
	const header = req.headers['x-pb-transactionid'];
	return Array.isArray(header) ? header.join(', ') : header;
}

/** ISO 8601 without milliseconds, the format PB documents (`YYYY-MM-DDThh:mm:ssZ`). */
export function pbDate(date: Date | number | string = Date.now()): string {
	const value = date instanceof Date ? date : new Date(date);
	if (Number.isNaN(value.getTime())) throw new Error(`not a date: ${String(date)}`);
	return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class PitneyBowesSimulator extends ProviderSimulator {
	/** Orders by PB order id. */
	readonly orders = new Map<string, PitneyBowesOrder>();
	/** Client IDs the API accepts. Adding an order registers its clientId. */
	readonly clientIds = new Set<string>();
	readonly tokens: TokenIssuer;

	apiKey: string;
	apiSecret: string;
	errorShape: PitneyBowesErrorShape;
	gatewayErrorShape: PitneyBowesErrorShape;
	expiredTokenErrorCode: 'PB-APIM-ERR-1003' | 'PB-APIM-ERR-1002';
	spikeArrest?: SpikeArrestOptions;
	includeUpdateDates: boolean;
	rejectDuplicateTransactionIds: boolean;
	searchContentKey: string;
	maxPageSize: number;
	org: string;

	/** Token requests refused (wrong credentials, bad grant, bad body, per-minute limit). */
	tokenRequestsRejected = 0;
	/** Answers with PB-APIM-ERR-1006 from the spike-arrest mode or the token limit (not injected faults). */
	spikeArrests = 0;
	/** Fulfillment requests refused with 401 (1002 or 1003). */
	unauthorized = 0;

	private spikeWindow: number[] = [];
	/** Transaction ids that reached a fulfillment handler (for `rejectDuplicateTransactionIds`). */
	private readonly admittedTransactionIds = new Set<string>();
	/** Breaks pbUpdateDate ties: a later change sorts after an earlier one within the same second. */
	private updateSequence = 0;
	private readonly sequenceOf = new Map<string, number>();

	constructor(options: PitneyBowesSimulatorOptions) {
		super('pitney-bowes', { latencyMs: options.latencyMs, seed: options.seed, clock: options.clock });
		this.apiKey = options.apiKey;
		this.apiSecret = options.apiSecret;
		const clientIds = options.clientId === undefined ? ['MYCLIENT'] : [options.clientId].flat();
		clientIds.forEach((id) => this.clientIds.add(id));
		this.tokens = new TokenIssuer('pb-sim-token', options.tokenLifetimeSeconds ?? 35999, options.maxTokensPerMinute, this.clock);
		this.errorShape = options.errorShape ?? 'standard';
		this.gatewayErrorShape = options.gatewayErrorShape ?? 'standard';
		this.expiredTokenErrorCode = options.expiredTokenErrorCode ?? 'PB-APIM-ERR-1003';
		this.spikeArrest = options.spikeArrest;
		this.includeUpdateDates = options.includeUpdateDates ?? true;
		this.rejectDuplicateTransactionIds = options.rejectDuplicateTransactionIds ?? false;
		this.searchContentKey = options.searchContentKey ?? 'content';
		this.maxPageSize = options.maxPageSize ?? 100;
		this.org = options.org ?? 'pitneybowes';

		this.route('POST', '/oauth/token', (req) => this.token(req));
		this.route('GET', '/shippingservices/fulfillment/v1/orders/:orderId/status', (req) => this.orderStatus(req));
		this.route('POST', '/shippingservices/fulfillment/v1/orders/status/search', (req) => this.statusSearch(req));

		this.addControls();
	}

	// ---------------------------------------------------------------- data set-up

	/** The client ID new orders get by default (the first known one). */
	get defaultClientId(): string {
		return this.clientIds.values().next().value ?? 'MYCLIENT';
	}

	addOrder(orderInput: PitneyBowesOrderInput): PitneyBowesOrder {
		// Keys given as undefined (e.g. from a spread) must not wipe the defaults.
		const input = Object.fromEntries(
			Object.entries(orderInput).filter(([, value]) => value !== undefined),
		) as PitneyBowesOrderInput;
		const now = pbDate();
		const holdReason = input.holdReason ? [...input.holdReason] : [];
		const order: PitneyBowesOrder = {
			clientId: input.clientId ?? this.defaultClientId,
			clientOrderId: input.clientOrderId ?? `SO-${input.orderId}`,
			customerOrderId: input.customerOrderId ?? `WEB-${input.orderId}`,
			isOnHold: input.isOnHold ?? (input.status === 'ON_HOLD' || holdReason.length > 0),
			createDate: input.createDate ?? now,
			pbCreateDate: input.pbCreateDate ?? input.createDate ?? now,
			updateDate: input.updateDate ?? input.createDate ?? now,
			pbUpdateDate: input.pbUpdateDate ?? input.pbCreateDate ?? input.createDate ?? now,
			...input,
			holdReason,
		};
		this.clientIds.add(order.clientId);
		this.orders.set(order.orderId, order);
		this.sequenceOf.set(order.orderId, ++this.updateSequence);
		return order;
	}

	/** Replaces all orders. */
	setOrders(inputs: PitneyBowesOrderInput[]): void {
		this.clearOrders();
		inputs.forEach((input) => this.addOrder(input));
	}

	clearOrders(): void {
		this.orders.clear();
		this.sequenceOf.clear();
	}

	removeOrder(orderId: string): boolean {
		this.sequenceOf.delete(orderId);
		return this.orders.delete(orderId);
	}

	getOrder(orderId: string): PitneyBowesOrder | undefined {
		return this.orders.get(orderId);
	}

	/**
	 * Changes an order's status and moves `pbUpdateDate` (to `at`, default now). Hold state: `isOnHold` and
	 * `holdReason` when given; otherwise `ON_HOLD` puts the order on hold (keeping its reasons) and any other
	 * status releases it (clearing them).
	 */
	setStatus(
		orderId: string,
		status: string,
		options: { isOnHold?: boolean; holdReason?: string[]; at?: Date | number | string } = {},
	): PitneyBowesOrder {
		const order = this.orders.get(orderId);
		if (!order) throw new Error(`no Pitney Bowes order ${orderId}`);
		order.status = status;
		if (options.holdReason !== undefined) order.holdReason = [...options.holdReason];
		if (options.isOnHold !== undefined) {
			order.isOnHold = options.isOnHold;
		} else if (status === 'ON_HOLD') {
			order.isOnHold = true;
		} else {
			order.isOnHold = options.holdReason !== undefined && options.holdReason.length > 0;
		}
		if (!order.isOnHold && options.holdReason === undefined) order.holdReason = [];
		this.touch(order, options.at);
		return order;
	}

	/** Puts an order on hold with these reasons (status unchanged), or releases it (`false`). */
	setHold(orderId: string, holdReason: string[] | false, at?: Date | number | string): PitneyBowesOrder {
		const order = this.orders.get(orderId);
		if (!order) throw new Error(`no Pitney Bowes order ${orderId}`);
		order.isOnHold = holdReason !== false;
		order.holdReason = holdReason === false ? [] : [...holdReason];
		this.touch(order, at);
		return order;
	}

	/** One order per sample status: `PB-SIM-<STATUS>` (ON_HOLD with holdReason INVENTORY_HOLD). */
	seedSampleOrders(clientId = this.defaultClientId): PitneyBowesOrder[] {
		return PITNEY_BOWES_SAMPLE_STATUSES.map((status, i) =>
			this.addOrder({
				orderId: `PB-SIM-${status}`,
				clientId,
				clientOrderId: `SO-${100200 + i}`,
				customerOrderId: `WEB-${55800 + i}`,
				status,
				holdReason: status === 'ON_HOLD' ? ['INVENTORY_HOLD'] : [],
			}),
		);
	}

	private touch(order: PitneyBowesOrder, at?: Date | number | string): void {
		order.pbUpdateDate = pbDate(at ?? this.clock.now());
		this.sequenceOf.set(order.orderId, ++this.updateSequence);
	}

	// ---------------------------------------------------------------- tokens, errors, spike arrest

	get tokenLifetimeSeconds(): number {
		return this.tokens.lifetimeSeconds;
	}

	set tokenLifetimeSeconds(seconds: number) {
		this.tokens.lifetimeSeconds = seconds;
	}

	/** Token requests received (any outcome). */
	get tokenRequests(): number {
		return this.count(PITNEY_BOWES_ROUTES.token);
	}

	/** Token requests answered with a token. */
	get tokensIssued(): number {
		return this.tokens.issued;
	}

	/** Every issued token becomes unknown: the next call answers 401 PB-APIM-ERR-1002. */
	revokeTokens(): void {
		this.tokens.revokeAll();
	}

	/** Every issued token expires now: the next call answers 401 with `expiredTokenErrorCode`. */
	expireTokens(): void {
		this.tokens.expireAll();
	}

	/**
	 * Every X-PB-TransactionId value received, in arrival order: any route, valid or not, including requests
	 * answered by an injected fault or matching no route (read from the request log, so it shares its cap
	 * `maxLoggedRequests` and is cleared by `resetStats`).
	 */
	get transactionIds(): string[] {
		const ids: string[] = [];
		for (const req of this.requests) {
			const id = transactionIdOf(req);
			if (id !== undefined) ids.push(id);
		}
		return ids;
	}

	/** Transaction ids seen more than once. */
	duplicateTransactionIds(): string[] {
		const seen = new Set<string>();
		const duplicates = new Set<string>();
		for (const id of this.transactionIds) {
			if (seen.has(id)) duplicates.add(id);
			seen.add(id);
		}
		return [...duplicates];
	}

	setErrorShape(shape: PitneyBowesErrorShape, gatewayShape: PitneyBowesErrorShape = shape): this {
		this.errorShape = shape;
		this.gatewayErrorShape = gatewayShape;
		return this;
	}

	/** Turns the spike-arrest mode on (or off with `undefined`). */
	setSpikeArrest(options: SpikeArrestOptions | undefined): this {
		this.spikeArrest = options;
		this.spikeWindow = [];
		return this;
	}

	/** A fault answering PB-APIM-ERR-1006 (for `injectFault`). */
	spikeArrestFault(shape: PitneyBowesErrorShape = this.gatewayErrorShape, status = 429): Fault {
		return { kind: 'status', status, body: pitneyBowesErrorBody(PITNEY_BOWES_ERRORS.spikeArrest, shape) };
	}

	/** A fault answering a PB error body in the given shape (for `injectFault`). */
	errorFault(status: number, detail: PitneyBowesErrorDetail, shape: PitneyBowesErrorShape = this.errorShape): Fault {
		return { kind: 'status', status, body: pitneyBowesErrorBody(detail, shape) };
	}

	/** Injects `times` spike-arrest answers (default 1) on a route (default: Get Order Status). */
	injectSpikeArrest(
		options: { times?: number; route?: string; shape?: PitneyBowesErrorShape; status?: number } = {},
	): this {
		return this.injectFault({
			route: options.route ?? PITNEY_BOWES_ROUTES.orderStatus,
			times: options.times ?? 1,
			fault: this.spikeArrestFault(options.shape, options.status),
		});
	}

	/** Clears counters, the request log and the transaction-id log (not orders, tokens or faults). */
	override resetStats(): this {
		super.resetStats();
		this.admittedTransactionIds.clear();
		this.tokens.resetCounters();
		this.tokenRequestsRejected = 0;
		this.spikeArrests = 0;
		this.unauthorized = 0;
		this.spikeWindow = [];
		return this;
	}

	/** Counters specific to this provider (also served as `/__sim/pb-stats`). */
	pbStats(): Record<string, unknown> {
		return {
			tokenRequests: this.tokenRequests,
			tokensIssued: this.tokensIssued,
			tokenRequestsRejected: this.tokenRequestsRejected,
			tokenRequestsRefusedForRate: this.tokens.refusedForRate,
			statusRequests: this.count(PITNEY_BOWES_ROUTES.orderStatus),
			searchRequests: this.count(PITNEY_BOWES_ROUTES.statusSearch),
			unauthorized: this.unauthorized,
			spikeArrests: this.spikeArrests,
			transactionIds: this.transactionIds,
			duplicateTransactionIds: this.duplicateTransactionIds(),
			orders: this.orders.size,
		};
	}

	private apiError(status: number, detail: PitneyBowesErrorDetail): SimResponse {
		return json(status, pitneyBowesErrorBody(detail, this.errorShape));
	}

	private gatewayError(status: number, detail: PitneyBowesErrorDetail, headers: Record<string, string> = {}): SimResponse {
		return json(status, pitneyBowesErrorBody(detail, this.gatewayErrorShape), headers);
	}

	private spikeArrestAnswer(): SimResponse {
		this.spikeArrests++;
		this.stats.rateLimited++;
		const headers: Record<string, string> = {};
		if (this.spikeArrest?.retryAfterSeconds !== undefined) {
			headers['retry-after'] = String(this.spikeArrest.retryAfterSeconds);
		}
		return this.gatewayError(this.spikeArrest?.status ?? 429, PITNEY_BOWES_ERRORS.spikeArrest, headers);
	}

	private isSpikeArrested(route: string | undefined): boolean {
		const spike = this.spikeArrest;
		if (!spike || !route) return false;
		if (!(spike.routes ?? FULFILLMENT_ROUTES).includes(route)) return false;
		const now = this.clock.now();
		const windowMs = spike.windowMs ?? 1000;
		while (this.spikeWindow.length && this.spikeWindow[0] <= now - windowMs) this.spikeWindow.shift();
		if (this.spikeWindow.length >= spike.limit) return true;
		this.spikeWindow.push(now);
		return false;
	}

	/** The API gateway in front of the fulfillment routes: spike arrest, then the Bearer token. */
	private gateway(req: SimRequest): SimResponse | undefined {
		if (this.isSpikeArrested(req.route)) return this.spikeArrestAnswer();
		const state = this.tokens.check(bearerToken(req));
		if (state === 'valid') return undefined;
		this.unauthorized++;
		if (state === 'expired' && this.expiredTokenErrorCode === 'PB-APIM-ERR-1003') {
			return this.gatewayError(401, PITNEY_BOWES_ERRORS.expiredAccessToken);
		}
		return this.gatewayError(401, PITNEY_BOWES_ERRORS.invalidAccessToken);
	}

	/** Gateway, then the X-PB-TransactionId rules of every fulfillment page. */
	private admit(req: SimRequest): SimResponse | undefined {
		const transactionId = transactionIdOf(req);
		const denied = this.gateway(req);
		if (denied) return denied;
		if (transactionId === undefined || transactionId === '') {
			return this.apiError(400, {
				...PITNEY_BOWES_ERRORS.invalidTransactionId,
				additionalInfo: 'The X-PB-TransactionId header is required',
				parameters: ['X-PB-TransactionId'],
			});
		}
		if (!TRANSACTION_ID.test(transactionId)) {
			return this.apiError(400, {
				...PITNEY_BOWES_ERRORS.invalidTransactionId,
				additionalInfo:
					'X-PB-TransactionId must be 1 to 25 characters: letters, numbers, hyphens (-) and underscores (_)',
				parameters: ['X-PB-TransactionId'],
			});
		}
		const reused = this.admittedTransactionIds.has(transactionId);
		this.admittedTransactionIds.add(transactionId);
		if (this.rejectDuplicateTransactionIds && reused) {
			return this.apiError(400, {
				...PITNEY_BOWES_ERRORS.duplicateTransactionId,
				additionalInfo: 'X-PB-TransactionId must be unique',
				parameters: ['X-PB-TransactionId'],
			});
		}
		return undefined;
	}

	private checkClientId(clientId: unknown): SimResponse | undefined {
		if (typeof clientId !== 'string' || clientId === '') {
			return this.apiError(400, {
				...PITNEY_BOWES_ERRORS.invalidClientId,
				additionalInfo: 'clientId is required',
				parameters: ['clientId'],
			});
		}
		if (!this.clientIds.has(clientId)) {
			return this.apiError(400, {
				...PITNEY_BOWES_ERRORS.invalidClientId,
				additionalInfo: `clientId ${clientId} is not known`,
				parameters: ['clientId'],
			});
		}
		return undefined;
	}

	private statusView(order: PitneyBowesOrder): Record<string, unknown> {
		const view: Record<string, unknown> = {
			clientId: order.clientId,
			clientOrderId: order.clientOrderId,
			orderId: order.orderId,
			customerOrderId: order.customerOrderId,
			status: order.status,
			isOnHold: order.isOnHold,
			holdReason: [...order.holdReason],
			createDate: order.createDate,
			pbCreateDate: order.pbCreateDate,
		};
		if (this.includeUpdateDates) {
			view.updateDate = order.updateDate;
			view.pbUpdateDate = order.pbUpdateDate;
		}
		return view;
	}

	// ---------------------------------------------------------------- routes

	private token(req: SimRequest): SimResponse {
		const refuse = (status: number, detail: PitneyBowesErrorDetail) => {
			this.tokenRequestsRejected++;
			return this.gatewayError(status, detail);
		};
		if (this.isSpikeArrested(req.route)) {
			this.tokenRequestsRejected++;
			return this.spikeArrestAnswer();
		}
		const header = req.headers.authorization ?? '';
		const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
		if (!match) {
			return refuse(401, { ...PITNEY_BOWES_ERRORS.invalidClient, additionalInfo: 'Basic authorization required' });
		}
		const decoded = Buffer.from(match[1], 'base64').toString('utf8');
		const colon = decoded.indexOf(':');
		const key = colon === -1 ? decoded : decoded.slice(0, colon);
		const secret = colon === -1 ? '' : decoded.slice(colon + 1);
		if (key !== this.apiKey || secret !== this.apiSecret) {
			return refuse(401, PITNEY_BOWES_ERRORS.invalidClient);
		}
		if (!String(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
			return refuse(400, {
				...PITNEY_BOWES_ERRORS.invalidTokenRequest,
				additionalInfo: 'Content-Type must be application/x-www-form-urlencoded',
			});
		}
		const grantType = (req.body as Record<string, unknown> | undefined)?.grant_type;
		if (grantType !== 'client_credentials') {
			return refuse(400, {
				...PITNEY_BOWES_ERRORS.unsupportedGrantType,
				additionalInfo: 'grant_type must be client_credentials',
			});
		}
		const issued = this.tokens.issue();
		if (!issued) {
			this.tokenRequestsRejected++;
			return this.spikeArrestAnswer();
		}
		return json(200, {
			access_token: issued.token,
			tokenType: 'BearerToken',
			issuedAt: String(this.clock.now()),
			expiresIn: String(issued.expiresIn),
			clientID: this.apiKey,
			org: this.org,
		});
	}

	private orderStatus(req: SimRequest): SimResponse {
		const denied = this.admit(req);
		if (denied) return denied;
		const clientId = req.query.get('clientId');
		const badClient = this.checkClientId(clientId ?? undefined);
		if (badClient) return badClient;
		const order = this.orders.get(req.params.orderId);
		const brand = req.query.get('brand');
		const brandMismatch = brand !== null && brand !== '' && order?.brand !== undefined && order.brand !== brand;
		if (!order || order.clientId !== clientId || brandMismatch) {
			return this.apiError(404, {
				...PITNEY_BOWES_ERRORS.orderNotFound,
				additionalInfo: `No order ${req.params.orderId} for clientId ${clientId}`,
				parameters: ['orderId'],
			});
		}
		return json(200, this.statusView(order));
	}

	private invalidRequest(additionalInfo: string, parameters?: string[]): SimResponse {
		return this.apiError(400, { ...PITNEY_BOWES_ERRORS.invalidRequest, additionalInfo, parameters });
	}

	private positiveInteger(raw: string | null, fallback: number): number | undefined {
		if (raw === null || raw === '') return fallback;
		if (!/^\d+$/.test(raw)) return undefined;
		const value = Number(raw);
		return value >= 1 ? value : undefined;
	}

	/**
	 * `POST …/orders/status/search?page=&size=` with `{ clientId, sort?, searchFields? }`. Answers
	 * `{ <searchContentKey>: [status views], totalElements, totalPages, size, numberOfElements, first, last, empty }`.
	 * Default sort `pbUpdateDate-asc` (the shipments search documents ascending as its default).
	 */
	private statusSearch(req: SimRequest): SimResponse {
		const denied = this.admit(req);
		if (denied) return denied;
		if (req.body === undefined || req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
			return this.invalidRequest('The request body must be a JSON object');
		}
		const body = req.body as Record<string, unknown>;
		const badClient = this.checkClientId(body.clientId);
		if (badClient) return badClient;

		const page = this.positiveInteger(req.query.get('page'), 1);
		if (page === undefined) return this.invalidRequest('page must be an integer of at least 1', ['page']);
		const requestedSize = this.positiveInteger(req.query.get('size'), 20);
		if (requestedSize === undefined) return this.invalidRequest('size must be an integer of at least 1', ['size']);
		const size = Math.min(requestedSize, this.maxPageSize);

		// Sort: ["<property>-<asc|desc>", ...]
		const sortKeys: Array<{ property: SortProperty; direction: 1 | -1 }> = [];
		if (body.sort !== undefined) {
			if (!Array.isArray(body.sort)) return this.invalidRequest('sort must be an array of strings', ['sort']);
			for (const entry of body.sort) {
				const match = typeof entry === 'string' ? /^([A-Za-z]+)-(asc|desc)$/.exec(entry) : null;
				if (!match || !(SORT_PROPERTIES as readonly string[]).includes(match[1])) {
					return this.invalidRequest(
						`Invalid sort ${JSON.stringify(entry)}: use <property>-<asc|desc> with property ${SORT_PROPERTIES.join(', ')}`,
						['sort'],
					);
				}
				sortKeys.push({ property: match[1] as SortProperty, direction: match[2] === 'asc' ? 1 : -1 });
			}
		}
		if (sortKeys.length === 0) sortKeys.push({ property: 'pbUpdateDate', direction: 1 });

		// Filters.
		const filters: Array<(order: PitneyBowesOrder) => boolean> = [];
		if (body.searchFields !== undefined) {
			if (!Array.isArray(body.searchFields)) {
				return this.invalidRequest('searchFields must be an array of {name, values}', ['searchFields']);
			}
			for (const field of body.searchFields as unknown[]) {
				const { name, values } = (field ?? {}) as { name?: unknown; values?: unknown };
				if (typeof name !== 'string' || !Array.isArray(values) || !values.every((v) => typeof v === 'string')) {
					return this.invalidRequest('Each searchFields entry needs a name and a values array of strings', [
						'searchFields',
					]);
				}
				const listProperty = (PITNEY_BOWES_SEARCH_FIELDS.list as Record<string, keyof PitneyBowesOrder>)[name];
				if (listProperty) {
					const wanted = new Set(values as string[]);
					filters.push((order) => wanted.has(String(order[listProperty] ?? '')));
					continue;
				}
				if ((PITNEY_BOWES_SEARCH_FIELDS.dateRange as readonly string[]).includes(name)) {
					const [from, to] = values as string[];
					const fromMs = from ? Date.parse(from) : -Infinity;
					const toMs = to ? Date.parse(to) : Infinity;
					if (Number.isNaN(fromMs) || Number.isNaN(toMs) || values.length > 2) {
						return this.invalidRequest(`${name} takes values [from, to?] as ISO 8601 dates`, [name]);
					}
					const property = name as SortProperty;
					filters.push((order) => {
						const at = Date.parse(order[property]);
						return at >= fromMs && at <= toMs;
					});
					continue;
				}
				return this.invalidRequest(`Unknown search field ${name}`, [name]);
			}
		}

		const clientId = body.clientId as string;
		const rows = [...this.orders.values()]
			.filter((order) => order.clientId === clientId && filters.every((filter) => filter(order)))
			.sort((a, b) => {
				for (const { property, direction } of sortKeys) {
					const diff = Date.parse(a[property]) - Date.parse(b[property]);
					if (diff !== 0) return diff * direction;
				}
				// Same second: the order changed later comes later (in the first key's direction).
				const sequenceDiff = (this.sequenceOf.get(a.orderId) ?? 0) - (this.sequenceOf.get(b.orderId) ?? 0);
				return sequenceDiff * sortKeys[0].direction;
			});

		const totalElements = rows.length;
		const totalPages = Math.ceil(totalElements / size);
		const content = rows.slice((page - 1) * size, page * size).map((order) => this.statusView(order));
		return json(200, {
			[this.searchContentKey]: content,
			totalElements,
			totalPages,
			size,
			numberOfElements: content.length,
			first: page === 1,
			last: page >= totalPages,
			empty: content.length === 0,
		});
	}

	// ---------------------------------------------------------------- control API

	private addControls(): void {
		this.addControl('orders', (body) => {
			this.setOrders((body.orders as PitneyBowesOrderInput[]) ?? []);
			return { ok: true, orders: this.orders.size };
		});
		this.addControl('add-order', (body) => {
			const order = this.addOrder((body.order ?? body) as PitneyBowesOrderInput);
			return { ok: true, order };
		});
		this.addControl('seed-sample-orders', (body) => {
			const orders = this.seedSampleOrders(typeof body.clientId === 'string' ? body.clientId : undefined);
			return { ok: true, orders: orders.map((o) => o.orderId) };
		});
		this.addControl('set-status', (body) => {
			const orderId = String(body.orderId);
			if (!this.orders.has(orderId)) return { ok: false, error: `no order ${orderId}` };
			const order = this.setStatus(orderId, String(body.status), {
				isOnHold: typeof body.isOnHold === 'boolean' ? body.isOnHold : undefined,
				holdReason: Array.isArray(body.holdReason) ? (body.holdReason as string[]) : undefined,
				at: typeof body.at === 'string' || typeof body.at === 'number' ? body.at : undefined,
			});
			return { ok: true, order };
		});
		this.addControl('client-ids', (body) => {
			if (Array.isArray(body.clientIds)) {
				this.clientIds.clear();
				(body.clientIds as string[]).forEach((id) => this.clientIds.add(String(id)));
			}
			return { ok: true, clientIds: [...this.clientIds] };
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
			this.tokenLifetimeSeconds = Number(body.seconds ?? 35999);
			return { ok: true, seconds: this.tokenLifetimeSeconds };
		});
		this.addControl('error-shape', (body) => {
			const shapes: PitneyBowesErrorShape[] = ['standard', 'legacy', 'bare'];
			const pick = (value: unknown, fallback: PitneyBowesErrorShape) =>
				shapes.includes(value as PitneyBowesErrorShape) ? (value as PitneyBowesErrorShape) : fallback;
			this.errorShape = pick(body.shape, this.errorShape);
			this.gatewayErrorShape = pick(body.gatewayShape ?? body.shape, this.gatewayErrorShape);
			return { ok: true, errorShape: this.errorShape, gatewayErrorShape: this.gatewayErrorShape };
		});
		this.addControl('spike-arrest', (body) => {
			this.setSpikeArrest(body.limit ? (body as unknown as SpikeArrestOptions) : undefined);
			return { ok: true, spikeArrest: this.spikeArrest ?? null };
		});
		this.addControl('spike-arrest-fault', (body) => {
			this.injectSpikeArrest({
				times: body.times === undefined ? 1 : Number(body.times),
				route: typeof body.route === 'string' ? body.route : undefined,
				shape: body.shape as PitneyBowesErrorShape | undefined,
				status: body.status === undefined ? undefined : Number(body.status),
			});
			return { ok: true };
		});
		this.addControl('error-fault', (body) => {
			const rule: FaultRule = {
				fault: this.errorFault(
					Number(body.status ?? 500),
					{
						errorCode: String(body.errorCode ?? '8000500'),
						errorDescription: String(body.errorDescription ?? 'Internal server error'),
						additionalInfo: body.additionalInfo === undefined ? undefined : String(body.additionalInfo),
					},
					(body.shape as PitneyBowesErrorShape | undefined) ?? this.errorShape,
				),
				route: typeof body.route === 'string' ? body.route : undefined,
				times: body.times === undefined ? undefined : Number(body.times),
			};
			this.injectFault(rule);
			return { ok: true };
		});
		this.addControl('transaction-ids', () => ({ transactionIds: this.transactionIds }));
		this.addControl('pb-stats', () => this.pbStats());
	}
}
