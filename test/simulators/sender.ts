/**
 * Sender shipping API simulator (the provider facts docs/provider-apis.md lists; dev.shipmentapi.com scenarios 3, 11, 12, 14).
 *
 * The simulator's root (`http://127.0.0.1:PORT`) stands for the credential's base URL
 * (`https://api.sender.lv/api/v1` or `…/api/sandbox/v1`), so routes are relative to it:
 *
 * - `GET /orders/:reference`: Get Order by Reference [C]. Unknown reference → 404.
 * - `POST /orders`: Place Order. The path is inferred [I]; answers 201 with the new order (status `pending`).
 * - `POST /rates`: Get Rates & Delivery Options [C] (`from` / `to` with `country_iso`, `postcode`).
 * - `GET /labels/:file`: where label URLs point (not a documented route: a label URL may be anywhere; public).
 *
 * Much of the real API is undocumented [GAP]; every guess is a switch here so node tests can prove tolerance:
 * - Auth: `Authorization: Bearer <key>` and/or a custom header (`X-Api-Key: <key>`), chosen per simulator.
 *   Missing or wrong key → 401 `{ message }` (Laravel style). `x-api-lang-iso` (en | lv | ru) localises errors.
 * - Field naming: `snake` / `camel`, top level or nested under `data` (4 variants), per simulator or per order.
 * - Label: a URL (`label_url` / `labelUrl`) or base64 PDF content (`label_base64` / `labelBase64`), per order.
 * - Lifecycle: `pending` (no label, no tracking) → `accepted` (label + tracking + pickup time) after a delay or
 *   by a method call, or `canceled` / `cancelled` / `failed` (with `status_message`). Later shipping statuses
 *   (e.g. `in_transit`, `delivered`) can be set by hand.
 * - Callback: one POST (payload = the Get Order body) to the order's callback URL when it reaches a placement
 *   outcome; extra headers / query carry a shared secret. Never retried, never repeated (the docs say "a single
 *   time (whether the order was accepted or not)").
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { json, ProviderSimulator, type RateLimit, type SimClock, type SimRequest, type SimResponse } from './framework';

/** Field naming of every order body the simulator writes (Get Order, Place Order, callback). */
export type SenderVariant = 'snake' | 'camel' | 'snake-data' | 'camel-data';
export const SENDER_VARIANTS: readonly SenderVariant[] = ['snake', 'camel', 'snake-data', 'camel-data'];

export type SenderLabelFormat = 'url' | 'base64';

/** Placement outcomes: the statuses that trigger the (single) callback by default. */
export type SenderOutcome = 'accepted' | 'canceled' | 'cancelled' | 'failed';

export type SenderLanguage = 'en' | 'lv' | 'ru';

export const SENDER_ROUTES = {
	getOrder: 'GET /orders/:reference',
	placeOrder: 'POST /orders',
	getRates: 'POST /rates',
	label: 'GET /labels/:file',
} as const;

/** The exact JSON keys each naming style uses (the `-data` variants nest the same keys under `data`). */
export const SENDER_FIELDS = {
	snake: {
		reference: 'order_reference',
		status: 'status',
		statusMessage: 'status_message',
		carrier: 'carrier',
		deliveryType: 'delivery_type',
		parcelLockerCode: 'parcel_locker_code',
		trackingNumber: 'tracking_number',
		labelUrl: 'label_url',
		labelBase64: 'label_base64',
		pickupArrivalTime: 'pickup_arrival_time',
		sender: 'sender',
		receiver: 'receiver',
		parcels: 'parcels',
		createdAt: 'created_at',
		updatedAt: 'updated_at',
	},
	camel: {
		reference: 'orderReference',
		status: 'status',
		statusMessage: 'statusMessage',
		carrier: 'carrier',
		deliveryType: 'deliveryType',
		parcelLockerCode: 'parcelLockerCode',
		trackingNumber: 'trackingNumber',
		labelUrl: 'labelUrl',
		labelBase64: 'labelBase64',
		pickupArrivalTime: 'pickupArrivalTime',
		sender: 'sender',
		receiver: 'receiver',
		parcels: 'parcels',
		createdAt: 'createdAt',
		updatedAt: 'updatedAt',
	},
} as const;

/** A one-page PDF, small enough to inline; its base64 form is what base64-label orders carry. */
export const SENDER_SAMPLE_PDF = Buffer.from(
	'%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
		'3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 288 432]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
	'latin1',
);

export interface SenderOrder {
	reference: string;
	status: string;
	/** Why an order was cancelled / failed (`status_message`), else null. */
	statusMessage: string | null;
	carrier: string;
	deliveryType: string;
	parcelLockerCode: string | null;
	trackingNumber: string | null;
	/** The label: a URL or base64 PDF content (see labelFormat); null until accepted. */
	label: string | null;
	labelFormat: SenderLabelFormat;
	pickupArrivalTime: string | null;
	sender: unknown;
	receiver: unknown;
	parcels: unknown;
	createdAt: string;
	updatedAt: string;
	/** Overrides the simulator's variant for this order. */
	variant?: SenderVariant;
	/** Extra raw keys merged into the answer as-is (after the named fields). */
	extra?: Record<string, unknown>;
	callbackUrl?: string;
	callbackHeaders?: Record<string, string>;
	callbackQuery?: Record<string, string>;
	/** When (epoch ms on the simulator's clock) a pending order turns into `outcome` by itself; undefined = only by a method call. */
	processAt?: number;
	outcome: SenderOutcome;
	/** Whether the automatic callback has been sent (it is sent at most once). */
	callbackSent: boolean;
}

/** What tests (or the control API) pass to add an order; everything but nothing is optional. */
export interface SenderOrderInit {
	reference?: string;
	status?: string;
	statusMessage?: string | null;
	carrier?: string;
	deliveryType?: string;
	parcelLockerCode?: string | null;
	trackingNumber?: string | null;
	label?: string | null;
	labelFormat?: SenderLabelFormat;
	pickupArrivalTime?: string | null;
	sender?: unknown;
	receiver?: unknown;
	parcels?: unknown;
	variant?: SenderVariant;
	extra?: Record<string, unknown>;
	callbackUrl?: string;
	callbackHeaders?: Record<string, string>;
	callbackQuery?: Record<string, string>;
	/** A pending order reaches `outcome` this many ms after it is added (default: the simulator's setting). */
	processAfterMs?: number;
	outcome?: SenderOutcome;
}

/** Values of an accepted order; omitted = generated, `null` = not available yet. */
export interface SenderAcceptValues {
	trackingNumber?: string | null;
	label?: string | null;
	labelFormat?: SenderLabelFormat;
	pickupArrivalTime?: string | null;
}

export interface SenderCallbackRecord {
	reference: string;
	/** The URL actually called (configured query included). */
	url: string;
	/** The order status the callback reported. */
	status: string;
	payload: unknown;
	/** Headers sent (content-type, user-agent and the configured extra headers). */
	headers: Record<string, string>;
	/** True for `sendCallback()` calls (forged / repeated callbacks), false for the automatic one. */
	manual: boolean;
	sentAt: number;
	finishedAt?: number;
	/** True when the receiver answered 2xx. */
	delivered: boolean;
	/** The receiver's HTTP status, when it answered at all. */
	httpStatus?: number;
	responseBody?: string;
	/** Network error (refused, timeout …) when there was no HTTP answer. */
	error?: string;
}

export interface SenderCallbackTarget {
	url?: string;
	headers?: Record<string, string>;
	query?: Record<string, string>;
}

export interface SenderSimulatorOptions {
	/** The key(s) the simulator accepts. */
	apiKey: string | string[];
	/**
	 * Where the key may travel: `'bearer'` = `Authorization: Bearer <key>`; any other entry is a header name
	 * that carries the bare key (case-insensitive), e.g. `'X-Api-Key'`. Default `['bearer']`.
	 */
	authHeaders?: string[];
	/** HTTP status for a present but wrong key (default 401; missing key is always 401). */
	invalidKeyStatus?: number;
	/** Default field naming (default `snake`). */
	variant?: SenderVariant;
	/** Default label format for new orders (default `url`). */
	labelFormat?: SenderLabelFormat;
	/** Pending orders reach their outcome after this many ms (default: never by themselves). */
	processingDelayMs?: number;
	/** Default outcome of automatic processing (default `accepted`). */
	outcome?: SenderOutcome;
	/** Statuses that trigger the single automatic callback (default accepted, canceled, cancelled, failed). */
	callbackOn?: string[];
	/** Global callback target, used when an order has no callback URL of its own. */
	callback?: SenderCallbackTarget;
	/**
	 * Timeout for one callback POST (default 30 s: a test's receiver may be an n8n run in a busy process, and a
	 * callback that times out under load is a flaky test, not a finding).
	 */
	callbackTimeoutMs?: number;
	/** Base of generated label URLs (default: this simulator's own `/labels/`). */
	labelBaseUrl?: string;
	latencyMs?: number;
	rateLimit?: RateLimit;
	seed?: number;
	/** The provider's time: when pending orders fall due, timestamps (default: the real clock). */
	clock?: SimClock;
}

/** How long `waitForCallback` waits by default: a guard against a hung test, far above any real callback. */
export const SENDER_CALLBACK_WAIT_MS = 30_000;

const MESSAGES: Record<string, Record<SenderLanguage, string>> = {
	unauthenticated: {
		en: 'Unauthenticated.',
		lv: 'Nav autentificēts.',
		ru: 'Не аутентифицирован.',
	},
	notFound: {
		en: 'Order not found.',
		lv: 'Pasūtījums nav atrasts.',
		ru: 'Заказ не найден.',
	},
	invalid: {
		en: 'The given data was invalid.',
		lv: 'Norādītie dati nav derīgi.',
		ru: 'Переданные данные недействительны.',
	},
	required: {
		en: 'The :field field is required.',
		lv: 'Lauks :field ir obligāts.',
		ru: 'Поле :field обязательно.',
	},
	cancelled: {
		en: 'The order could not be placed with the carrier.',
		lv: 'Pasūtījumu nevarēja nodot pārvadātājam.',
		ru: 'Заказ не удалось передать перевозчику.',
	},
	labelNotFound: {
		en: 'Label not found.',
		lv: 'Uzlīme nav atrasta.',
		ru: 'Этикетка не найдена.',
	},
};

const DEFAULT_CALLBACK_ON = ['accepted', 'canceled', 'cancelled', 'failed'];

export class SenderSimulator extends ProviderSimulator {
	readonly orders = new Map<string, SenderOrder>();
	/** Keys the simulator accepts. */
	readonly apiKeys = new Set<string>();
	/** `'bearer'` and/or header names (lower-cased) that may carry the key. */
	authHeaders: string[];
	invalidKeyStatus: number;
	variant: SenderVariant;
	labelFormat: SenderLabelFormat;
	processingDelayMs?: number;
	outcome: SenderOutcome;
	callbackOn: string[];
	callback: SenderCallbackTarget;
	callbackTimeoutMs: number;
	labelBaseUrl?: string;
	/** Carriers `POST /rates` answers with (raw; tests may replace them). */
	rates: Array<Record<string, unknown>> = [
		{
			carrier_code: 'omniva',
			title: 'Omniva parcel locker',
			price: '2.99',
			currency: 'EUR',
			delivery_time: '1-2 days',
			collection_target: 'address',
			destination_target: 'parcel_locker',
			nearest_parcel_locker_codes: ['9001', '9002'],
		},
		{
			carrier_code: 'dpd',
			title: 'DPD Pickup',
			price: '3.49',
			currency: 'EUR',
			delivery_time: '1-3 days',
			collection_target: 'address',
			destination_target: 'parcel_locker',
			nearest_parcel_locker_codes: ['LV90012', 'LV90047'],
		},
	];

	/** Every callback attempt, automatic and manual, in order. */
	readonly callbacks: SenderCallbackRecord[] = [];
	/** Requests refused for a missing or wrong key. */
	authFailures = 0;
	/** Requests that carried a valid key in the URL (path or query): a node must never do this. */
	keyInUrl = 0;
	/** `x-api-lang-iso` values seen (`none` when absent). */
	languageCounts: Record<string, number> = {};
	/** Orders placed through `POST /orders`. */
	placedOrders = 0;

	private orderCounter = 0;
	private trackingCounter = 0;
	/** Cancels the processing timers of pending orders. */
	private readonly timers = new Set<() => void>();
	private readonly inFlightCallbacks = new Set<Promise<void>>();
	/** `waitForCallback` calls waiting for a callback to finish; each checks its own reference. */
	private readonly callbackWaiters = new Set<() => void>();

	constructor(options: SenderSimulatorOptions) {
		super('sender', { latencyMs: options.latencyMs, rateLimit: options.rateLimit, seed: options.seed, clock: options.clock });
		(Array.isArray(options.apiKey) ? options.apiKey : [options.apiKey]).forEach((key) => this.apiKeys.add(key));
		this.authHeaders = (options.authHeaders ?? ['bearer']).map((h) => h.toLowerCase());
		this.invalidKeyStatus = options.invalidKeyStatus ?? 401;
		this.variant = options.variant ?? 'snake';
		this.labelFormat = options.labelFormat ?? 'url';
		this.processingDelayMs = options.processingDelayMs;
		this.outcome = options.outcome ?? 'accepted';
		this.callbackOn = options.callbackOn ?? [...DEFAULT_CALLBACK_ON];
		this.callback = options.callback ?? {};
		this.callbackTimeoutMs = options.callbackTimeoutMs ?? 30_000;
		this.labelBaseUrl = options.labelBaseUrl;

		this.route('GET', '/orders/:reference', (req) => this.getOrder(req));
		this.route('POST', '/orders', (req) => this.placeOrder(req));
		this.route('POST', '/rates', (req) => this.getRates(req));
		this.route('GET', '/labels/:file', (req) => this.getLabel(req), { rateLimited: false });

		this.registerControls();
	}

	// ---------------------------------------------------------------- orders (the test-facing API)

	/** Adds (or replaces) an order. A pending order with a delay reaches its outcome by itself. */
	addOrder(init: SenderOrderInit = {}): SenderOrder {
		const now = new Date(this.clock.now()).toISOString();
		const reference = init.reference ?? this.nextReference();
		const order: SenderOrder = {
			reference,
			status: init.status ?? 'pending',
			statusMessage: init.statusMessage ?? null,
			carrier: init.carrier ?? 'omniva',
			deliveryType: init.deliveryType ?? 'address-parcel_locker',
			parcelLockerCode: init.parcelLockerCode ?? null,
			trackingNumber: init.trackingNumber ?? null,
			label: init.label ?? null,
			labelFormat: init.labelFormat ?? this.labelFormat,
			pickupArrivalTime: init.pickupArrivalTime ?? null,
			sender: init.sender ?? { name: 'Test Shop SIA', country_iso: 'LV', postcode: 'LV-1083' },
			receiver: init.receiver ?? { name: 'Jane Receiver', country_iso: 'LV', postcode: 'LV-1050' },
			parcels: init.parcels ?? [{ weight: 1.2, length: 30, width: 20, height: 10 }],
			createdAt: now,
			updatedAt: now,
			variant: init.variant,
			extra: init.extra,
			callbackUrl: init.callbackUrl,
			callbackHeaders: init.callbackHeaders,
			callbackQuery: init.callbackQuery,
			outcome: init.outcome ?? this.outcome,
			callbackSent: false,
		};
		// An order added as accepted gets the label/tracking an accepted order always has (unless given).
		if (order.status === 'accepted') {
			this.fillAcceptedFields(order, {
				trackingNumber: init.trackingNumber,
				label: init.label,
				pickupArrivalTime: init.pickupArrivalTime,
			});
		}
		this.orders.set(reference, order);
		if (order.status === 'pending') {
			const delay = init.processAfterMs ?? this.processingDelayMs;
			if (delay !== undefined) this.scheduleProcessing(order, delay);
		}
		return order;
	}

	getOrderState(reference: string): SenderOrder | undefined {
		return this.orders.get(reference);
	}

	/** Sender accepted the order: label, tracking number and pickup time appear; the callback fires once. */
	accept(reference: string, values: SenderAcceptValues = {}): SenderOrder {
		const order = this.mustGet(reference);
		order.status = 'accepted';
		order.statusMessage = null;
		this.fillAcceptedFields(order, values);
		this.finishPlacement(order);
		return order;
	}

	/**
	 * Attaches label / tracking / pickup time to an order without changing its status and without a callback
	 * (for orders accepted with `label: null`: "label and tracking number follow shortly").
	 */
	attachLabel(reference: string, values: SenderAcceptValues = {}): SenderOrder {
		const order = this.mustGet(reference);
		this.fillAcceptedFields(order, values);
		return order;
	}

	/** The order could not be placed: `canceled` (the docs' spelling, default) or `cancelled`; callback fires once. */
	cancel(reference: string, options: { spelling?: 'canceled' | 'cancelled'; message?: string } = {}): SenderOrder {
		const order = this.mustGet(reference);
		order.status = options.spelling ?? 'canceled';
		order.statusMessage = options.message ?? MESSAGES.cancelled.en;
		this.finishPlacement(order);
		return order;
	}

	/** A `failed` placement (a value the docs do not mention; the status model maps it to rejected). */
	fail(reference: string, message = 'Carrier rejected the shipment data.'): SenderOrder {
		const order = this.mustGet(reference);
		order.status = 'failed';
		order.statusMessage = message;
		this.finishPlacement(order);
		return order;
	}

	/**
	 * Sets any status. `accepted`, `canceled`/`cancelled` and `failed` go through accept/cancel/fail; anything
	 * else (`in_transit`, `delivered` …) is the later shipping status: stored as-is, no callback.
	 */
	setStatus(reference: string, status: string): SenderOrder {
		if (status === 'accepted') return this.accept(reference);
		if (status === 'canceled' || status === 'cancelled') return this.cancel(reference, { spelling: status });
		if (status === 'failed') return this.fail(reference);
		const order = this.mustGet(reference);
		order.status = status;
		this.touch(order);
		return order;
	}

	/** Field naming for the whole simulator, or for one order. */
	setVariant(variant: SenderVariant, reference?: string): void {
		if (!SENDER_VARIANTS.includes(variant)) throw new Error(`unknown Sender variant ${variant}`);
		if (reference === undefined) this.variant = variant;
		else this.mustGet(reference).variant = variant;
	}

	/** Callback target for the whole simulator, or for one order. */
	setCallback(target: SenderCallbackTarget, reference?: string): void {
		if (reference === undefined) {
			this.callback = { ...target };
			return;
		}
		const order = this.mustGet(reference);
		order.callbackUrl = target.url;
		order.callbackHeaders = target.headers;
		order.callbackQuery = target.query;
	}

	/** The order exactly as Get Order would answer it (variant applied). */
	render(reference: string): Record<string, unknown> {
		return this.body(this.mustGet(reference));
	}

	/**
	 * Sends a callback now, whatever was sent before (a repeated or forged callback). `payload` replaces the
	 * order's body; `target` replaces the configured URL / headers / query (pass `headers: {}` to drop a secret).
	 */
	async sendCallback(reference: string, target: SenderCallbackTarget = {}, payload?: unknown): Promise<SenderCallbackRecord> {
		const order = this.orders.get(reference);
		const resolved = order ? this.callbackTarget(order) : { ...this.callback };
		const url = target.url ?? resolved.url;
		if (!url) throw new Error(`no callback URL for Sender order ${reference}`);
		return await this.postCallback({
			reference,
			status: order?.status ?? 'unknown',
			url,
			headers: target.headers ?? resolved.headers ?? {},
			query: target.query ?? resolved.query ?? {},
			payload: payload ?? (order ? this.body(order) : {}),
			manual: true,
		});
	}

	/** Resolves when every callback started so far has finished (delivered or failed). */
	async callbacksSettled(): Promise<void> {
		while (this.inFlightCallbacks.size > 0) await Promise.all([...this.inFlightCallbacks]);
	}

	/**
	 * Resolves with the first finished callback (answered or failed) for `reference`, as soon as it finishes: the
	 * simulator tells its waiters when a callback POST ends, nothing polls. `timeoutMs` only guards against a test
	 * that would hang (e.g. an order nothing ever accepts); the error then says what was awaited and where the
	 * order stands.
	 */
	async waitForCallback(reference: string, timeoutMs = SENDER_CALLBACK_WAIT_MS): Promise<SenderCallbackRecord> {
		const finished = () => this.callbacks.find((c) => c.reference === reference && c.finishedAt !== undefined);
		const already = finished();
		if (already) return already;
		return await new Promise<SenderCallbackRecord>((resolve, reject) => {
			const check = () => {
				const record = finished();
				if (!record) return;
				clearTimeout(guard);
				this.callbackWaiters.delete(check);
				resolve(record);
			};
			const guard = setTimeout(() => {
				this.callbackWaiters.delete(check);
				reject(new Error(this.describeMissingCallback(reference, timeoutMs)));
			}, timeoutMs);
			this.callbackWaiters.add(check);
		});
	}

	/** Why no callback for `reference` has finished: what was awaited, and the order's state. */
	private describeMissingCallback(reference: string, timeoutMs: number): string {
		const awaited = `Sender simulator: waited ${timeoutMs} ms for the callback POST about order ${reference} to finish (answered or failed), and none did`;
		const order = this.orders.get(reference);
		if (!order) return `${awaited}; the simulator has no order ${reference}`;
		const target = this.callbackTarget(order);
		const started = this.callbacks.filter((c) => c.reference === reference);
		const facts = [
			`status ${order.status}`,
			order.processAt === undefined
				? 'no automatic processing scheduled'
				: `automatic processing due at ${new Date(order.processAt).toISOString()} on the simulator's clock (now ${new Date(this.clock.now()).toISOString()})`,
			`callback sent: ${order.callbackSent}`,
			`callback URL: ${target.url ?? 'none'}`,
			`callbacks started for it: ${started.length}`,
			`callbacks in flight (all orders): ${this.inFlightCallbacks.size}`,
		];
		return `${awaited}; order ${reference}: ${facts.join('; ')}`;
	}

	/** Clears orders, callbacks and the extra counters (framework stats: resetStats()). */
	clearOrders(): void {
		for (const cancel of this.timers) cancel();
		this.timers.clear();
		this.orders.clear();
		this.callbacks.length = 0;
		this.orderCounter = 0;
	}

	override resetStats(): this {
		super.resetStats();
		this.authFailures = 0;
		this.keyInUrl = 0;
		this.languageCounts = {};
		this.placedOrders = 0;
		return this;
	}

	override async stop(): Promise<void> {
		for (const cancel of this.timers) cancel();
		this.timers.clear();
		await this.callbacksSettled();
		await super.stop();
	}

	// ---------------------------------------------------------------- routes

	private getOrder(req: SimRequest): SimResponse {
		const lang = this.language(req);
		const denied = this.authenticate(req, lang);
		if (denied) return denied;
		const order = this.orders.get(req.params.reference);
		if (!order) return json(404, { message: MESSAGES.notFound[lang] });
		this.processIfDue(order);
		return json(200, this.body(order));
	}

	private placeOrder(req: SimRequest): SimResponse {
		const lang = this.language(req);
		const denied = this.authenticate(req, lang);
		if (denied) return denied;
		const body = req.body;
		if (typeof body !== 'object' || body === null || Array.isArray(body)) {
			return this.invalid(lang, { carrier_code: [this.required(lang, 'carrier code')] });
		}
		const input = body as Record<string, unknown>;
		const carrier = firstString(input, ['carrier_code', 'carrierCode', 'carrier']);
		if (!carrier) return this.invalid(lang, { carrier_code: [this.required(lang, 'carrier code')] });
		const callbackUrl = firstString(input, ['callback_url', 'callbackUrl']);
		const order = this.addOrder({
			carrier,
			deliveryType: firstString(input, ['delivery_type', 'deliveryType']) ?? 'address-parcel_locker',
			parcelLockerCode: firstString(input, ['parcel_locker_code', 'parcelLockerCode']) ?? null,
			sender: input.sender,
			receiver: input.receiver,
			parcels: input.parcels,
			callbackUrl,
		});
		this.placedOrders++;
		return json(201, this.body(order));
	}

	private getRates(req: SimRequest): SimResponse {
		const lang = this.language(req);
		const denied = this.authenticate(req, lang);
		if (denied) return denied;
		const body = (req.body ?? {}) as Record<string, unknown>;
		const errors: Record<string, string[]> = {};
		for (const side of ['from', 'to']) {
			const place = body[side] as Record<string, unknown> | undefined;
			if (typeof place?.country_iso !== 'string' || !place.country_iso) {
				errors[`${side}.country_iso`] = [this.required(lang, `${side}.country_iso`)];
			}
		}
		if (Object.keys(errors).length) return this.invalid(lang, errors);
		const deliveryType = typeof body.delivery_type === 'string' ? body.delivery_type : undefined;
		const rows = this.rates.filter(
			(r) => !deliveryType || `${String(r.collection_target)}-${String(r.destination_target)}` === deliveryType,
		);
		return json(200, rows);
	}

	/** Label downloads are public, like a pre-signed link (undocumented). */
	private getLabel(req: SimRequest): SimResponse {
		const reference = req.params.file.replace(/\.pdf$/i, '');
		const order = this.orders.get(reference);
		if (!order || !order.label) return json(404, { message: MESSAGES.labelNotFound[this.language(req)] });
		return { status: 200, headers: { 'content-type': 'application/pdf' }, body: SENDER_SAMPLE_PDF };
	}

	// ---------------------------------------------------------------- auth, language, errors

	private language(req: SimRequest): SenderLanguage {
		const raw = req.headers['x-api-lang-iso'];
		const value = (Array.isArray(raw) ? raw[0] : raw)?.trim().toLowerCase();
		const key = value || 'none';
		this.languageCounts[key] = (this.languageCounts[key] ?? 0) + 1;
		return value === 'lv' || value === 'ru' ? value : 'en';
	}

	private authenticate(req: SimRequest, lang: SenderLanguage): SimResponse | undefined {
		const urlText = decodeSafe(req.rawPath) + '?' + req.query.toString();
		for (const key of this.apiKeys) {
			if (urlText.includes(key) || urlText.includes(encodeURIComponent(key))) {
				this.keyInUrl++;
				break;
			}
		}
		const presented: string[] = [];
		for (const where of this.authHeaders) {
			if (where === 'bearer') {
				const header = req.headers.authorization;
				if (header && /^Bearer\s+/i.test(header)) presented.push(header.replace(/^Bearer\s+/i, '').trim());
			} else {
				const raw = req.headers[where];
				const value = Array.isArray(raw) ? raw[0] : raw;
				if (value) presented.push(value.trim());
			}
		}
		if (presented.some((key) => this.apiKeys.has(key))) return undefined;
		this.authFailures++;
		const status = presented.length ? this.invalidKeyStatus : 401;
		return json(status, { message: MESSAGES.unauthenticated[lang] });
	}

	private invalid(lang: SenderLanguage, errors: Record<string, string[]>): SimResponse {
		return json(422, { message: MESSAGES.invalid[lang], errors });
	}

	private required(lang: SenderLanguage, field: string): string {
		return MESSAGES.required[lang].replace(':field', field);
	}

	// ---------------------------------------------------------------- rendering

	private body(order: SenderOrder): Record<string, unknown> {
		const variant = order.variant ?? this.variant;
		const names = variant.startsWith('camel') ? SENDER_FIELDS.camel : SENDER_FIELDS.snake;
		const out: Record<string, unknown> = {
			[names.reference]: order.reference,
			[names.status]: order.status,
			[names.statusMessage]: order.statusMessage,
			[names.carrier]: order.carrier,
			[names.deliveryType]: order.deliveryType,
			[names.parcelLockerCode]: order.parcelLockerCode,
			[names.trackingNumber]: order.trackingNumber,
			[order.labelFormat === 'base64' ? names.labelBase64 : names.labelUrl]: order.label,
			[names.pickupArrivalTime]: order.pickupArrivalTime,
			[names.sender]: order.sender,
			[names.receiver]: order.receiver,
			[names.parcels]: order.parcels,
			[names.createdAt]: order.createdAt,
			[names.updatedAt]: order.updatedAt,
			...order.extra,
		};
		return variant.endsWith('-data') ? { data: out } : out;
	}

	// ---------------------------------------------------------------- lifecycle

	private nextReference(): string {
		let reference: string;
		do {
			reference = `SND-${String(++this.orderCounter).padStart(6, '0')}`;
		} while (this.orders.has(reference));
		return reference;
	}

	private mustGet(reference: string): SenderOrder {
		const order = this.orders.get(reference);
		if (!order) throw new Error(`no Sender order ${reference}`);
		return order;
	}

	private touch(order: SenderOrder): void {
		order.updatedAt = new Date(this.clock.now()).toISOString();
	}

	/** Fills what an accepted order carries; a value given as `null` stays absent (label "follows later"). */
	private fillAcceptedFields(order: SenderOrder, values: SenderAcceptValues): void {
		if (values.labelFormat) order.labelFormat = values.labelFormat;
		order.trackingNumber =
			values.trackingNumber === null ? null : (values.trackingNumber ?? order.trackingNumber ?? this.nextTrackingNumber());
		order.label = values.label === null ? null : (values.label ?? order.label ?? this.makeLabel(order));
		order.pickupArrivalTime =
			values.pickupArrivalTime === null
				? null
				: (values.pickupArrivalTime ?? order.pickupArrivalTime ?? new Date(this.clock.now() + 24 * 3600_000).toISOString());
		order.processAt = undefined;
		this.touch(order);
	}

	private nextTrackingNumber(): string {
		return `CE${String(473_000_000 + ++this.trackingCounter).padStart(9, '0')}LV`;
	}

	private makeLabel(order: SenderOrder): string {
		if (order.labelFormat === 'base64') return SENDER_SAMPLE_PDF.toString('base64');
		let base = this.labelBaseUrl;
		if (!base) {
			try {
				base = `${this.url}/labels`;
			} catch {
				base = 'https://api.sender.lv/labels';
			}
		}
		return `${base.replace(/\/+$/, '')}/${encodeURIComponent(order.reference)}.pdf`;
	}

	private scheduleProcessing(order: SenderOrder, delayMs: number): void {
		order.processAt = this.clock.now() + delayMs;
		const cancel = this.clock.setTimer(() => {
			this.timers.delete(cancel);
			// The timer firing IS the order falling due. Do not compare with the clock here: Node runs a timer when
			// libuv's millisecond clock says so, which can be while Date.now() still reads a millisecond short of
			// processAt. Checking `processAt > now` at that point left the order pending for good, with no timer
			// left to move it on and no callback ever sent (the "no callback within 5000 ms" flake).
			this.process(order);
		}, delayMs);
		this.timers.add(cancel);
	}

	/** Also run on every read, so a due order never answers `pending` because a timer lagged. */
	private processIfDue(order: SenderOrder): void {
		if (order.processAt === undefined || order.processAt > this.clock.now()) return;
		this.process(order);
	}

	/** A pending order reaches its outcome (once: accept/cancel/fail clear processAt). */
	private process(order: SenderOrder): void {
		if (order.processAt === undefined) return;
		if (this.orders.get(order.reference) !== order || order.status !== 'pending') {
			order.processAt = undefined;
			return;
		}
		order.processAt = undefined;
		if (order.outcome === 'accepted') this.accept(order.reference);
		else if (order.outcome === 'failed') this.fail(order.reference);
		else this.cancel(order.reference, { spelling: order.outcome });
	}

	private finishPlacement(order: SenderOrder): void {
		order.processAt = undefined;
		this.touch(order);
		if (order.callbackSent || !this.callbackOn.includes(order.status)) return;
		const target = this.callbackTarget(order);
		if (!target.url) return;
		order.callbackSent = true;
		void this.postCallback({
			reference: order.reference,
			status: order.status,
			url: target.url,
			headers: target.headers ?? {},
			query: target.query ?? {},
			payload: this.body(order),
			manual: false,
		});
	}

	private callbackTarget(order: SenderOrder): SenderCallbackTarget {
		if (order.callbackUrl) {
			return { url: order.callbackUrl, headers: order.callbackHeaders, query: order.callbackQuery };
		}
		return {
			url: this.callback.url,
			headers: order.callbackHeaders ?? this.callback.headers,
			query: order.callbackQuery ?? this.callback.query,
		};
	}

	private postCallback(args: {
		reference: string;
		status: string;
		url: string;
		headers: Record<string, string>;
		query: Record<string, string>;
		payload: unknown;
		manual: boolean;
	}): Promise<SenderCallbackRecord> {
		const url = new URL(args.url);
		for (const [name, value] of Object.entries(args.query)) url.searchParams.set(name, value);
		const text = JSON.stringify(args.payload);
		const headers: Record<string, string> = {
			'content-type': 'application/json',
			'user-agent': 'Sender-Callback/1.0 (simulator)',
			...args.headers,
		};
		const record: SenderCallbackRecord = {
			reference: args.reference,
			url: url.toString(),
			status: args.status,
			payload: args.payload,
			headers,
			manual: args.manual,
			sentAt: this.clock.now(),
			delivered: false,
		};
		this.callbacks.push(record);
		const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
		const done = new Promise<void>((resolve) => {
			const finish = (error?: string) => {
				if (error !== undefined) record.error = error;
				record.finishedAt = this.clock.now();
				resolve();
				for (const waiter of [...this.callbackWaiters]) waiter();
			};
			const req = send(
				url,
				{
					method: 'POST',
					headers: { ...headers, 'content-length': String(Buffer.byteLength(text)), connection: 'close' },
					agent: false,
					timeout: this.callbackTimeoutMs,
				},
				(res) => {
					const chunks: Buffer[] = [];
					res.on('data', (chunk: Buffer) => chunks.push(chunk));
					res.on('end', () => {
						record.httpStatus = res.statusCode;
						record.delivered = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
						record.responseBody = Buffer.concat(chunks).toString('utf8');
						finish();
					});
					res.on('error', (error) => finish(error.message));
				},
			);
			req.on('timeout', () => req.destroy(new Error(`callback timed out after ${this.callbackTimeoutMs} ms`)));
			req.on('error', (error) => {
				if (record.finishedAt === undefined) finish(error.message);
			});
			req.end(text);
		});
		this.inFlightCallbacks.add(done);
		void done.then(() => this.inFlightCallbacks.delete(done));
		return done.then(() => record);
	}

	// ---------------------------------------------------------------- control API (/__sim/<command>)

	private registerControls(): void {
		/** { orders: SenderOrderInit[] } replaces every order. */
		this.addControl('orders', (body) => {
			this.clearOrders();
			const inits = (Array.isArray(body.orders) ? body.orders : []) as SenderOrderInit[];
			const added = inits.map((init) => this.addOrder(init).reference);
			return { ok: true, orders: added.length, references: added };
		});
		/** { order: SenderOrderInit } (or the init itself) adds one order; answers its reference. */
		this.addControl('add-order', (body) => {
			const init = (body.order ?? body) as SenderOrderInit;
			return { ok: true, reference: this.addOrder(init).reference };
		});
		/** { reference } → { order: <state>, body: <Get Order answer> }. */
		this.addControl('order', (body) => {
			const order = this.orders.get(String(body.reference));
			return order ? { ok: true, order, body: this.body(order) } : { ok: false };
		});
		/** { reference, trackingNumber?, label?, labelFormat?, pickupArrivalTime? } */
		this.addControl('accept', (body) =>
			this.guard(body, (ref) =>
				this.accept(ref, acceptValues(body)),
			),
		);
		/** { reference, trackingNumber?, label?, labelFormat?, pickupArrivalTime? }: no status change, no callback. */
		this.addControl('attach-label', (body) => this.guard(body, (ref) => this.attachLabel(ref, acceptValues(body))));
		/** { reference, spelling?: 'canceled' | 'cancelled', message? } */
		this.addControl('cancel', (body) =>
			this.guard(body, (ref) =>
				this.cancel(ref, {
					spelling: body.spelling as 'canceled' | 'cancelled' | undefined,
					message: optionalString(body.message),
				}),
			),
		);
		/** { reference, message? } */
		this.addControl('fail', (body) => this.guard(body, (ref) => this.fail(ref, optionalString(body.message))));
		/** { reference, status } */
		this.addControl('set-status', (body) => this.guard(body, (ref) => this.setStatus(ref, String(body.status))));
		/** { variant, reference? } */
		this.addControl('variant', (body) => {
			try {
				this.setVariant(body.variant as SenderVariant, optionalString(body.reference));
				return { ok: true };
			} catch (error) {
				return { ok: false, error: (error as Error).message };
			}
		});
		/** { url?, headers?, query?, reference? }: the global or one order's callback target. */
		this.addControl('callback', (body) => {
			try {
				this.setCallback(
					{
						url: optionalString(body.url),
						headers: body.headers as Record<string, string> | undefined,
						query: body.query as Record<string, string> | undefined,
					},
					optionalString(body.reference),
				);
				return { ok: true };
			} catch (error) {
				return { ok: false, error: (error as Error).message };
			}
		});
		/** Every callback attempt so far. */
		this.addControl('callbacks', () => ({ ok: true, callbacks: this.callbacks }));
		/** { delayMs?: number | null, outcome?, labelFormat? }: defaults for orders placed from now on. */
		this.addControl('processing', (body) => {
			if ('delayMs' in body) this.processingDelayMs = body.delayMs === null ? undefined : Number(body.delayMs);
			if (body.outcome) this.outcome = body.outcome as SenderOutcome;
			if (body.labelFormat) this.labelFormat = body.labelFormat as SenderLabelFormat;
			return { ok: true };
		});
		/** { apiKeys?: string[], authHeaders?: string[], invalidKeyStatus? } */
		this.addControl('auth', (body) => {
			if (Array.isArray(body.apiKeys)) {
				this.apiKeys.clear();
				body.apiKeys.forEach((key) => this.apiKeys.add(String(key)));
			}
			if (Array.isArray(body.authHeaders)) this.authHeaders = body.authHeaders.map((h) => String(h).toLowerCase());
			if (body.invalidKeyStatus !== undefined) this.invalidKeyStatus = Number(body.invalidKeyStatus);
			return { ok: true };
		});
		/** The Sender-specific counters (framework counters: /__sim/stats). */
		this.addControl('sender-stats', () => ({
			ok: true,
			orders: this.orders.size,
			placedOrders: this.placedOrders,
			authFailures: this.authFailures,
			keyInUrl: this.keyInUrl,
			languageCounts: this.languageCounts,
			callbacks: this.callbacks.length,
			callbacksDelivered: this.callbacks.filter((c) => c.delivered).length,
		}));
	}

	private guard(body: Record<string, unknown>, action: (reference: string) => SenderOrder): unknown {
		const reference = String(body.reference ?? '');
		if (!this.orders.has(reference)) return { ok: false, error: `no Sender order ${reference}` };
		const order = action(reference);
		return { ok: true, status: order.status };
	}
}

function firstString(input: Record<string, unknown>, keys: string[]): string | undefined {
	for (const key of keys) {
		const value = input[key];
		if (typeof value === 'string' && value.trim()) return value.trim();
	}
	return undefined;
}

function acceptValues(body: Record<string, unknown>): SenderAcceptValues {
	const pick = (key: string) => (body[key] === null ? null : optionalString(body[key]));
	return {
		trackingNumber: pick('trackingNumber'),
		label: pick('label'),
		labelFormat: body.labelFormat === 'base64' || body.labelFormat === 'url' ? body.labelFormat : undefined,
		pickupArrivalTime: pick('pickupArrivalTime'),
	};
}

function optionalString(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

function decodeSafe(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
}
