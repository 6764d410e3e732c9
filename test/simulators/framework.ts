/**
 * A small framework for provider simulators: real HTTP servers on 127.0.0.1 with routes, controllable
 * latency, a provider-style rate limit (429 + Retry-After), fault injection and request counters.
 *
 * A provider simulator (e.g. altcraft.ts) creates a `ProviderSimulator`, registers its documented routes and
 * keeps its orders as data that tests set up. Tests read `stats` and `requests` to prove what the node did.
 * Every simulator also serves a control API under `/__sim/` so that processes other than the test (a real n8n,
 * the benchmark) can set orders and faults and read counters.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SimRequest {
	method: string;
	/** Raw path as received, percent-encoding intact (what the node really sent). */
	rawPath: string;
	/** Path with each segment percent-decoded. */
	path: string;
	query: URLSearchParams;
	headers: IncomingMessage['headers'];
	bodyText: string;
	/** Parsed body: JSON object, form fields as an object, or undefined. */
	body: unknown;
	/** Route parameters (`:name` in the pattern), decoded. */
	params: Record<string, string>;
	receivedAt: number;
	/** Which route matched (`METHOD pattern`), or undefined when none did. */
	route?: string;
	/**
	 * True when the client closed the connection before the simulator answered or dropped it (e.g. the node's
	 * request timeout cut off a `hang` fault): what a test checks instead of timing the request.
	 */
	closedByClient?: boolean;
}

export interface SimResponse {
	status: number;
	headers?: Record<string, string>;
	/** An object is sent as JSON; a string or Buffer as-is (set content-type in headers). */
	body?: unknown;
}

export type RouteHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

/** What a fault does to a request instead of (or on top of) the normal answer. */
export type Fault =
	| { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
	| { kind: 'reset' }
	| { kind: 'hang'; ms?: number }
	| { kind: 'raw'; status?: number; contentType: string; body: string | Buffer; headers?: Record<string, string> }
	| { kind: 'delay'; ms: number }
	/** A 3xx answer whose Location is given or computed from the request (e.g. the same path on another origin). */
	| { kind: 'redirect'; status: number; location: string | ((req: SimRequest) => string) }
	/**
	 * Headers at once, then `bytes` bytes of `byte` (default a space: JSON allows leading whitespace), one every
	 * `intervalMs`, then `body`, or the route's own answer body when `body` is not given (its status is not used:
	 * the status went out with the headers). Stops when the client goes away.
	 */
	| {
			kind: 'drip';
			status?: number;
			contentType?: string;
			headers?: Record<string, string>;
			intervalMs: number;
			bytes: number;
			byte?: string;
			body?: string | Buffer;
	  }
	/** A body written in chunks of `chunkBytes` every `intervalMs` (e.g. a gzip bomb); see `abortStreams()`. */
	| { kind: 'stream'; status?: number; headers: Record<string, string>; body: Buffer; chunkBytes: number; intervalMs: number }
	/** An answer computed from the request (in-process tests only: functions do not travel over the control API). */
	| { kind: 'respond'; respond: (req: SimRequest) => SimResponse | Promise<SimResponse> }
	/** The route's own answer, changed (e.g. padded, echoing the request, cut short). In-process tests only. */
	| { kind: 'transform'; transform: (response: SimResponse, req: SimRequest) => SimResponse | Promise<SimResponse> }
	/**
	 * Holds the request until `until` settles, then answers it normally: answers arrive out of order because the
	 * test says so, not because one timer outran another (not available through the control API).
	 */
	| { kind: 'hold'; until: Promise<unknown> };

export interface FaultRule {
	fault: Fault;
	/** Only requests of this route (`METHOD pattern`, e.g. `POST /api/v1.1/market/orders/get_status`). */
	route?: string;
	/** Only requests for which this returns true. */
	when?: (req: SimRequest) => boolean;
	/** Apply to this many matching requests, then retire the rule (default: unlimited). */
	times?: number;
	/** Apply to this fraction of matching requests (0..1), drawn from the simulator's seeded random. */
	ratio?: number;
}

export interface RateLimit {
	/** Requests allowed per window. */
	limit: number;
	/** Window length in milliseconds (default 1000). */
	windowMs?: number;
	/** Value of the Retry-After header in seconds (default: until the window frees up, at least 1). */
	retryAfterSeconds?: number;
	/** Which routes count (default: all routes except those marked `rateLimited: false`). */
	routes?: string[];
	/** The body of the 429 answer. */
	body?: unknown;
}

export interface SimulatorStats {
	requests: number;
	byRoute: Record<string, number>;
	byStatus: Record<string, number>;
	rateLimited: number;
	faultsInjected: number;
	unmatched: number;
	maxConcurrent: number;
}

interface Route {
	method: string;
	pattern: string;
	regex: RegExp;
	paramNames: string[];
	handler: RouteHandler;
	rateLimited: boolean;
}

/** A tiny deterministic PRNG (mulberry32) so fault ratios are reproducible. */
export function seededRandom(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/**
 * Time as a simulator sees it: request arrival times, rate windows, token lifetimes, scheduled state changes.
 * Real by default; a test passes a `ManualClock` and moves time by hand, so nothing it asserts depends on how
 * fast the machine is. (Simulated network latency and delay/hang faults stay on real timers: they exist to make
 * requests overlap, not to model the provider's time.)
 */
export interface SimClock {
	/** Milliseconds since the epoch, as `Date.now()`. */
	now(): number;
	/** Runs `callback` once, when the clock has reached `now() + ms`; returns a function that cancels it. */
	setTimer(callback: () => void, ms: number): () => void;
}

/** The machine's clock and timers. */
export const realClock: SimClock = {
	now: () => Date.now(),
	setTimer: (callback, ms) => {
		const timer = setTimeout(callback, ms);
		return () => clearTimeout(timer);
	},
};

/**
 * A clock that stands still until a test moves it. `advance(ms)` runs every timer that falls due on the way, in
 * due order (equal due times in the order they were set), each with `now()` reading exactly its due time.
 */
export class ManualClock implements SimClock {
	private current: number;
	private sequence = 0;
	private timers: Array<{ at: number; sequence: number; callback: () => void }> = [];

	/** Starts at `start` (default 2025-01-06T09:00:00Z, so tests never read the machine's clock). */
	constructor(start = Date.UTC(2025, 0, 6, 9, 0, 0)) {
		this.current = start;
	}

	now(): number {
		return this.current;
	}

	setTimer(callback: () => void, ms: number): () => void {
		const timer = { at: this.current + Math.max(0, ms), sequence: ++this.sequence, callback };
		this.timers.push(timer);
		return () => {
			this.timers = this.timers.filter((candidate) => candidate !== timer);
		};
	}

	/** Moves time forward by `ms`, running the timers that fall due on the way. */
	advance(ms: number): void {
		if (!(ms >= 0)) throw new Error(`ManualClock.advance needs ms >= 0, got ${ms}`);
		const target = this.current + ms;
		for (;;) {
			const due = this.timers
				.filter((timer) => timer.at <= target)
				.sort((a, b) => a.at - b.at || a.sequence - b.sequence)[0];
			if (!due) break;
			this.timers = this.timers.filter((timer) => timer !== due);
			this.current = Math.max(this.current, due.at);
			due.callback();
		}
		this.current = target;
	}

	/** Timers set and not yet run or cancelled. */
	get pendingTimers(): number {
		return this.timers.length;
	}
}

const sleepMs = async (ms: number) => await new Promise<void>((resolve) => setTimeout(resolve, ms));

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
	return { status, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
}

export class ProviderSimulator {
	readonly name: string;
	private readonly routes: Route[] = [];
	private faults: Array<FaultRule & { used: number }> = [];
	private server?: Server;
	private readonly sockets = new Set<Socket>();
	private readonly pendingTimers = new Set<NodeJS.Timeout>();
	/** `waitForRequest` calls still waiting. */
	private readonly requestWaiters = new Set<(req: SimRequest) => void>();
	/** Responses whose connection the simulator itself destroyed (reset / hang faults). */
	private readonly droppedBySimulator = new WeakSet<ServerResponse>();
	private rateWindow: number[] = [];
	/** Answers a `stream` fault is writing (`abortStreams()` drops them). */
	private readonly streaming = new Set<ServerResponse>();
	private inFlight = 0;
	private random: () => number;

	latencyMs = 0;
	rateLimit?: RateLimit;
	/** The provider's time (see SimClock). */
	readonly clock: SimClock;
	/** Every request received, in arrival order (bodies included: tests scan them). */
	readonly requests: SimRequest[] = [];
	/** Requests that matched no documented route: a node test fails when this is not empty. */
	readonly unmatched: SimRequest[] = [];
	stats: SimulatorStats = ProviderSimulator.emptyStats();
	/** Keep at most this many requests in `requests` (benchmarks send many). */
	maxLoggedRequests = 20_000;

	constructor(
		name: string,
		options: { latencyMs?: number; rateLimit?: RateLimit; seed?: number; clock?: SimClock } = {},
	) {
		this.name = name;
		this.clock = options.clock ?? realClock;
		this.latencyMs = options.latencyMs ?? 0;
		this.rateLimit = options.rateLimit;
		this.random = seededRandom(options.seed ?? 42);
	}

	private static emptyStats(): SimulatorStats {
		return {
			requests: 0,
			byRoute: {},
			byStatus: {},
			rateLimited: 0,
			faultsInjected: 0,
			unmatched: 0,
			maxConcurrent: 0,
		};
	}

	/** Registers a route. `pattern` uses `:name` for a path segment, e.g. `/order/batch/:batchId`. */
	route(method: string, pattern: string, handler: RouteHandler, options: { rateLimited?: boolean } = {}): this {
		const paramNames: string[] = [];
		const regex = new RegExp(
			'^' +
				pattern
					.split('/')
					.map((segment) => {
						if (segment.startsWith(':')) {
							paramNames.push(segment.slice(1));
							return '([^/]+)';
						}
						return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
					})
					.join('/') +
				'/?$',
		);
		this.routes.push({
			method: method.toUpperCase(),
			pattern,
			regex,
			paramNames,
			handler,
			rateLimited: options.rateLimited ?? true,
		});
		return this;
	}

	/** Adds a fault rule; rules are checked in the order added, the first match applies. */
	injectFault(rule: FaultRule): this {
		this.faults.push({ ...rule, used: 0 });
		return this;
	}

	clearFaults(): this {
		this.faults = [];
		return this;
	}

	/** Clears counters and the request log (not the data or the faults). */
	resetStats(): this {
		this.stats = ProviderSimulator.emptyStats();
		this.requests.length = 0;
		this.unmatched.length = 0;
		this.rateWindow = [];
		return this;
	}

	reseed(seed: number): this {
		this.random = seededRandom(seed);
		return this;
	}

	/**
	 * Resolves with the first request to a documented route that `matches` (params set), as it arrives, or at once when one is
	 * already in `requests`. `timeoutMs` only guards against a test that would hang; the error names `description`.
	 */
	async waitForRequest(
		matches: (req: SimRequest) => boolean,
		description: string,
		timeoutMs = 30_000,
	): Promise<SimRequest> {
		const seen = this.requests.find(matches);
		if (seen) return seen;
		return await new Promise<SimRequest>((resolve, reject) => {
			const waiter = (req: SimRequest) => {
				if (!matches(req)) return;
				clearTimeout(guard);
				this.requestWaiters.delete(waiter);
				resolve(req);
			};
			const guard = setTimeout(() => {
				this.requestWaiters.delete(waiter);
				reject(
					new Error(`${this.name} simulator: waited ${timeoutMs} ms for ${description}, and it never came (${this.stats.requests} requests so far)`),
				);
			}, timeoutMs);
			this.requestWaiters.add(waiter);
		});
	}

	/** Count of requests that matched `route` (`METHOD pattern`). */
	count(route: string): number {
		return this.stats.byRoute[route] ?? 0;
	}

	get url(): string {
		const address = this.server?.address() as AddressInfo | null;
		if (!address) throw new Error(`${this.name} simulator is not running`);
		return `http://127.0.0.1:${address.port}`;
	}

	/** Control API hook: providers add their own `/__sim/...` commands (e.g. set orders). */
	protected controlHandlers: Record<string, (body: Record<string, unknown>) => unknown> = {};

	addControl(command: string, handler: (body: Record<string, unknown>) => unknown): this {
		this.controlHandlers[command] = handler;
		return this;
	}

	async start(port = 0): Promise<string> {
		this.server = createServer((req, res) => void this.handle(req, res));
		this.server.keepAliveTimeout = 5000;
		this.server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve, reject) => {
			this.server!.once('error', reject);
			this.server!.listen(port, '127.0.0.1', () => resolve());
		});
		return this.url;
	}

	async stop(): Promise<void> {
		for (const timer of this.pendingTimers) clearTimeout(timer);
		this.pendingTimers.clear();
		for (const socket of this.sockets) socket.destroy();
		this.sockets.clear();
		const server = this.server;
		this.server = undefined;
		if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
	}

	private async readBody(req: IncomingMessage): Promise<string> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks).toString('utf8');
	}

	private parseBody(text: string, contentType: string | undefined): unknown {
		if (!text) return undefined;
		if (contentType?.includes('application/x-www-form-urlencoded')) {
			return Object.fromEntries(new URLSearchParams(text));
		}
		try {
			return JSON.parse(text);
		} catch {
			return undefined;
		}
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		this.inFlight++;
		this.stats.maxConcurrent = Math.max(this.stats.maxConcurrent, this.inFlight);
		res.on('close', () => this.inFlight--);
		try {
			const rawUrl = req.url ?? '/';
			const queryStart = rawUrl.indexOf('?');
			const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
			const bodyText = await this.readBody(req);
			let path: string;
			try {
				path = rawPath.split('/').map(decodeURIComponent).join('/');
			} catch {
				path = rawPath;
			}
			const simReq: SimRequest = {
				method: (req.method ?? 'GET').toUpperCase(),
				rawPath,
				path,
				query: new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1)),
				headers: req.headers,
				bodyText,
				body: this.parseBody(bodyText, req.headers['content-type']),
				params: {},
				receivedAt: this.clock.now(),
			};
			res.on('close', () => {
				if (!res.writableFinished && !this.droppedBySimulator.has(res)) simReq.closedByClient = true;
			});

			if (rawPath.startsWith('/__sim/')) {
				this.send(res, this.control(rawPath.slice('/__sim/'.length), simReq));
				return;
			}

			this.stats.requests++;
			if (this.requests.length < this.maxLoggedRequests) this.requests.push(simReq);

			// Match on the raw path: a `%2F` inside an id must stay inside its segment, as on a real server.
			const route = this.routes.find((r) => r.method === simReq.method && r.regex.test(rawPath));
			if (!route) {
				this.stats.unmatched++;
				this.unmatched.push(simReq);
				this.send(res, json(404, { error: 'no such route', method: simReq.method, path: rawPath }));
				return;
			}
			const routeKey = `${route.method} ${route.pattern}`;
			simReq.route = routeKey;
			const match = route.regex.exec(rawPath)!;
			route.paramNames.forEach((name, i) => {
				try {
					simReq.params[name] = decodeURIComponent(match[i + 1]);
				} catch {
					simReq.params[name] = match[i + 1];
				}
			});
			this.stats.byRoute[routeKey] = (this.stats.byRoute[routeKey] ?? 0) + 1;
			for (const waiter of [...this.requestWaiters]) waiter(simReq);

			if (this.latencyMs > 0) await this.wait(this.latencyMs);

			if (route.rateLimited && this.isRateLimited(routeKey)) {
				this.stats.rateLimited++;
				const retryAfter = this.retryAfterSeconds();
				this.send(
					res,
					json(429, this.rateLimit?.body ?? { error: 'Too Many Requests' }, { 'retry-after': String(retryAfter) }),
				);
				return;
			}

			const fault = this.pickFault(simReq);
			if (fault) {
				this.stats.faultsInjected++;
				const handled = await this.applyFault(fault, req, res, simReq, async () => await route.handler(simReq));
				if (handled) return;
			}

			const response = await route.handler(simReq);
			this.send(res, response);
		} catch (error) {
			this.send(res, json(500, { error: 'simulator failure', message: (error as Error).message }));
		}
	}

	private wait(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.pendingTimers.delete(timer);
				resolve();
			}, ms);
			this.pendingTimers.add(timer);
		});
	}

	private isRateLimited(routeKey: string): boolean {
		const limit = this.rateLimit;
		if (!limit) return false;
		if (limit.routes && !limit.routes.includes(routeKey)) return false;
		const now = this.clock.now();
		const windowMs = limit.windowMs ?? 1000;
		while (this.rateWindow.length && this.rateWindow[0] <= now - windowMs) this.rateWindow.shift();
		if (this.rateWindow.length >= limit.limit) return true;
		this.rateWindow.push(now);
		return false;
	}

	private retryAfterSeconds(): number {
		const limit = this.rateLimit!;
		if (limit.retryAfterSeconds !== undefined) return limit.retryAfterSeconds;
		const windowMs = limit.windowMs ?? 1000;
		const now = this.clock.now();
		const freeAt = (this.rateWindow[0] ?? now) + windowMs;
		return Math.max(1, Math.ceil((freeAt - now) / 1000));
	}

	private pickFault(req: SimRequest): Fault | undefined {
		for (const rule of this.faults) {
			if (rule.times !== undefined && rule.used >= rule.times) continue;
			if (rule.route && rule.route !== req.route) continue;
			if (rule.when && !rule.when(req)) continue;
			if (rule.ratio !== undefined && this.random() >= rule.ratio) continue;
			rule.used++;
			return rule.fault;
		}
		return undefined;
	}

	/** Drops every answer a `stream` fault is still writing (the client sees its connection close mid-body). */
	abortStreams(): number {
		const count = this.streaming.size;
		for (const res of this.streaming) res.socket?.destroy();
		this.streaming.clear();
		return count;
	}

	/** Returns true when the fault produced the whole answer. */
	private async applyFault(
		fault: Fault,
		req: IncomingMessage,
		res: ServerResponse,
		simReq: SimRequest,
		routeAnswer: () => Promise<SimResponse>,
	): Promise<boolean> {
		switch (fault.kind) {
			case 'status':
				this.send(res, {
					status: fault.status,
					headers: { 'content-type': 'application/json; charset=utf-8', ...fault.headers },
					body: fault.body ?? { error: `injected ${fault.status}` },
				});
				return true;
			case 'reset':
				this.droppedBySimulator.add(res);
				req.socket.destroy();
				return true;
			case 'hang':
				// Never answer (or answer nothing until ms passed, then drop the connection).
				await this.wait(fault.ms ?? 3_600_000);
				this.droppedBySimulator.add(res);
				req.socket.destroy();
				return true;
			case 'raw':
				this.send(res, {
					status: fault.status ?? 200,
					headers: { 'content-type': fault.contentType, ...fault.headers },
					body: fault.body,
				});
				return true;
			case 'delay':
				await this.wait(fault.ms);
				return false;
			case 'hold':
				// A rejected `until` (e.g. waitForRequest gave up) releases the request too; the test sees the rejection.
				await fault.until.then(
					() => undefined,
					() => undefined,
				);
				return false;
			case 'redirect': {
				const location = typeof fault.location === 'function' ? fault.location(simReq) : fault.location;
				this.send(res, { status: fault.status, headers: { location, 'content-type': 'text/plain' }, body: `Redirecting to ${location}` });
				return true;
			}
			case 'respond':
				this.send(res, await fault.respond(simReq));
				return true;
			case 'transform':
				this.send(res, await fault.transform(await routeAnswer(), simReq));
				return true;
			case 'drip':
				await this.drip(fault, res, routeAnswer);
				return true;
			case 'stream':
				await this.stream(fault, res);
				return true;
		}
	}

	private gone(res: ServerResponse): boolean {
		return res.destroyed || res.writableEnded || !this.server;
	}

	private async drip(fault: Extract<Fault, { kind: 'drip' }>, res: ServerResponse, routeAnswer: () => Promise<SimResponse>): Promise<void> {
		const status = fault.status ?? 200;
		this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
		res.writeHead(status, { 'content-type': fault.contentType ?? 'application/json; charset=utf-8', ...fault.headers });
		res.flushHeaders();
		const byte = fault.byte ?? ' ';
		for (let sent = 0; sent < fault.bytes; sent++) {
			if (this.gone(res)) return;
			res.write(byte);
			await this.wait(fault.intervalMs);
		}
		if (this.gone(res)) return;
		const body = fault.body ?? (await routeAnswer()).body;
		res.end(Buffer.isBuffer(body) || typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body));
	}

	private async stream(fault: Extract<Fault, { kind: 'stream' }>, res: ServerResponse): Promise<void> {
		const status = fault.status ?? 200;
		this.stats.byStatus[status] = (this.stats.byStatus[status] ?? 0) + 1;
		res.writeHead(status, { ...fault.headers, 'content-length': String(fault.body.length) });
		this.streaming.add(res);
		res.on('close', () => this.streaming.delete(res));
		for (let offset = 0; offset < fault.body.length; offset += fault.chunkBytes) {
			if (this.gone(res)) return;
			res.write(fault.body.subarray(offset, offset + fault.chunkBytes));
			if (fault.intervalMs > 0) await this.wait(fault.intervalMs);
		}
		this.streaming.delete(res);
		if (!this.gone(res)) res.end();
	}

	private send(res: ServerResponse, response: SimResponse): void {
		if (res.headersSent || res.destroyed) return;
		this.stats.byStatus[response.status] = (this.stats.byStatus[response.status] ?? 0) + 1;
		const headers = { ...response.headers };
		let payload: string | Buffer = '';
		if (Buffer.isBuffer(response.body) || typeof response.body === 'string') {
			payload = response.body;
		} else if (response.body !== undefined) {
			payload = JSON.stringify(response.body);
			headers['content-type'] ??= 'application/json; charset=utf-8';
		}
		res.writeHead(response.status, headers);
		res.end(payload);
	}

	/** The control API (`/__sim/<command>`), for processes that cannot hold the simulator object. */
	private control(command: string, req: SimRequest): SimResponse {
		const body = (req.body ?? {}) as Record<string, unknown>;
		switch (command) {
			case 'stats':
				return json(200, { ...this.stats, unmatchedRequests: this.unmatched.map((r) => `${r.method} ${r.rawPath}`) });
			case 'reset':
				this.resetStats();
				this.clearFaults();
				return json(200, { ok: true });
			case 'latency':
				this.latencyMs = Number(body.ms ?? 0);
				return json(200, { ok: true });
			case 'rate-limit':
				this.rateLimit = body.limit ? (body as unknown as RateLimit) : undefined;
				return json(200, { ok: true });
			case 'faults': {
				// Serializable faults only: { fault, route?, times?, ratio? }.
				const rules = (Array.isArray(body.rules) ? body.rules : []) as FaultRule[];
				this.clearFaults();
				rules.forEach((rule) => this.injectFault(rule));
				return json(200, { ok: true, rules: rules.length });
			}
			default: {
				const handler = this.controlHandlers[command];
				if (!handler) return json(404, { error: `unknown control command ${command}` });
				return json(200, handler(body) ?? { ok: true });
			}
		}
	}
}

/**
 * Issues and checks OAuth-style bearer tokens for simulators of providers with a token endpoint:
 * expiry, revocation and a limit on token requests per minute (PPL allows 12).
 */
export class TokenIssuer {
	private readonly tokens = new Map<string, number>();
	private issueTimes: number[] = [];
	private counter = 0;
	/** Token requests answered with a token. */
	issued = 0;
	/** Token requests refused for the per-minute limit. */
	refusedForRate = 0;

	constructor(
		private readonly prefix: string,
		public lifetimeSeconds: number,
		public maxPerMinute = Infinity,
		private readonly clock: SimClock = realClock,
	) {}

	/** Returns a new token, or undefined when the per-minute limit is reached. */
	issue(): { token: string; expiresIn: number } | undefined {
		const now = this.clock.now();
		this.issueTimes = this.issueTimes.filter((t) => t > now - 60_000);
		if (this.issueTimes.length >= this.maxPerMinute) {
			this.refusedForRate++;
			return undefined;
		}
		this.issueTimes.push(now);
		this.issued++;
		const token = `${this.prefix}-${++this.counter}-${Math.random().toString(36).slice(2, 10)}`;
		this.tokens.set(token, now + this.lifetimeSeconds * 1000);
		return { token, expiresIn: this.lifetimeSeconds };
	}

	check(token: string | undefined): 'valid' | 'expired' | 'invalid' {
		if (!token) return 'invalid';
		const expiresAt = this.tokens.get(token);
		if (expiresAt === undefined) return 'invalid';
		return expiresAt > this.clock.now() ? 'valid' : 'expired';
	}

	/** Invalidates every token issued so far (simulates a revocation or a server-side rotation). */
	revokeAll(): void {
		this.tokens.clear();
	}

	/** Makes every current token expire now. */
	expireAll(): void {
		for (const token of this.tokens.keys()) this.tokens.set(token, 0);
	}

	resetCounters(): void {
		this.issued = 0;
		this.refusedForRate = 0;
		this.issueTimes = [];
	}
}

export function bearerToken(req: SimRequest): string | undefined {
	const header = req.headers.authorization;
	if (!header || !header.startsWith('Bearer ')) return undefined;
	return header.slice('Bearer '.length);
}

export { sleepMs };
