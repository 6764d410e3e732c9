import type { IHttpRequestOptions } from 'n8n-workflow';

import type { Clock } from './clock';

/**
 * One attempt of one HTTP request, through an n8n helper (`httpRequestWithAuthentication` for API calls,
 * `httpRequest` for token requests), under three rules that n8n's helpers do not apply on their own:
 *
 * - a hard deadline for the whole attempt, headers and body together: axios' `timeout` restarts with every byte,
 *   so an answer dripping one byte a second would hold the attempt for ever;
 * - a bound on the decoded size of the answer: gzip is unpacked as it arrives, and reading stops (and the
 *   connection is dropped) as soon as the bound is passed, so a compressed bomb never fills the memory;
 * - no redirect is followed by n8n (it would re-send the credential to any host): a redirect to the same origin
 *   is followed here, a few hops at most, and one to another origin ends the attempt with the target host named.
 */

/** Far above any real status answer (a page of 1,000 orders is well under 2 MiB), far below a memory problem. */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** Same-origin redirects followed in one attempt. */
export const MAX_SAME_ORIGIN_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export type HttpSend = (options: IHttpRequestOptions) => Promise<unknown>;

export interface TransportRules {
	/** The attempt's hard deadline in milliseconds (headers and body, redirect hops included). */
	deadlineMs: number;
	/**
	 * A tighter limit for the body, counted from the headers' arrival (an attempt whose deadline also covers a token
	 * request n8n makes before sending it: a drip after quick headers then still ends within the request's own time).
	 */
	bodyMs?: number;
	maxAnswerBytes?: number;
	/** `sameOrigin`: follow redirects within the origin; `never`: any redirect ends the attempt (token requests). */
	redirects: 'sameOrigin' | 'never';
}

export interface RawAnswer {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	/** The decoded body as text. */
	text: string;
}

export type TransportFailureKind = 'deadline' | 'tooLarge' | 'redirect' | 'network';

/** An attempt that got no usable answer. Its message is ours and carries nothing from the request. */
export class TransportFailure extends Error {
	constructor(
		readonly kind: TransportFailureKind,
		message: string,
		readonly extra: {
			/** A network error code (ECONNRESET, ...); ETIMEDOUT for a missed deadline. */
			code?: string;
			/** `host:port` a refused redirect pointed to. */
			targetHost?: string;
			/** The original failure (network errors only), kept for messages a credential helper wrote. */
			cause?: unknown;
		} = {},
	) {
		super(message);
		this.name = 'TransportFailure';
	}
}

/** Sends one attempt under the rules above; resolves with any HTTP answer that is not a redirect to follow. */
export async function sendAttempt(
	send: HttpSend,
	options: IHttpRequestOptions,
	rules: TransportRules,
	clock: Clock,
): Promise<RawAnswer> {
	const deadline = clock.deadline(rules.deadlineMs);
	const maxBytes = rules.maxAnswerBytes ?? MAX_ANSWER_BYTES;
	let current: IHttpRequestOptions = options;
	for (let hop = 0; ; hop++) {
		const answer = await exchange(send, current, deadline, rules.deadlineMs);
		const location = headerValue(answer.headers, 'location');
		if (!REDIRECT_STATUSES.has(answer.statusCode) || location === undefined) {
			const bodyDeadline = rules.bodyMs === undefined ? deadline : earliest(deadline, clock.deadline(rules.bodyMs));
			return {
				statusCode: answer.statusCode,
				headers: answer.headers,
				text: await readBody(answer.body, maxBytes, bodyDeadline, rules.bodyMs ?? rules.deadlineMs),
			};
		}
		discard(answer.body);
		const origin = originOf(options.url);
		const target = resolveLocation(location, current.url);
		const targetHost = target ? target.host : location.slice(0, 100);
		if (rules.redirects === 'never' || !target || target.origin !== origin) {
			throw new TransportFailure(
				'redirect',
				`the answer was a redirect (HTTP ${answer.statusCode}) to ${target && target.origin !== origin ? 'another host, ' : ''}${targetHost}`,
				{ targetHost },
			);
		}
		if (hop >= MAX_SAME_ORIGIN_REDIRECTS) {
			throw new TransportFailure('redirect', `more than ${MAX_SAME_ORIGIN_REDIRECTS} redirects within ${target.host}`, {
				targetHost: target.host,
			});
		}
		current = redirectedOptions(current, answer.statusCode, target.href);
	}
}

interface Exchanged {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

async function exchange(send: HttpSend, options: IHttpRequestOptions, deadline: AbortSignal, deadlineMs: number): Promise<Exchanged> {
	if (deadline.aborted) throw missedDeadline(deadlineMs);
	const outcome = await send({
		...options,
		abortSignal: deadline,
		disableFollowRedirect: true,
		encoding: 'stream',
		returnFullResponse: true,
	}).then(
		(full) => ({ full: full as { statusCode?: number; headers?: Exchanged['headers']; body?: unknown } }),
		(error: unknown) => ({ error }),
	);
	if ('full' in outcome) {
		const { full } = outcome;
		return { statusCode: Number(full.statusCode ?? 200), headers: plainHeaders(full.headers), body: full.body };
	}
	// With `ignoreHttpStatusErrors` off (a token refresh), an HTTP error status arrives as a thrown error.
	const answered = responseOfError(outcome.error);
	if (answered) return answered;
	const code = networkCodeOf(outcome.error);
	// Only the cancellation our deadline caused is a missed deadline: a credential's preAuthentication that failed
	// meanwhile keeps its own words.
	if (deadline.aborted && code === 'ERR_CANCELED') throw missedDeadline(deadlineMs);
	throw new TransportFailure('network', code ?? 'the request failed', { code, cause: outcome.error });
}

/** A signal that aborts when the first of two does. */
function earliest(a: AbortSignal, b: AbortSignal): AbortSignal {
	const controller = new AbortController();
	const abort = () => controller.abort();
	if (a.aborted || b.aborted) abort();
	a.addEventListener('abort', abort, { once: true });
	b.addEventListener('abort', abort, { once: true });
	return controller.signal;
}

function missedDeadline(deadlineMs: number): TransportFailure {
	return new TransportFailure('deadline', `no complete answer within ${deadlineMs} ms`, { code: 'ETIMEDOUT' });
}

/** The HTTP answer inside an error n8n threw for a non-2xx status (n8n wraps the axios error as `cause`). */
function responseOfError(error: unknown): Exchanged | undefined {
	for (const candidate of [error, (error as { cause?: unknown })?.cause]) {
		const response = (candidate as { response?: { status?: number; headers?: unknown; data?: unknown } })?.response;
		if (response && typeof response.status === 'number') {
			return { statusCode: response.status, headers: plainHeaders(response.headers), body: response.data };
		}
	}
	return undefined;
}

export function networkCodeOf(error: unknown): string | undefined {
	for (const candidate of [(error as { cause?: unknown })?.cause, error]) {
		const code = (candidate as { code?: unknown })?.code;
		if (typeof code === 'string' && /^[A-Z0-9_]+$/.test(code)) return code;
	}
	return undefined;
}

function plainHeaders(headers: unknown): Exchanged['headers'] {
	if (!headers || typeof headers !== 'object') return {};
	const plain: Exchanged['headers'] = {};
	for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
		if (typeof value === 'string' || Array.isArray(value)) plain[name.toLowerCase()] = value as string | string[];
		else if (typeof value === 'number') plain[name.toLowerCase()] = String(value);
	}
	return plain;
}

function headerValue(headers: Exchanged['headers'], name: string): string | undefined {
	const value = headers[name];
	const first = Array.isArray(value) ? value[0] : value;
	return typeof first === 'string' && first !== '' ? first : undefined;
}

/** A Node.js readable stream, as n8n's helpers return a body with `encoding: 'stream'`. */
interface BodyStream {
	on(event: 'data', listener: (chunk: unknown) => void): unknown;
	on(event: 'end' | 'close', listener: () => void): unknown;
	on(event: 'error', listener: (error: unknown) => void): unknown;
	removeAllListeners?(event?: string): unknown;
	destroy(error?: Error): void;
	readableEnded?: boolean;
}

function isStream(body: unknown): body is BodyStream {
	return (
		typeof body === 'object' &&
		body !== null &&
		typeof (body as { destroy?: unknown }).destroy === 'function' &&
		typeof (body as { on?: unknown }).on === 'function' &&
		typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
	);
}

function discard(body: unknown): void {
	if (isStream(body)) body.destroy();
}

function tooLarge(maxBytes: number): TransportFailure {
	return new TransportFailure('tooLarge', `the answer is larger than ${formatBytes(maxBytes)}`);
}

function formatBytes(bytes: number): string {
	return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}

/** Reads the body under the size bound and the deadline; a stream is dropped the moment either is passed. */
async function readBody(body: unknown, maxBytes: number, deadline: AbortSignal, deadlineMs: number): Promise<string> {
	if (!isStream(body)) {
		const text = textOf(body);
		if (Buffer.byteLength(text) > maxBytes) throw tooLarge(maxBytes);
		return text;
	}
	// Plain stream events (no async iterator: it costs several promises and ticks per chunk, for every request).
	const chunks: Buffer[] = [];
	let size = 0;
	const outcome = await new Promise<'end' | 'overflow' | 'deadline' | { error: unknown }>((resolve) => {
		let settled = false;
		const settle = (result: 'end' | 'overflow' | 'deadline' | { error: unknown }) => {
			if (settled) return;
			settled = true;
			deadline.removeEventListener('abort', onAbort);
			resolve(result);
		};
		const onAbort = () => {
			settle('deadline');
			body.destroy(missedDeadline(deadlineMs));
		};
		if (deadline.aborted) {
			onAbort();
			return;
		}
		deadline.addEventListener('abort', onAbort, { once: true });
		body.on('data', (chunk) => {
			if (settled) return;
			const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
			size += buffer.length;
			if (size > maxBytes) {
				settle('overflow');
				body.destroy();
				return;
			}
			chunks.push(buffer);
		});
		body.on('end', () => settle('end'));
		body.on('error', (error) => settle({ error }));
		// Closed without its end and without an error: an incomplete answer, as an async iterator reports it.
		body.on('close', () => settle(body.readableEnded ? 'end' : { error: Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }) }));
	});
	if (outcome === 'overflow') throw tooLarge(maxBytes);
	if (outcome === 'deadline') throw missedDeadline(deadlineMs);
	if (outcome !== 'end') {
		if (deadline.aborted) throw missedDeadline(deadlineMs);
		const code = networkCodeOf(outcome.error) ?? 'ECONNRESET';
		throw new TransportFailure('network', code, { code, cause: outcome.error });
	}
	return chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
}

function textOf(body: unknown): string {
	if (body === undefined || body === null) return '';
	if (typeof body === 'string') return body;
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	return JSON.stringify(body);
}

function originOf(url: string): string | undefined {
	try {
		return new URL(url).origin;
	} catch {
		return undefined;
	}
}

function resolveLocation(location: string, base: string): URL | undefined {
	try {
		return new URL(location, base);
	} catch {
		return undefined;
	}
}

/** The next hop as browsers and axios make it: 303 (and 301/302 after a POST) become a GET without a body. */
function redirectedOptions(options: IHttpRequestOptions, status: number, url: string): IHttpRequestOptions {
	const method = (options.method ?? 'GET').toUpperCase();
	const toGet = (status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST');
	// The Location carries its own query string.
	const next: IHttpRequestOptions = { ...options, url, qs: undefined };
	delete next.qs;
	if (toGet) {
		next.method = 'GET';
		delete next.body;
	}
	return next;
}
