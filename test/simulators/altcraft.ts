/**
 * Altcraft Market API simulator (the provider facts docs/provider-apis.md lists).
 *
 * - Every method is `POST /api/v1.1/<method>` with a JSON body; the token travels in the body as `token`
 *   (the v74 docs also accept `Authorization: Bearer <token>`; the simulator accepts both).
 * - Every answer is the envelope `{ error, error_text, ...payload }` with HTTP 200; `error != 0` is a failure.
 *   Documented codes: 400 (incorrect request), 401 (API token required), 403 (no access).
 * - `market/orders/get_status` takes `id` (int) or `external_id` (string) and answers
 *   `result: { endpoint, status }`.
 * - `market/orders/list` pages with `from_id` / `next_from_id`.
 */
import { bearerToken, json, ProviderSimulator, type SimClock, type SimRequest, type SimResponse } from './framework';

export interface AltcraftOrder {
	/** Internal numeric id. */
	id: number;
	external_id: string;
	endpoint: string;
	status: string;
	update_time?: string;
	create_time?: string;
}

export const ALTCRAFT_ROUTES = {
	getStatus: 'POST /api/v1.1/market/orders/get_status',
	list: 'POST /api/v1.1/market/orders/list',
} as const;

export class AltcraftSimulator extends ProviderSimulator {
	readonly orders: AltcraftOrder[] = [];
	/** Tokens the simulator accepts. */
	readonly validTokens = new Set<string>();
	/** `'result-array'` answers get_status with `result: [ {…} ]`, as the response table (not the example) says. */
	resultShape: 'object' | 'array' = 'object';

	constructor(options: { token: string; latencyMs?: number; clock?: SimClock }) {
		super('altcraft', { latencyMs: options.latencyMs, clock: options.clock });
		this.validTokens.add(options.token);
		this.route('POST', '/api/v1.1/market/orders/get_status', (req) => this.getStatus(req));
		this.route('POST', '/api/v1.1/market/orders/list', (req) => this.list(req));
		this.addControl('orders', (body) => {
			this.orders.length = 0;
			this.orders.push(...((body.orders as AltcraftOrder[]) ?? []));
			return { ok: true, orders: this.orders.length };
		});
		this.addControl('set-status', (body) => {
			const order = this.orders.find((o) => o.external_id === body.external_id);
			if (order) this.setStatus(order.external_id, String(body.status));
			return { ok: Boolean(order) };
		});
	}

	addOrder(order: Partial<AltcraftOrder> & { external_id: string; status: string }): AltcraftOrder {
		const full: AltcraftOrder = {
			id: order.id ?? this.orders.length + 1,
			endpoint: order.endpoint ?? 'website',
			update_time: order.update_time ?? new Date(this.clock.now()).toISOString(),
			create_time: order.create_time ?? new Date(this.clock.now()).toISOString(),
			...order,
		};
		this.orders.push(full);
		return full;
	}

	setStatus(externalId: string, status: string): void {
		const order = this.orders.find((o) => o.external_id === externalId);
		if (!order) throw new Error(`no Altcraft order ${externalId}`);
		order.status = status;
		order.update_time = new Date(this.clock.now()).toISOString();
	}

	private envelope(error: number, errorText: string, payload: Record<string, unknown> = {}): SimResponse {
		return json(200, { error, error_text: errorText, ...payload });
	}

	/** Token from the body (documented) or the Bearer header (v74); undefined when missing. */
	private authenticate(req: SimRequest): SimResponse | undefined {
		const body = (req.body ?? {}) as Record<string, unknown>;
		const token = typeof body.token === 'string' && body.token ? body.token : bearerToken(req);
		if (!token) return this.envelope(401, 'API token required');
		if (!this.validTokens.has(token)) return this.envelope(403, 'No access: invalid token');
		return undefined;
	}

	private getStatus(req: SimRequest): SimResponse {
		if (req.body === undefined && req.bodyText) return this.envelope(400, 'Incorrect request: body is not JSON');
		const denied = this.authenticate(req);
		if (denied) return denied;
		const body = (req.body ?? {}) as Record<string, unknown>;
		const hasId = body.id !== undefined;
		const hasExternal = body.external_id !== undefined;
		if (hasId === hasExternal) {
			return this.envelope(400, 'Incorrect request: pass either id or external_id');
		}
		if (hasId && (typeof body.id !== 'number' || !Number.isInteger(body.id))) {
			return this.envelope(400, 'Incorrect request: id must be an integer');
		}
		if (hasExternal && typeof body.external_id !== 'string') {
			return this.envelope(400, 'Incorrect request: external_id must be a string');
		}
		const order = hasId
			? this.orders.find((o) => o.id === body.id)
			: this.orders.find((o) => o.external_id === body.external_id);
		if (!order) return this.envelope(404, 'Order not found');
		const result = { endpoint: order.endpoint, status: order.status };
		return this.envelope(0, '', { result: this.resultShape === 'array' ? [result] : result });
	}

	private list(req: SimRequest): SimResponse {
		const denied = this.authenticate(req);
		if (denied) return denied;
		const body = (req.body ?? {}) as Record<string, unknown>;
		const limit = Math.max(1, Math.min(Number(body.limit ?? 100), 1000));
		const endpoint = typeof body.endpoint === 'string' && body.endpoint ? body.endpoint : undefined;
		const rows = this.orders.filter((o) => !endpoint || o.endpoint === endpoint);
		// The cursor is opaque to clients; here it encodes the index of the next row.
		const fromId = typeof body.from_id === 'string' && body.from_id ? body.from_id : '';
		let start = 0;
		if (fromId) {
			const decoded = /^cur-(\d+)$/.exec(fromId);
			if (!decoded) return this.envelope(400, 'Incorrect request: invalid from_id');
			start = Number(decoded[1]);
		}
		const page = rows.slice(start, start + limit);
		const next = start + page.length < rows.length ? `cur-${start + page.length}` : '';
		return this.envelope(0, '', {
			next_from_id: next,
			result: page.map((o) => ({
				external_id: o.external_id,
				endpoint: o.endpoint,
				status: o.status,
				currency: 'USD',
				total_price: '1000',
				lines: [],
				create_time: o.create_time,
				update_time: o.update_time,
			})),
		});
	}
}
