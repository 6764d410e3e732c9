import {
	sleep,
	type IAdditionalCredentialOptions,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type IHttpRequestMethods,
	type IHttpRequestOptions,
} from 'n8n-workflow';

import {
	DEFAULT_RETRY_POLICY,
	isRetryableNetworkCode,
	isRetryableStatus,
	parseRetryAfter,
	retryDelayMs,
	type RetryPolicy,
} from './retryPolicy';

/**
 * The one place where provider requests are made: through n8n's `httpRequestWithAuthentication` (proxy settings,
 * credential handling and token refresh stay n8n's), with retries, backoff, Retry-After, a per-request timeout,
 * pacing, and one token refresh per execution however many requests see the token expire.
 */

/** What `httpRequestWithAuthentication` needs; execute, poll and webhook contexts all have it. */
export interface RequestContext {
	helpers: {
		httpRequestWithAuthentication(
			credentialsType: string,
			requestOptions: IHttpRequestOptions,
			additionalCredentialOptions?: IAdditionalCredentialOptions,
		): Promise<unknown>;
	};
}

export interface ProviderRequest {
	method: IHttpRequestMethods;
	url: string;
	qs?: IDataObject;
	body?: IDataObject;
	headers?: Record<string, string>;
	/** How repeated query keys are written (`repeat` → `a=1&a=2`). */
	arrayFormat?: IHttpRequestOptions['arrayFormat'];
}

export interface ProviderResponse {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	/** The body as text. */
	text: string;
	/** The body parsed as JSON, or undefined when it is empty or not JSON. */
	json: unknown;
	/** The id sent with this request for the provider's support (e.g. a transaction or correlation id). */
	traceId?: string;
}

export interface ProviderErrorDetails {
	message: string;
	description?: string;
	providerCode?: string;
}

/** What the shared request layer needs to know about a provider. */
export interface ProviderProfile {
	/** The provider's name in messages, e.g. "Altcraft". */
	name: string;
	credentialType: string;
	/** The credential's display name, so authentication errors say which credential to fix. */
	credentialName: string;
	/** Reads the provider's error answer into a readable message. */
	describeError(response: ProviderResponse): ProviderErrorDetails;
	/**
	 * HTTP statuses that mean "the cached access token is no longer valid": the client then asks n8n to refresh
	 * the token (the credential's preAuthentication) once and tries again. Only for credentials that cache tokens.
	 */
	tokenExpiredStatusCodes?: number[];
	/** A finer test than the status alone (e.g. a gateway error code in the body). */
	isTokenExpired?(response: ProviderResponse): boolean;
	/** Answers to retry beyond the usual 429/5xx (e.g. a gateway's spike-arrest code). */
	isRetryable?(response: ProviderResponse): boolean;
	/** Fresh per-request headers with an id the user can quote to the provider. */
	traceHeaders?(): { headers: Record<string, string>; traceId: string };
	/** The label of the trace id in messages, e.g. "Transaction ID". */
	traceLabel?: string;
	/** Minimum gap between the starts of two requests of one execution. */
	minRequestGapMs?: number;
}

export interface ClientSettings {
	retry: RetryPolicy;
	/** Per-request timeout in milliseconds. */
	timeoutMs: number;
	/** Values that must never appear in a message (the credential's secrets). */
	secrets: string[];
	/** Reads those values again, after a token refresh put a new token into the credential. */
	reloadSecrets?: () => Promise<string[]>;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** A provider request that failed for good (after any retries). Carries nothing secret. */
export class ProviderError extends Error {
	constructor(
		message: string,
		readonly details: {
			httpCode?: string;
			providerCode?: string;
			description?: string;
			/** The failure is the credential's, not the item's (wrong secret, token endpoint down). */
			authentication?: boolean;
		} = {},
	) {
		super(message);
		this.name = 'ProviderError';
	}
}

/** Replaces every secret value in a text; short values are skipped (they would mangle ordinary words). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
	let result = text;
	for (const secret of secrets) {
		if (secret.length >= 6) result = result.split(secret).join('[redacted]');
	}
	return result;
}

function parseJson(text: string): unknown {
	if (text.trim() === '') return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

function toText(body: unknown): string {
	if (body === undefined || body === null) return '';
	if (typeof body === 'string') return body;
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	return JSON.stringify(body);
}

interface FullResponse {
	statusCode: number;
	headers?: Record<string, string | string[] | undefined>;
	body: unknown;
}

/** The HTTP answer inside an error n8n threw for a non-2xx status (n8n wraps the axios error as `cause`). */
function responseOfError(error: unknown): FullResponse | undefined {
	const candidates = [error, (error as { cause?: unknown })?.cause];
	for (const candidate of candidates) {
		const response = (candidate as { response?: { status?: number; headers?: unknown; data?: unknown } })?.response;
		if (response && typeof response.status === 'number') {
			return {
				statusCode: response.status,
				headers: (response.headers ?? {}) as FullResponse['headers'],
				body: response.data,
			};
		}
	}
	return undefined;
}

/**
 * The failure's own message. n8n wraps what a credential's preAuthentication throws in a NodeApiError, which
 * replaces a message mentioning a common network code (ECONNRESET, ETIMEDOUT, ...) with a generic text and keeps
 * the original error as `cause`.
 */
function originalMessage(error: unknown): string {
	const cause = (error as { cause?: unknown })?.cause;
	if (cause instanceof Error && cause.message) return cause.message;
	return error instanceof Error ? error.message : String(error);
}

/** Network codes of a request that got no answer in time. */
const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

function networkCodeOf(error: unknown): string | undefined {
	for (const candidate of [(error as { cause?: unknown })?.cause, error]) {
		const code = (candidate as { code?: unknown })?.code;
		if (typeof code === 'string' && code) return code;
	}
	return undefined;
}

const NETWORK_MESSAGES: Record<string, string> = {
	ECONNABORTED: 'the request timed out',
	ETIMEDOUT: 'the request timed out',
	ESOCKETTIMEDOUT: 'the request timed out',
	ECONNRESET: 'the connection was reset',
	ECONNREFUSED: 'the connection was refused',
	ENOTFOUND: 'the host name was not found',
	EAI_AGAIN: 'the host name could not be resolved',
	ERR_CANCELED: 'the execution was cancelled',
};

/**
 * Pace 6% below the rate the provider took before its first 429: the provider counts requests when they arrive,
 * and the time from a start here to that moment varies by tens of milliseconds, so paced starts can still bunch
 * up there (the benchmark saw 50 arrivals within one second while the starts kept to 47.6 per second). With 3% it
 * hit the limit again now and then, and each hit costs a whole Retry-After pause.
 */
export const LEARNED_RATE_MARGIN = 1.06;

/** How many times one execution may refresh a token before it concludes the credential itself is wrong. */
const MAX_TOKEN_REFRESHES = 3;

/** An HTTP answer, or the failure that prevented one (network error, token endpoint failure). */
type SendOutcome = { response: ProviderResponse } | { error: unknown };

type Attempt = { kind: 'response'; response: ProviderResponse } | { kind: 'resend' };

/** When a request started, and when and how the provider answered it (taken: any answer but a 429). */
interface RequestStart {
	at: number;
	answer?: 'taken' | 'refused';
	answeredAt?: number;
	/** The order answers came in (several can come in within one millisecond). */
	answerOrder?: number;
}

export class ProviderClient {
	private readonly retry: RetryPolicy;
	private secrets: string[];
	private pauseUntil = 0;
	private nextStart = 0;
	/** Bumped after every token refresh: a 401 to a request sent before the bump is stale, just resend. */
	private tokenGeneration = 0;
	private refreshing?: Promise<ProviderResponse>;
	private firstAnswered = false;
	private refreshes = 0;
	private authFailure?: ProviderError;
	/** Set when a request timed out on every attempt while nothing else answered: the provider hangs. */
	private unreachable?: ProviderError;
	/** When the provider last answered anything (any HTTP status). */
	private lastAnswerAt = 0;
	/** The requests of the last two seconds, oldest first: what the provider took before a 429. */
	private readonly recentStarts: RequestStart[] = [];
	/** A 429 to learn the pace from, settled when its pause ends (the answers in flight with it are in by then). */
	private learning?: { refused: RequestStart; gapBefore: number };
	/** Answers noted so far: numbers them in the order they came in. */
	private answersNoted = 0;
	/** Gap between request starts learned from the provider's 429s (0 until the first one). */
	private learnedGapMs = 0;
	/** The earliest start of the next request under the learned pace. */
	private nextPacedSlot = 0;
	/** Requests sent, retries made and rate-limit answers seen, for diagnostics and tests. */
	readonly counters = { requests: 0, retries: 0, rateLimited: 0, tokenRefreshes: 0, learnedGapMs: 0 };

	constructor(
		private readonly context: RequestContext,
		private readonly profile: ProviderProfile,
		private readonly settings: ClientSettings = {
			retry: DEFAULT_RETRY_POLICY,
			timeoutMs: DEFAULT_TIMEOUT_MS,
			secrets: [],
		},
	) {
		this.retry = settings.retry;
		this.secrets = [...settings.secrets];
	}

	/** The values currently kept out of messages (the credential's secrets and its current token). */
	get secretValues(): readonly string[] {
		return this.secrets;
	}

	/** Sends a request and returns its 2xx answer; throws `ProviderError` when it fails for good. */
	async request(request: ProviderRequest): Promise<ProviderResponse> {
		let retries = 0;
		let timeouts = 0;
		const chainStart = Date.now();
		for (;;) {
			if (this.authFailure) throw this.authFailure;
			if (this.unreachable) throw this.unreachable;
			const start = await this.waitForTurn();
			const generation = this.tokenGeneration;
			const sent = await this.send(request, false);
			if ('response' in sent) this.noteAnswer(start, sent.response);
			if (!this.firstAnswered) {
				// The first request may have fetched a token inside it: pace the next one from its end.
				this.firstAnswered = true;
				this.nextStart = Math.max(this.nextStart, Date.now() + (this.profile.minRequestGapMs ?? 0));
				await this.noteTokenRequest(start);
			}
			let response: ProviderResponse;
			if ('response' in sent) {
				response = sent.response;
				this.lastAnswerAt = Date.now();
			} else {
				const { error } = sent;
				const code = networkCodeOf(error);
				if (code !== undefined && TIMEOUT_CODES.has(code)) timeouts++;
				if (isRetryableNetworkCode(code) && retries < this.retry.maxRetries) {
					retries++;
					this.counters.retries++;
					await sleep(retryDelayMs(this.retry, retries, undefined));
					continue;
				}
				const failure = this.networkError(error, code, retries);
				// A credential that cannot get a token fails every later request too: stop asking.
				if (failure.details.authentication) this.authFailure = failure;
				// Every attempt timed out and nothing answered meanwhile: the provider hangs. The other orders would
				// each wait as long again, so they fail at once (the execution stays within one request's bound).
				if (timeouts === retries + 1 && this.lastAnswerAt < chainStart) {
					this.unreachable = new ProviderError(
						`Could not reach ${this.profile.name}: it stopped answering (a request timed out ${timeouts} ${timeouts === 1 ? 'time' : 'times'} in a row), so this order was not asked for`,
						{ description: `Network error code ${code}` },
					);
				}
				throw failure;
			}

			if (this.isTokenExpired(response)) {
				const attempt = await this.recoverToken(request, generation);
				if (attempt.kind === 'resend') continue;
				response = attempt.response;
			}

			if (response.statusCode >= 200 && response.statusCode < 300) return response;

			if (response.statusCode === 401 && !this.profile.tokenExpiredStatusCodes?.length) {
				// A static key the provider refuses will be refused for every other item too: stop sending it.
				this.authFailure = this.httpError(response, retries);
				this.authFailure.details.authentication = true;
				throw this.authFailure;
			}

			const retryable = isRetryableStatus(response.statusCode) || this.profile.isRetryable?.(response) === true;
			if (retryable && retries < this.retry.maxRetries) {
				retries++;
				this.counters.retries++;
				const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
				const delay = retryDelayMs(this.retry, retries, retryAfterMs);
				if (response.statusCode === 429 || retryAfterMs !== undefined) {
					// A rate limit applies to the whole client: every request of this execution waits it out.
					this.counters.rateLimited++;
					start.answer = 'refused';
					this.learnRate(retryAfterMs, start);
					this.pauseUntil = Math.max(this.pauseUntil, Date.now() + delay);
				}
				await sleep(delay);
				continue;
			}
			throw this.httpError(response, retries);
		}
	}

	/**
	 * For refusals a provider reports inside a successful answer (e.g. Altcraft's `error: 403` with HTTP 200):
	 * the credential will be refused for every other item too, so the run stops sending it.
	 */
	rejectCredential(error: ProviderError): ProviderError {
		error.details.authentication = true;
		this.authFailure = error;
		return error;
	}

	/** Removes secrets from a text that may reach a user (messages, descriptions). */
	redact(text: string): string {
		return redactSecrets(text, this.secrets);
	}

	/** Builds the error for an answer the provider parser found unusable (e.g. HTML with status 200). */
	invalidResponse(response: ProviderResponse, problem: string): ProviderError {
		const contentType = String(response.headers['content-type'] ?? 'no content type');
		const preview = response.text.replace(/\s+/g, ' ').trim().slice(0, 120);
		return new ProviderError(this.redact(`${this.profile.name} sent an answer that cannot be read: ${problem}`), {
			httpCode: String(response.statusCode),
			description: this.redact(
				[
					`HTTP ${response.statusCode}, ${contentType}, ${response.text.length} characters` +
						(preview ? `, starting "${preview}"` : ', empty'),
					this.traceNote(response),
				]
					.filter(Boolean)
					.join('. '),
			),
		});
	}

	private isTokenExpired(response: ProviderResponse): boolean {
		const codes = this.profile.tokenExpiredStatusCodes;
		if (!codes || codes.length === 0) return false;
		if (this.profile.isTokenExpired) return this.profile.isTokenExpired(response);
		return codes.includes(response.statusCode);
	}

	/**
	 * A request was refused for an expired token. The first request to notice refreshes the token (n8n runs the
	 * credential's preAuthentication, persists the token and retries that request); requests refused at the same
	 * time wait for that refresh and are sent again. A refresh that fails ends the credential's use in this run,
	 * so a wrong secret costs one token request, not one per item.
	 */
	private async recoverToken(request: ProviderRequest, generation: number): Promise<Attempt> {
		if (this.authFailure) throw this.authFailure;
		if (generation !== this.tokenGeneration) return { kind: 'resend' };
		if (this.refreshing) {
			await this.refreshing.catch(() => undefined);
			if (this.authFailure) throw this.authFailure;
			return { kind: 'resend' };
		}
		if (this.refreshes >= MAX_TOKEN_REFRESHES) {
			this.authFailure = new ProviderError(
				`${this.profile.name} kept refusing fresh access tokens: check the "${this.profile.credentialName}" credential`,
				{ authentication: true, httpCode: '401' },
			);
			throw this.authFailure;
		}
		this.refreshes++;
		this.counters.tokenRefreshes++;
		this.refreshing = (async () => {
			try {
				const start = await this.waitForTurn();
				const sent = await this.send(request, true);
				if (!('response' in sent)) throw sent.error;
				const { response } = sent;
				this.noteAnswer(start, response);
				await this.noteTokenRequest(start);
				if (this.isTokenExpired(response)) {
					const described = this.describe(response);
					throw new ProviderError(
						this.redact(
							`${this.profile.name} refused a freshly issued access token: check the "${this.profile.credentialName}" credential (${described.message})`,
						),
						{ authentication: true, httpCode: String(response.statusCode), providerCode: described.providerCode },
					);
				}
				return response;
			} catch (error) {
				this.authFailure =
					error instanceof ProviderError
						? error
						: new ProviderError(
								this.redact(
									`Could not get an access token with the "${this.profile.credentialName}" credential: ${(error as Error).message}`,
								),
								{ authentication: true },
							);
				throw this.authFailure;
			} finally {
				this.nextStart = Math.max(this.nextStart, Date.now() + (this.profile.minRequestGapMs ?? 0));
				this.tokenGeneration++;
				this.refreshing = undefined;
			}
		})();
		return { kind: 'response', response: await this.refreshing };
	}

	/**
	 * One HTTP exchange. Normally every status comes back as a response (`ignoreHttpStatusErrors`), so n8n does
	 * not refresh tokens on its own; with `refreshToken` n8n sees the expired-token status, runs the credential's
	 * preAuthentication and retries once.
	 */
	private async send(request: ProviderRequest, refreshToken: boolean): Promise<SendOutcome> {
		const trace = this.profile.traceHeaders?.();
		const options: IHttpRequestOptions = {
			method: request.method,
			url: request.url,
			qs: request.qs,
			body: request.body,
			headers: { Accept: 'application/json', ...trace?.headers, ...request.headers },
			arrayFormat: request.arrayFormat,
			returnFullResponse: true,
			ignoreHttpStatusErrors: !refreshToken,
			encoding: 'text',
			timeout: this.settings.timeoutMs,
		};
		if (options.body === undefined) delete options.body;
		if (options.qs === undefined) delete options.qs;
		const credentialOptions: IAdditionalCredentialOptions | undefined = refreshToken
			? { preAuthenticationRetryStatusCode: this.profile.tokenExpiredStatusCodes }
			: undefined;
		this.counters.requests++;
		let full: FullResponse;
		try {
			// n8n's helpers expect the execution context as `this`, as in n8n's own nodes.
			full = (await this.context.helpers.httpRequestWithAuthentication.call(
				this.context,
				this.profile.credentialType,
				options,
				credentialOptions,
			)) as FullResponse;
		} catch (error) {
			const answered = refreshToken ? responseOfError(error) : undefined;
			if (!answered) return { error };
			full = answered;
		}
		const text = toText(full.body);
		return {
			response: {
				statusCode: full.statusCode,
				headers: full.headers ?? {},
				text,
				json: parseJson(text),
				traceId: trace?.traceId,
			},
		};
	}

	/** Waits until this client may start a request (pause, pacing); returns the start, to note its answer on. */
	private async waitForTurn(): Promise<RequestStart> {
		for (;;) {
			const wait = Math.max(this.pauseUntil, this.nextStart, this.nextPacedSlot) - Date.now();
			if (wait <= 0) break;
			await sleep(wait);
		}
		if (this.learning) {
			this.settleLearnedGap(this.learning);
			this.learning = undefined;
		}
		const now = Date.now();
		this.nextStart = now + (this.profile.minRequestGapMs ?? 0);
		if (this.learnedGapMs > 0) {
			// The learned pace counts from the slot this request was given, not from when its timer fired: timers
			// wake a millisecond or two late, and counting from the wake-up would slow every later request as much.
			// A request that comes after an idle spell gets a fresh slot, so idling never builds up a burst.
			const slot = Math.max(this.nextPacedSlot, this.pauseUntil);
			this.nextPacedSlot = (now - slot < this.learnedGapMs ? slot : now) + this.learnedGapMs;
		}
		const start: RequestStart = { at: now };
		this.recentStarts.push(start);
		while (this.recentStarts.length > 0 && this.recentStarts[0].at < now - 2000) this.recentStarts.shift();
		return start;
	}

	/** Notes when and how the provider answered a request (a 429 is a refusal; any other answer counts as taken). */
	private noteAnswer(start: RequestStart, response: ProviderResponse): void {
		start.answer = response.statusCode === 429 ? 'refused' : 'taken';
		start.answeredAt = Date.now();
		start.answerOrder = ++this.answersNoted;
	}

	/**
	 * After a request during which n8n may have fetched a token (the credential's preAuthentication): when the
	 * credential holds a value it did not hold before, that token request was one more request the provider took
	 * at `start` (it counts when a pace is learned), and the new token is kept out of messages like the secrets.
	 */
	private async noteTokenRequest(start: RequestStart): Promise<void> {
		if (!this.settings.reloadSecrets || !this.profile.tokenExpiredStatusCodes?.length) return;
		let current: string[];
		try {
			current = await this.settings.reloadSecrets();
		} catch {
			return; // only bookkeeping: the request itself went through
		}
		const fresh = current.filter((value) => !this.secrets.includes(value));
		if (fresh.length === 0) return;
		this.secrets = [...this.secrets, ...fresh];
		// Answered before the request itself went out: halfway through it is as close as can be known.
		const answeredAt = start.at + ((start.answeredAt ?? start.at) - start.at) / 2;
		const position = this.recentStarts.indexOf(start);
		const answerOrder = (start.answerOrder ?? 0) - 0.5;
		if (position >= 0) this.recentStarts.splice(position, 0, { at: start.at, answer: 'taken', answeredAt, answerOrder });
	}

	/**
	 * A rate limit: from now on, space request starts so that the client stays under the rate the provider took
	 * in the second before this 429. Learnt only from a second of unpaused sending (not from the other requests in
	 * flight with this one, nor right after a pause, when that second holds few requests) and never from a 429 asking
	 * for no wait (`Retry-After: 0`, a transient refusal). The pace only ever gets slower, and it lasts for this
	 * execution. Set at once from what is known, and settled when the pause ends.
	 */
	private learnRate(retryAfterMs: number | undefined, refused: RequestStart): void {
		if (retryAfterMs === 0 || Date.now() < this.pauseUntil + 1000) return;
		this.learning = { refused, gapBefore: this.learnedGapMs };
		this.settleLearnedGap(this.learning);
	}

	/**
	 * How many requests the provider took in the second before it refused this one, counted by their ANSWERS: the
	 * provider answers when it decides, so the answers' times follow its count closely, while the time from a start
	 * here to the provider varies with n8n's work on each request (credentials, authentication) by tens of
	 * milliseconds. Answers still on the way when the 429 came in count once they are in (settled when the pause ends).
	 */
	private settleLearnedGap({ refused, gapBefore }: { refused: RequestStart; gapBefore: number }): void {
		const { answeredAt: refusedAt, answerOrder: refusedOrder } = refused;
		if (refusedAt === undefined || refusedOrder === undefined) return;
		const taken = this.recentStarts.filter(
			({ answer, answeredAt, answerOrder }) =>
				answer === 'taken' &&
				answeredAt !== undefined &&
				answerOrder !== undefined &&
				answeredAt > refusedAt - 1000 &&
				answerOrder < refusedOrder,
		).length;
		const gap = (1000 / Math.max(1, taken)) * LEARNED_RATE_MARGIN;
		this.learnedGapMs = Math.max(gapBefore, gap);
		this.counters.learnedGapMs = this.learnedGapMs;
	}

	private describe(response: ProviderResponse): ProviderErrorDetails {
		try {
			return this.profile.describeError(response);
		} catch {
			return { message: `HTTP ${response.statusCode}` };
		}
	}

	private traceNote(response: ProviderResponse): string | undefined {
		return response.traceId ? `${this.profile.traceLabel ?? 'Request ID'}: ${response.traceId}` : undefined;
	}

	private httpError(response: ProviderResponse, retries: number): ProviderError {
		const described = this.describe(response);
		const retried = retries > 0 ? ` (after ${retries} ${retries === 1 ? 'retry' : 'retries'})` : '';
		const description = [described.description, this.traceNote(response)].filter(Boolean).join('. ');
		return new ProviderError(this.redact(`${this.profile.name}: ${described.message}${retried}`), {
			httpCode: String(response.statusCode),
			providerCode: described.providerCode,
			description: description ? this.redact(description) : undefined,
		});
	}

	private networkError(error: unknown, code: string | undefined, retries: number): ProviderError {
		if (error instanceof ProviderError) return error;
		const reason = (code && NETWORK_MESSAGES[code]) ?? 'the request failed';
		const retried = retries > 0 ? ` (after ${retries} ${retries === 1 ? 'retry' : 'retries'})` : '';
		const original = originalMessage(error);
		const authentication = /credential/i.test(original) && !code;
		return new ProviderError(
			this.redact(
				authentication
					? original.includes(this.profile.credentialName)
						? original
						: `Could not authenticate with the "${this.profile.credentialName}" credential: ${original}`
					: `Could not reach ${this.profile.name}: ${reason}${retried}`,
			),
			{ description: code ? `Network error code ${code}` : this.redact(original), authentication },
		);
	}
}

/** A context that can also read the node's credential (execute, poll and webhook contexts can). */
export interface CredentialContext extends RequestContext {
	getCredentials(type: string): Promise<ICredentialDataDecryptedObject>;
}

function secretsOf(credentials: ICredentialDataDecryptedObject, fields: readonly string[]): string[] {
	return fields
		.map((field) => credentials[field])
		.filter((value): value is string => typeof value === 'string' && value.length > 0);
}

/**
 * Reads the node's credential once and builds its client: the given retry and timeout settings, and the
 * credential's secret fields (the token cache included) kept out of every message, re-read after a refresh.
 */
export async function createProviderClient(
	context: CredentialContext,
	profile: ProviderProfile,
	secretFields: readonly string[],
	options: { maxRetries: number; timeoutMs: number },
): Promise<{ client: ProviderClient; credentials: ICredentialDataDecryptedObject }> {
	const credentials = await context.getCredentials(profile.credentialType);
	const client = new ProviderClient(context, profile, {
		retry: { ...DEFAULT_RETRY_POLICY, maxRetries: options.maxRetries },
		timeoutMs: options.timeoutMs,
		secrets: secretsOf(credentials, secretFields),
		reloadSecrets: async () => secretsOf(await context.getCredentials(profile.credentialType), secretFields),
	});
	return { client, credentials };
}
