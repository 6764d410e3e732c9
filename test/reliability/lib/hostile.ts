/**
 * Shared pieces of the hostile-provider scenarios (hostile.scenario.ts): a second origin that records what
 * reaches it, secrets in every encoding and a scan of everything a user or operator can read, a memory sampler,
 * a gzip bomb, per-request fault decisions keyed by (order, attempt), and a guard that ends a run which has
 * exceeded its bound by far (the old request layer would otherwise take minutes, or hours).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createGzip } from 'node:zlib';

import type { IDataObject } from 'n8n-workflow';

import type { CredentialStore, RunResult } from '../../harness/runWorkflow';
import { capturedLogs } from '../../harness/runWorkflow';
import type { Fault, ProviderSimulator, SimRequest, SimResponse } from '../../simulators/framework';
import { PITNEY_BOWES_ROUTES } from '../../simulators/pitneyBowes';
import { PPL_ROUTES } from '../../simulators/ppl';
import type { SenderSimulator } from '../../simulators/sender';
import { execute, type Execution } from './run';
import { basicOf, findSecrets, type Finding } from './secretForms';
import { PB_CLIENT_ID, pbBasic, PPL_CLIENT_ID, SECRETS, type ActionTarget } from './targets';

export const MiB = 1024 * 1024;
/** The contract's bound on the decoded size of one answer. */
export const ANSWER_LIMIT_BYTES = 8 * MiB;

/**
 * A secret with every character the encodings treat differently: `+ / = & " \ ! ~` and a space. Its plain,
 * URL-encoded, form-encoded and JSON-escaped forms all differ.
 */
export const HOSTILE_SECRET = 'Hx7+/q=&"p\\!~ z9-hostile';
/** A secret too short for the old redaction (which skipped anything under 6 characters). */
export const SHORT_SECRET = 'k9Q!';

// ------------------------------------------------------------------ secrets in every encoding

export { basicOf, findSecrets, secretForms, type Finding } from './secretForms';

/** What a secret value is, for the report (never the value itself). */
export function nameOfSecret(value: string): string | undefined {
	for (const [name, secret] of Object.entries(SECRETS)) if (secret === value) return name;
	if (value === HOSTILE_SECRET) return 'the hostile secret';
	if (value === SHORT_SECRET) return 'the short secret';
	if (value.startsWith('pb-sim-token')) return 'a Pitney Bowes access token';
	if (value.startsWith('eyJ')) return 'a PPL access token';
	const decoded = Buffer.from(value, 'base64').toString('utf8');
	if (/^[A-Za-z0-9+/]+=*$/.test(value) && decoded.includes(':')) return `Basic ${decoded.slice(0, decoded.indexOf(':'))}:secret`;
	return undefined;
}

/** Every string inside a value (object keys and values), with its JSON path. */
function stringsOf(value: unknown, path: string, out: Array<{ where: string; text: string }>, depth = 0): void {
	if (depth > 40) return;
	if (typeof value === 'string') out.push({ where: path, text: value });
	else if (Array.isArray(value)) value.forEach((entry, index) => stringsOf(entry, `${path}[${index}]`, out, depth + 1));
	else if (value && typeof value === 'object') {
		for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
			out.push({ where: `${path}.${key} (key)`, text: key });
			stringsOf(entry, `${path}.${key}`, out, depth + 1);
		}
	}
}

/**
 * Everything a user or operator could read after a run, as strings (not JSON text, so a secret with a quote in it
 * is found as itself): every node's output items (raw, details, error items), the run's and the nodes' errors
 * (message, description, serialised form) and the log lines written since `logsFrom`.
 */
export function visibleStrings(result: RunResult, logsFrom: number): Array<{ where: string; text: string }> {
	const out: Array<{ where: string; text: string }> = [];
	stringsOf(result.run.data.resultData.runData, 'runData', out);
	const error = result.error as (Error & { description?: string }) | undefined;
	if (error) {
		out.push({ where: 'run error message', text: String(error.message) });
		out.push({ where: 'run error description', text: String(error.description ?? '') });
		out.push({ where: 'run error (serialised)', text: JSON.stringify(error) });
		stringsOf(JSON.parse(JSON.stringify(error)) as unknown, 'run error', out);
	}
	capturedLogs.slice(logsFrom).forEach((line, index) => out.push({ where: `log line ${index}`, text: line }));
	return out;
}

// ------------------------------------------------------------------ the other origin

export interface Recorded {
	method: string;
	url: string;
	headers: IncomingHttpHeaders;
	body: string;
}

/**
 * "Another origin": a plain HTTP server on another port of 127.0.0.1 (another port is another origin). It
 * records every request (headers and body) and answers with what `answer` says, by default a plausible order
 * status, so that following a redirect here would look like success.
 */
export class OtherOrigin {
	readonly requests: Recorded[] = [];
	answer: (req: Recorded) => { status: number; body: unknown } = () => ({ status: 200, body: {} });
	private server?: Server;
	private readonly sockets = new Set<Socket>();

	async start(): Promise<void> {
		this.server = createServer((req, res) => {
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const recorded: Recorded = {
					method: req.method ?? 'GET',
					url: req.url ?? '/',
					headers: req.headers,
					body: Buffer.concat(chunks).toString('utf8'),
				};
				this.requests.push(recorded);
				const { status, body } = this.answer(recorded);
				res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
				res.end(typeof body === 'string' ? body : JSON.stringify(body));
			});
		});
		this.server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve, reject) => {
			this.server!.once('error', reject);
			this.server!.listen(0, '127.0.0.1', () => resolve());
		});
	}

	async stop(): Promise<void> {
		for (const socket of this.sockets) socket.destroy();
		const server = this.server;
		this.server = undefined;
		if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
	}

	/** `127.0.0.1:<port>`, what an error about a redirect here must name. */
	get hostPort(): string {
		return `127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
	}

	get url(): string {
		return `http://${this.hostPort}`;
	}

	reset(): void {
		this.requests.length = 0;
	}

	/** What the recorded requests carried, as texts to scan for secrets. */
	texts(): Array<{ where: string; text: string }> {
		return this.requests.flatMap((req, index) => [
			{ where: `other origin request ${index} URL`, text: req.url },
			{ where: `other origin request ${index} headers`, text: Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\n') },
			{ where: `other origin request ${index} body`, text: req.body },
		]);
	}
}

// ------------------------------------------------------------------ the providers as these scenarios see them

/** A provider action node plus what the hostile scenarios need to know about it. */
export interface HostileTarget {
	target: ActionTarget;
	/** The HTTP method of the order lookup (a 302 turns a POST into a GET). */
	method: 'GET' | 'POST';
	/** Orders one lookup request asks for (PPL Get Status groups 50 references per request). */
	ordersPerRequest: number;
	/** The credential's token route, for providers that issue OAuth tokens. */
	tokenRoute?: string;
	/** An answer that makes the node stop using the credential at once (the guard's way of ending a run). */
	refusal: Fault;
	/** What the other origin answers to a redirected lookup: a plausible status, as a forger would send. */
	forged(req: Recorded): unknown;
	/** A credential store whose secret field holds `secret` (the simulator need not accept it). */
	storeWithSecret(secret: string): CredentialStore;
	/** The name of that secret field (for messages). */
	secretField: string;
	/** Every form the credential puts `secret` on the wire in beyond the plain value (e.g. Basic). */
	derivedSecrets(secret: string): string[];
}

const refusal401: Fault = {
	kind: 'status',
	status: 401,
	body: { message: 'reliability guard: the run exceeded its bound by far and was stopped' },
};

function pplHostile(target: ActionTarget, batch: boolean): HostileTarget {
	return {
		target,
		method: 'GET',
		ordersPerRequest: batch ? 1 : 50,
		tokenRoute: PPL_ROUTES.token,
		refusal: refusal401,
		forged: (req) =>
			batch
				? { items: [{ referenceId: 'FORGED-1', importState: 'Complete', errorCode: null, errorMessage: null }] }
				: new URL(req.url, 'http://x').searchParams.getAll('OrderReferences').map((referenceId) => ({
						orderNumber: '9999999999',
						orderState: 'Canceled',
						orderType: 'CollectionOrder',
						referenceId,
						shipmentCount: 0,
						realShipmentCount: 0,
						productType: 'BUSS',
						shipmentNumbers: [],
					})),
		storeWithSecret: (secret) => target.newStore({ clientSecret: secret }),
		secretField: 'clientSecret',
		derivedSecrets: (secret) => [basicOf(PPL_CLIENT_ID, secret)],
	};
}

export function hostileTargets(targets: {
	altcraft: ActionTarget;
	pplOrders: ActionTarget;
	pplBatches: ActionTarget;
	pitneyBowes: ActionTarget;
	sender: ActionTarget;
}): HostileTarget[] {
	const { altcraft, pplOrders, pplBatches, pitneyBowes, sender } = targets;
	return [
		{
			target: altcraft,
			method: 'POST',
			ordersPerRequest: 1,
			// Altcraft refuses a token inside an HTTP 200 envelope.
			refusal: {
				kind: 'raw',
				status: 200,
				contentType: 'application/json',
				body: JSON.stringify({ error: 403, error_text: 'reliability guard: the run exceeded its bound by far and was stopped' }),
			},
			forged: () => ({ error: 0, error_text: '', result: { endpoint: 'website', status: 'delivered' } }),
			storeWithSecret: (secret) => altcraft.newStore({ apiToken: secret }),
			secretField: 'apiToken',
			derivedSecrets: () => [],
		},
		pplHostile(pplOrders, false),
		pplHostile(pplBatches, true),
		{
			target: pitneyBowes,
			method: 'GET',
			ordersPerRequest: 1,
			tokenRoute: PITNEY_BOWES_ROUTES.token,
			refusal: refusal401,
			forged: (req) => ({
				clientId: PB_CLIENT_ID,
				orderId: decodeURIComponent(req.url.split('/')[5] ?? ''),
				clientOrderId: 'SO-FORGED',
				customerOrderId: 'WEB-FORGED',
				status: 'DELIVERED',
				isOnHold: false,
				holdReason: [],
			}),
			storeWithSecret: (secret) => pitneyBowes.newStore({ apiSecret: secret }),
			secretField: 'apiSecret',
			derivedSecrets: (secret) => [basicOf(SECRETS.pbApiKey, secret), pbBasic(secret)],
		},
		{
			target: sender,
			method: 'GET',
			ordersPerRequest: 1,
			refusal: refusal401,
			forged: (req) => ({ order_reference: decodeURIComponent(req.url.split('/')[2] ?? ''), status: 'delivered', carrier: 'omniva' }),
			storeWithSecret: (secret) => sender.newStore({ apiKey: secret }),
			secretField: 'apiKey',
			derivedSecrets: () => [],
		},
	];
}

/** The Sender simulator behind a target (to switch it to a custom key header). */
export const senderSim = (target: ActionTarget) => target.sim as SenderSimulator;

// ------------------------------------------------------------------ faults keyed by (order, attempt)

/** Per request key, what each attempt got (a fault name, or null for the real answer). */
export type AttemptLog = Map<string, Array<string | null>>;

/**
 * Installs rules on `route` that decide each request's fault from its key and attempt number (not its arrival
 * order, which changes from run to run), and returns the log of attempts. Does not clear earlier rules.
 */
export function keyedFaults(
	sim: ProviderSimulator,
	route: string,
	keyOf: (req: SimRequest) => string | undefined,
	choose: (key: string, attempt: number) => string | null,
	faults: Record<string, Fault>,
): AttemptLog {
	const log: AttemptLog = new Map();
	const decided = new WeakMap<SimRequest, string | null>();
	const decide = (req: SimRequest): string | null => {
		if (decided.has(req)) return decided.get(req)!;
		const key = keyOf(req);
		let kind: string | null = null;
		if (key !== undefined) {
			const attempts = log.get(key) ?? [];
			kind = choose(key, attempts.length);
			attempts.push(kind);
			log.set(key, attempts);
		}
		decided.set(req, kind);
		return kind;
	};
	for (const [kind, fault] of Object.entries(faults)) sim.injectFault({ route, when: (req) => decide(req) === kind, fault });
	// Requests that get the real answer are logged too (the rule above never matches them).
	sim.injectFault({ route, when: (req) => (decide(req), false), fault: { kind: 'delay', ms: 0 } });
	return log;
}

// ------------------------------------------------------------------ the guard

/**
 * Ends a run that has exceeded its bound by far: from `deadline` on, every request of the simulator (token
 * requests too) is answered with the target's credential refusal, which makes the node stop asking at once.
 * Must be installed first (rules apply in the order added). `tripped` says whether it had to act.
 */
export class Guard {
	private deadline = Infinity;
	tripped = false;
	trippedAt?: number;

	constructor(sim: ProviderSimulator, refusal: Fault) {
		sim.injectFault({
			when: () => {
				if (Date.now() < this.deadline) return false;
				if (!this.tripped) {
					this.tripped = true;
					this.trippedAt = Date.now();
				}
				return true;
			},
			fault: refusal,
		});
	}

	/** Arms the guard to act `ms` from now. */
	arm(ms: number): void {
		this.deadline = Date.now() + ms;
		this.tripped = false;
		this.trippedAt = undefined;
	}

	disarm(): void {
		this.deadline = Infinity;
	}
}

// ------------------------------------------------------------------ memory

export interface MemoryPeak {
	rssIncreaseBytes: number;
	heapIncreaseBytes: number;
	/** heapUsed + external (large strings and buffers live outside the V8 heap): what the run holds. */
	liveIncreaseBytes: number;
	samples: number;
}

/** V8's collector, reached without the --expose-gc flag (before a baseline, so that old garbage does not count). */
function collectGarbage(): void {
	setFlagsFromString('--expose-gc');
	const gc = runInNewContext('gc') as (() => void) | undefined;
	gc?.();
}

/**
 * Samples this process's memory every `everyMs` (the harness runs the node in-process) and reports the peak
 * increase over the baseline taken at `start()`, after a garbage collection. RSS alone misleads after an
 * earlier run bloated the process (freed pages are reused without RSS growing), so the live figure (heap +
 * external) is kept beside it. `onSample` may act on a sample (e.g. abort a bomb far past the bound).
 */
export class MemorySampler {
	private timer?: NodeJS.Timeout;
	private base = { rss: 0, heap: 0, live: 0 };
	private peak = { rss: 0, heap: 0, live: 0 };
	private samples = 0;

	constructor(
		private readonly everyMs = 20,
		private readonly onSample?: (liveIncrease: number) => void,
	) {}

	private static read() {
		const { rss, heapUsed, external } = process.memoryUsage();
		return { rss, heap: heapUsed, live: heapUsed + external };
	}

	start(): void {
		collectGarbage();
		this.base = MemorySampler.read();
		this.peak = { ...this.base };
		this.samples = 0;
		this.timer = setInterval(() => this.sample(), this.everyMs);
	}

	private sample(): void {
		const now = MemorySampler.read();
		this.samples++;
		this.peak = { rss: Math.max(this.peak.rss, now.rss), heap: Math.max(this.peak.heap, now.heap), live: Math.max(this.peak.live, now.live) };
		this.onSample?.(now.live - this.base.live);
	}

	stop(): MemoryPeak {
		if (this.timer) clearInterval(this.timer);
		this.sample();
		return {
			rssIncreaseBytes: this.peak.rss - this.base.rss,
			heapIncreaseBytes: this.peak.heap - this.base.heap,
			liveIncreaseBytes: this.peak.live - this.base.live,
			samples: this.samples,
		};
	}
}

export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

// ------------------------------------------------------------------ bodies

/**
 * A gzip bomb: `{"padding":"<decodedBytes spaces>"}` compressed, built by streaming one reused 1 MiB chunk
 * through gzip (never the whole decoded text in memory). 200 MB of spaces compress to about 200 KB.
 */
export async function gzipBomb(decodedBytes: number): Promise<Buffer> {
	const gzip = createGzip({ level: 9 });
	const out: Buffer[] = [];
	gzip.on('data', (chunk: Buffer) => out.push(chunk));
	const done = new Promise<void>((resolve, reject) => {
		gzip.on('end', resolve);
		gzip.on('error', reject);
	});
	const head = Buffer.from('{"padding":"');
	const tail = Buffer.from('"}');
	const chunk = Buffer.alloc(MiB, 0x20);
	const write = async (buffer: Buffer) => {
		if (!gzip.write(buffer)) await new Promise<void>((resolve) => gzip.once('drain', resolve));
	};
	await write(head);
	let left = decodedBytes - head.length - tail.length;
	while (left > 0) {
		const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
		await write(piece);
		left -= piece.length;
	}
	gzip.end(tail);
	await done;
	return Buffer.concat(out);
}

/** The route's own JSON answer padded to `totalBytes` (a `padding` field on the object, or its first element). */
export function padded(totalBytes: number): Fault {
	return {
		kind: 'transform',
		transform: (response: SimResponse) => {
			const body = response.body as unknown;
			const base = JSON.stringify(body);
			const padding = ' '.repeat(Math.max(0, totalBytes - base.length - 16));
			const withPadding = Array.isArray(body)
				? body.map((entry, index) => (index === 0 ? { ...(entry as IDataObject), padding } : entry))
				: { ...(body as IDataObject), padding };
			return { ...response, body: JSON.stringify(withPadding), headers: { ...response.headers, 'content-type': 'application/json' } };
		},
	};
}

/** The route's own answer cut in half (status 200 kept). */
export const truncatedAnswer: Fault = {
	kind: 'transform',
	transform: (response: SimResponse) => {
		const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
		return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: text.slice(0, Math.floor(text.length / 2)) };
	},
};

export const maintenancePage: Fault = {
	kind: 'raw',
	status: 200,
	contentType: 'text/html; charset=utf-8',
	body: '<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We will be back soon</h1></body></html>',
};

// ------------------------------------------------------------------ running

export interface HostileRun extends Execution {
	/** Secrets found in anything visible (every form, short ones too). */
	findings: Finding[];
}

/** `execute` (which scans for the plain secrets) plus the scan of every form of `secrets`. */
export async function run(
	target: ActionTarget,
	workflow: Parameters<typeof execute>[1],
	store: CredentialStore,
	input: IDataObject[],
	context: string,
	secrets: readonly string[] = [],
): Promise<HostileRun> {
	const logsFrom = capturedLogs.length;
	const execution = await execute(target, workflow, store, input, context);
	const findings = findSecrets(visibleStrings(execution.result, logsFrom), [...target.secrets(), ...secrets], nameOfSecret);
	return { ...execution, findings };
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
