import type {
	IAdditionalCredentialOptions,
	ICredentialDataDecryptedObject,
	IDataObject,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ICredentialsDecrypted,
	INode,
} from 'n8n-workflow';

import type { RequestSlots } from './concurrency';
import { systemClock, type Clock } from './request/clock';
import { NETWORK_MESSAGES, originalMessage, ProviderError, retriedNote, TIMEOUT_CODES } from './request/errors';
import { RateControl, type RequestStart } from './request/rateControl';
import { Redactor } from './request/redaction';
import {
	DEFAULT_RETRY_POLICY,
	isRetryableNetworkCode,
	isRetryableStatus,
	parseRetryAfter,
	RefusalBudget,
	retryDelayMs,
	type RetryPolicy,
} from './request/retry';
import { TokenRefresh } from './request/tokenRefresh';
import { sendAttempt, TransportFailure } from './request/transport';
import { TOKEN_REQUEST_TIMEOUT_MS } from './tokenRequest';

export { ProviderError } from './request/errors';
export { redactSecrets } from './request/redaction';
export { LEARNED_RATE_MARGIN } from './request/rateControl';

/**
 * The one door through which the nodes reach a provider. Each decision lives in its own module under
 * `request/`, unit-tested alone on a fake clock; this class only puts them in order for one request:
 *
 *   wait for a turn (rate control) → one attempt (transport: deadline, size bound, redirects) → an expired token?
 *   (token refresh) → accepted, or retried (retry: what, how long, and the budget of a provider that keeps
 *   refusing) → an error that carries nothing secret (redaction).
 *
 * Requests go through n8n's `httpRequestWithAuthentication`, so proxy settings and credential handling stay n8n's.
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
	/** The provider's own rate-limit answer beside HTTP 429 (e.g. a gateway's spike-arrest code): retried and paced. */
	isRateLimited?(response: ProviderResponse): boolean;
	/** Fresh per-request headers with an id the user can quote to the provider. */
	traceHeaders?(): { headers: Record<string, string>; traceId: string };
	/** The label of the trace id in messages, e.g. "Transaction ID". */
	traceLabel?: string;
	/** Minimum gap between the starts of two requests of one execution. */
	minRequestGapMs?: number;
}

export interface ClientSettings {
	retry: RetryPolicy;
	/** The hard deadline of one attempt, headers and body together, in milliseconds. */
	timeoutMs: number;
	/** Values that must never appear in a message or an item (the credential's secrets). */
	secrets: string[];
	/** Reads those values again, after a token refresh put a new token into the credential. */
	reloadSecrets?: () => Promise<string[]>;
	/** Refusal budget (see RefusalBudget); the default is REFUSAL_BUDGET. */
	refusalBudget?: { answers: number; ms: number };
	/**
	 * The execution's request slots, when a runner bounds its requests in flight: a request waiting to be retried
	 * gives its slot back for the wait. Each caller holding a slot sends one request at a time.
	 */
	slots?: Pick<RequestSlots, 'release' | 'resume'>;
	/** The rate the provider takes, when the user knows it (Max Requests per Second); else it is learned from 429s. */
	maxRequestsPerSecond?: number;
	/**
	 * The node's credential as read once for this execution: handed to n8n with every request, so that n8n does not
	 * read and decrypt it from its database again for each one (a database round trip of varying length between a
	 * request's start and its arrival at the provider). n8n writes a token its preAuthentication fetches into it.
	 */
	credentials?: ICredentialsDecrypted;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** The hidden, expirable field in which the token-caching credentials (PPL CPL, Pitney Bowes) keep their token. */
export const CACHED_TOKEN_FIELD = 'accessToken';

/**
 * How long after its start a request is taken to be on its way through n8n (credentials, authentication, the
 * connection) to the provider: no other work of the node holds the event loop then (see `readingBudgetMs`).
 */
export const SEND_WINDOW_MS = 20;
/** The longest the node reads items while the execution's first request is on its way. */
const FIRST_ANSWER_READ_SLICE_MS = 2;

/** An HTTP answer, or the failure that prevented one (network error, deadline, redirect, size, token endpoint). */
type SendOutcome = { response: ProviderResponse } | { error: unknown };

function parseJson(text: string): unknown {
	if (text.trim() === '') return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/** What `read` made of an answer: its value, or the unreadable answer's error (any other error is thrown). */
function readAnswer<T>(read: (response: ProviderResponse) => T, response: ProviderResponse): { value: T } | { unreadable: ProviderError } {
	let failure: unknown;
	try {
		return { value: read(response) };
	} catch (error) {
		failure = error;
	}
	if (failure instanceof ProviderError && failure.details.unreadable) return { unreadable: failure };
	throw failure;
}

function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return 'the provider';
	}
}

export class ProviderClient {
	private readonly retry: RetryPolicy;
	private readonly redactor: Redactor;
	private readonly rate: RateControl;
	private readonly budget: RefusalBudget;
	private readonly tokens = new TokenRefresh<ProviderResponse>();
	private firstAnswered = false;
	/** The gap was held from the moment a token fetched inside the first request was stored (see `tokenStored`). */
	private heldFromToken = false;
	/** Tokens `tokenStored` saw that `noteTokenRequest` has not counted yet. */
	private tokensStored = 0;
	private releaseOthers: () => void = () => undefined;
	private readonly othersReleased = new Promise<void>((resolve) => {
		this.releaseOthers = resolve;
	});
	/** Set when the credential cannot be used: every later request fails with it at once. */
	private authFailure?: ProviderError;
	/** Set when a request timed out on every attempt while nothing else answered: the provider hangs. */
	private unreachable?: ProviderError;
	/** Set when the refusal budget is spent: the provider keeps refusing. */
	private refusing?: ProviderError;
	/** When the provider last answered anything (any HTTP status). */
	private lastAnswerAt = 0;
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
		private readonly clock: Clock = systemClock,
	) {
		this.retry = settings.retry;
		this.redactor = new Redactor(settings.secrets);
		this.rate = new RateControl(clock, profile.minRequestGapMs ?? 0, settings.maxRequestsPerSecond);
		this.budget = new RefusalBudget(() => clock.now(), settings.refusalBudget);
	}

	/**
	 * How long the execution's other work (reading items) may keep the event loop now without delaying a request:
	 * see RateControl.freeForMs; while the first request (the one that may fetch a token, the others wait for its
	 * answer) is on its way, only a moment, so that its answer is taken up at once.
	 */
	readingBudgetMs(): number {
		if (this.counters.requests > 0 && !this.firstAnswered) return FIRST_ANSWER_READ_SLICE_MS;
		return this.rate.freeForMs(SEND_WINDOW_MS);
	}

	/**
	 * Resolves once no request is on its way to the provider (see `readingBudgetMs`): the node's own heavier work on
	 * an answer (mapping a group's orders, building items) waits for that moment instead of holding up a request
	 * that has just started.
	 */
	async quietMoment(): Promise<void> {
		while (this.readingBudgetMs() <= 0) await this.clock.sleep(1);
	}

	/**
	 * Resolves when the execution's other requests may start beside its first one: when its answer is in (a
	 * credential the provider refuses then stops them all after one request), or, when the first request fetched a
	 * token, as soon as n8n stored that token in the credential (n8n sends the first request right after; the token
	 * endpoint took the credential). n8n's preAuthentication does not coalesce parallel fetches: requests beside a
	 * first one that fetches a token would each fetch their own.
	 */
	async othersMayStart(): Promise<void> {
		await this.othersReleased;
	}

	/**
	 * n8n stored a token that the first request fetched in the credential (see createProviderClient): the first
	 * request goes out now, so the minimum gap counts from here, and the others may start.
	 */
	tokenStored(token: string): void {
		// Kept out of items at once: answers of the other requests may come in before the first one's.
		if (this.redactor.add([token]).length > 0) this.tokensStored++;
		if (this.counters.requests > 0 && !this.firstAnswered && !this.heldFromToken) {
			this.heldFromToken = true;
			this.rate.holdGapFromNow();
		}
		this.releaseOthers();
	}

	/** The values currently kept out of messages and items (the credential's secrets and its current token). */
	get secretValues(): readonly string[] {
		return this.redactor.secretValues;
	}

	/**
	 * Sends a request and returns its 2xx answer, or what `read` makes of it; throws `ProviderError` when it fails
	 * for good. An answer `read` rejects as unreadable (`invalidResponse`) is retried like a 5xx.
	 */
	async request(request: ProviderRequest): Promise<ProviderResponse>;
	async request<T>(request: ProviderRequest, read: (response: ProviderResponse) => T): Promise<T>;
	async request<T>(request: ProviderRequest, read?: (response: ProviderResponse) => T): Promise<T | ProviderResponse> {
		let retries = 0;
		let timeouts = 0;
		const chainStart = this.clock.now();
		const retryAfter = async (delayMs: number) => {
			retries++;
			this.counters.retries++;
			const slots = this.settings.slots;
			slots?.release();
			try {
				await this.clock.sleep(delayMs);
			} finally {
				await slots?.resume();
			}
		};
		for (;;) {
			this.throwIfStopped();
			const start = await this.rate.waitForTurn();
			this.throwIfStopped();
			const generation = this.tokens.current;
			const sent = await this.send(request, false);
			if ('response' in sent) {
				this.rate.noteAnswer(start, this.isRateLimited(sent.response));
				this.counters.learnedGapMs = this.rate.learnedGapMs;
			}
			if (!this.firstAnswered) {
				// The first request may have fetched a token inside it: keep the gap from its end (unless it was held from
				// the moment that token was stored, right before the request itself went out).
				this.firstAnswered = true;
				if (!this.heldFromToken) this.rate.holdGapFromNow();
				await this.noteTokenRequest(start);
				this.releaseOthers();
			}

			if ('error' in sent) {
				const failure = this.failureOf(sent.error, retries, request);
				if (failure.retryable && retries < this.retry.maxRetries) {
					if (failure.timedOut) timeouts++;
					this.budget.refused('network');
					await retryAfter(retryDelayMs(this.retry, retries + 1, undefined));
					continue;
				}
				if (failure.retryable) this.budget.refused('network');
				if (failure.timedOut) timeouts++;
				// A credential that cannot get a token fails every later request too: stop asking.
				if (failure.error.details.authentication) this.authFailure = failure.error;
				// Every attempt timed out and nothing answered meanwhile: the provider hangs. The other orders would
				// each wait as long again, so they fail at once (the execution stays within one request's bound).
				if (failure.timedOut && timeouts === retries + 1 && this.lastAnswerAt < chainStart) {
					this.unreachable = new ProviderError(
						`Could not reach ${this.profile.name}: it stopped answering (a request timed out ${timeouts} ${timeouts === 1 ? 'time' : 'times'} in a row), so this order was not asked for`,
						{ description: 'Network error code ETIMEDOUT' },
					);
				}
				throw failure.error;
			}

			let response = sent.response;
			this.lastAnswerAt = this.clock.now();
			if (this.isTokenExpired(response)) {
				const recovery = await this.recoverToken(request, generation);
				if (recovery.kind === 'resend') continue;
				response = recovery.response;
			}

			if (response.statusCode >= 200 && response.statusCode < 300) {
				if (!read) {
					this.budget.accepted();
					return response;
				}
				const outcome = readAnswer(read, response);
				if ('value' in outcome) {
					this.budget.accepted();
					return outcome.value;
				}
				const { unreadable } = outcome;
				this.budget.refused('unreadable');
				if (retries < this.retry.maxRetries) {
					await retryAfter(retryDelayMs(this.retry, retries + 1, undefined));
					continue;
				}
				throw retries > 0 ? new ProviderError(`${unreadable.message}${retriedNote(retries)}`, unreadable.details) : unreadable;
			}

			if (response.statusCode === 401 && !this.profile.tokenExpiredStatusCodes?.length) {
				// A static key the provider refuses will be refused for every other item too: stop sending it.
				this.authFailure = this.httpError(response, retries);
				this.authFailure.details.authentication = true;
				throw this.authFailure;
			}

			const rateLimited = this.isRateLimited(response);
			if (!rateLimited && !isRetryableStatus(response.statusCode)) {
				this.budget.accepted(); // the provider answered: the item's own failure
				throw this.httpError(response, retries);
			}
			this.budget.refused(rateLimited ? 'rateLimited' : 'serverError');
			if (retries >= this.retry.maxRetries) throw this.httpError(response, retries);
			const retryAfterMs = parseRetryAfter(response.headers['retry-after'], this.clock.now());
			const delay = retryDelayMs(this.retry, retries + 1, retryAfterMs);
			if (rateLimited) {
				// A rate limit applies to the whole client: every request of this execution waits it out. A 5xx with
				// Retry-After delays only its own retry: it says the provider is unwell, not that it was asked too often.
				this.counters.rateLimited++;
				this.rate.learnFromRateLimit(start, retryAfterMs);
				this.counters.learnedGapMs = this.rate.learnedGapMs;
				this.rate.pause(delay);
			}
			await retryAfter(delay);
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
		return this.redactor.redact(text);
	}

	/** A copy of an item's value (`raw`, `details`) with every known secret removed. */
	redactDeep<T>(value: T): T {
		return this.redactor.redactDeep(value);
	}

	/**
	 * The error for an answer the provider parser found unusable (e.g. HTML or cut-off JSON with status 200).
	 * Thrown from a `read` function, it makes the client retry the request within Max Retries.
	 */
	invalidResponse(response: ProviderResponse, problem: string): ProviderError {
		const contentType = String(response.headers['content-type'] ?? 'no content type');
		const preview = response.text.replace(/\s+/g, ' ').trim().slice(0, 120);
		return new ProviderError(this.redact(`${this.profile.name} sent an answer that cannot be read: ${problem}`), {
			httpCode: String(response.statusCode),
			unreadable: true,
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

	private throwIfStopped(): void {
		if (this.authFailure) throw this.authFailure;
		if (this.unreachable) throw this.unreachable;
		if (this.refusing) throw this.refusing;
		if (this.budget.spent) {
			this.refusing = new ProviderError(`${this.profile.name} ${this.budget.describe()}, so this order was not asked for`, {
				description: 'Try again later, or lower Max Concurrency. The provider accepted no request for the whole period.',
			});
			throw this.refusing;
		}
	}

	private isTokenExpired(response: ProviderResponse): boolean {
		const codes = this.profile.tokenExpiredStatusCodes;
		if (!codes || codes.length === 0) return false;
		if (this.profile.isTokenExpired) return this.profile.isTokenExpired(response);
		return codes.includes(response.statusCode);
	}

	private isRateLimited(response: ProviderResponse): boolean {
		return response.statusCode === 429 || this.profile.isRateLimited?.(response) === true;
	}

	/** Refreshes an expired token once for every request refused meanwhile (see TokenRefresh). */
	private async recoverToken(request: ProviderRequest, generation: number) {
		if (this.authFailure) throw this.authFailure;
		const recovery = await this.tokens.recover(
			generation,
			async () => {
				this.counters.tokenRefreshes++;
				try {
					return await this.refreshAndResend(request);
				} catch (error) {
					this.authFailure =
						error instanceof ProviderError
							? error
							: new ProviderError(
									this.redact(
										`Could not get an access token with the "${this.profile.credentialName}" credential: ${originalMessage(error)}`,
									),
									{ authentication: true },
								);
					throw this.authFailure;
				} finally {
					this.rate.holdGapFromNow();
				}
			},
			() => {
				this.authFailure = new ProviderError(
					`${this.profile.name} kept refusing fresh access tokens: check the "${this.profile.credentialName}" credential`,
					{ authentication: true, httpCode: '401' },
				);
				return this.authFailure;
			},
		);
		if (this.authFailure) throw this.authFailure;
		return recovery;
	}

	/** Sends the request letting n8n refresh the token on the expired-token status (and retry once). */
	private async refreshAndResend(request: ProviderRequest): Promise<ProviderResponse> {
		const start = await this.rate.waitForTurn();
		const sent = await this.send(request, true);
		if (!('response' in sent)) {
			// What preAuthentication threw reaches the user in its own words; anything else as any failed attempt.
			const { error } = sent;
			if (error instanceof TransportFailure && error.kind === 'network') throw error.extra.cause ?? error;
			throw this.failureOf(error, 0, request).error;
		}
		const { response } = sent;
		this.rate.noteAnswer(start, this.isRateLimited(response));
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
	}

	/**
	 * One attempt (see request/transport.ts). Normally every status comes back as a response
	 * (`ignoreHttpStatusErrors`), so n8n does not refresh tokens on its own; with `refreshToken` n8n sees the
	 * expired-token status, runs the credential's preAuthentication (its token request has its own deadline) and
	 * retries once, all within two attempts' time plus the token request's.
	 */
	private async send(request: ProviderRequest, refreshToken: boolean): Promise<SendOutcome> {
		const trace = this.profile.traceHeaders?.();
		const options: IHttpRequestOptions = {
			method: request.method,
			url: request.url,
			headers: { Accept: 'application/json', ...trace?.headers, ...request.headers },
			ignoreHttpStatusErrors: !refreshToken,
			timeout: this.settings.timeoutMs,
		};
		if (request.qs !== undefined) options.qs = request.qs;
		if (request.body !== undefined) options.body = request.body;
		if (request.arrayFormat !== undefined) options.arrayFormat = request.arrayFormat;
		const credentialOptions: IAdditionalCredentialOptions | undefined =
			refreshToken || this.settings.credentials
				? {
						...(this.settings.credentials ? { credentialsDecrypted: this.settings.credentials } : {}),
						...(refreshToken ? { preAuthenticationRetryStatusCode: this.profile.tokenExpiredStatusCodes } : {}),
					}
				: undefined;
		// n8n runs the credential's preAuthentication inside the request it authenticates: inside a refresh, and
		// inside the execution's first request when the token cache is empty. Such an attempt may take one token
		// request (its own hard deadline) on top.
		const mayFetchToken = refreshToken || (this.counters.requests === 0 && Boolean(this.profile.tokenExpiredStatusCodes?.length));
		const deadlineMs =
			(refreshToken ? 2 * this.settings.timeoutMs : this.settings.timeoutMs) + (mayFetchToken ? TOKEN_REQUEST_TIMEOUT_MS : 0);
		this.counters.requests++;
		try {
			const answer = await sendAttempt(
				// n8n's helpers expect the execution context as `this`, as in n8n's own nodes.
				async (options) =>
					await this.context.helpers.httpRequestWithAuthentication.call(
						this.context,
						this.profile.credentialType,
						options,
						credentialOptions,
					),
				options,
				{ deadlineMs, bodyMs: mayFetchToken ? this.settings.timeoutMs : undefined, redirects: 'sameOrigin' },
				this.clock,
			);
			return { response: { ...answer, json: parseJson(answer.text), traceId: trace?.traceId } };
		} catch (error) {
			return { error };
		}
	}

	/**
	 * After a request during which n8n may have fetched a token (the credential's preAuthentication): when the
	 * credential holds a value it did not hold before, that token request was one more request the provider took
	 * (it counts when a pace is learned), and the new token is kept out of messages and items like the secrets.
	 */
	private async noteTokenRequest(start: RequestStart): Promise<void> {
		if (!this.settings.reloadSecrets || !this.profile.tokenExpiredStatusCodes?.length) return;
		let current: string[];
		try {
			current = await this.settings.reloadSecrets();
		} catch {
			return; // only bookkeeping: the request itself went through
		}
		const stored = this.tokensStored;
		this.tokensStored = 0;
		if (this.redactor.add(current).length > 0 || stored > 0) this.rate.noteExtraRequest(start);
	}

	/** What a failed attempt means: its error for the user, and whether another attempt may help. */
	private failureOf(
		error: unknown,
		retries: number,
		request: ProviderRequest,
	): { error: ProviderError; retryable: boolean; timedOut: boolean } {
		if (error instanceof ProviderError) return { error, retryable: false, timedOut: false };
		const name = this.profile.name;
		if (error instanceof TransportFailure) {
			if (error.kind === 'redirect') {
				return {
					error: new ProviderError(
						this.redact(
							`${name} answered with a redirect that was not followed: ${error.message}. No credential was sent there; check the base URL of the "${this.profile.credentialName}" credential`,
						),
						{ description: `Only redirects within ${hostOf(request.url)} are followed.` },
					),
					retryable: false,
					timedOut: false,
				};
			}
			if (error.kind === 'tooLarge') {
				return {
					error: new ProviderError(`${name} sent an answer that was not read: ${error.message}`, {
						description: 'No status answer is that large; the answer was dropped as soon as it passed the bound.',
					}),
					retryable: false,
					timedOut: false,
				};
			}
			if (error.kind === 'deadline') {
				return {
					error: new ProviderError(
						`Could not reach ${name}: the request timed out (no complete answer, headers and body, within ${this.settings.timeoutMs} ms)${retriedNote(retries)}`,
						{
							description: 'Network error code ETIMEDOUT',
						},
					),
					retryable: true,
					timedOut: true,
				};
			}
		}
		const code = error instanceof TransportFailure ? error.extra.code : undefined;
		const cause = error instanceof TransportFailure ? (error.extra.cause ?? error) : error;
		const original = originalMessage(cause);
		const authentication = /credential/i.test(original) && !code;
		const reason = (code && NETWORK_MESSAGES[code]) ?? 'the request failed';
		return {
			error: new ProviderError(
				this.redact(
					authentication
						? original.includes(this.profile.credentialName)
							? original
							: `Could not authenticate with the "${this.profile.credentialName}" credential: ${original}`
						: `Could not reach ${name}: ${reason}${retriedNote(retries)}`,
				),
				{ description: code ? `Network error code ${code}` : this.redact(original), authentication },
			),
			retryable: !authentication && isRetryableNetworkCode(code),
			timedOut: code !== undefined && TIMEOUT_CODES.has(code),
		};
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
		const description = [described.description, this.traceNote(response)].filter(Boolean).join('. ');
		return new ProviderError(this.redact(`${this.profile.name}: ${described.message}${retriedNote(retries)}`), {
			httpCode: String(response.statusCode),
			providerCode: described.providerCode,
			description: description ? this.redact(description) : undefined,
		});
	}
}

/** A context that can also read the node's credential (execute, poll and webhook contexts can). */
export interface CredentialContext extends RequestContext {
	getCredentials(type: string): Promise<ICredentialDataDecryptedObject>;
	/** The node, whose `credentials` name the credential's id (execute, poll and webhook contexts have it). */
	getNode?(): INode;
}

function secretsOf(credentials: ICredentialDataDecryptedObject, fields: readonly string[]): string[] {
	return fields
		.map((field) => credentials[field])
		.filter((value): value is string => typeof value === 'string' && value.length > 0);
}

/**
 * The longest wait of an execution that starts while the credential caches no token (see `createProviderClient`).
 * Measured in queue mode (test/queue, "cold token bursts"): 13 concurrent PPL executions made several token
 * requests without it (PPL allows 12 a minute), about one with it.
 */
export const COLD_TOKEN_STAGGER_MS = 2000;

function holdsToken(credentials: ICredentialDataDecryptedObject): boolean {
	return typeof credentials.accessToken === 'string' && credentials.accessToken !== '';
}

/**
 * Reads the node's credential once and builds its client: the given retry and timeout settings, and the
 * credential's secret fields (the token cache included) kept out of every message and item, re-read after a refresh.
 *
 * With `staggerColdToken` (executions that a trigger or a webhook started), a credential that caches tokens but
 * holds none makes the execution wait a random share of COLD_TOKEN_STAGGER_MS before its first request. n8n runs
 * the credential's preAuthentication in every execution that reads the credential before the first new token is
 * saved, with no lock across executions or workers: without the wait, a burst of executions that start together
 * each fetch their own token. With it, the first to wake fetches the token and saves it, and those waking after
 * that find it (each reads the credential again after its wait).
 */
export async function createProviderClient(
	context: CredentialContext,
	profile: ProviderProfile,
	secretFields: readonly string[],
	options: {
		maxRetries: number;
		timeoutMs: number;
		maxRequestsPerSecond?: number;
		slots?: ClientSettings['slots'];
		staggerColdToken?: boolean;
		clock?: Clock;
	},
): Promise<{ client: ProviderClient; credentials: ICredentialDataDecryptedObject }> {
	let read = await context.getCredentials(profile.credentialType);
	if (options.staggerColdToken && profile.tokenExpiredStatusCodes?.length && !holdsToken(read)) {
		await (options.clock ?? systemClock).sleep(Math.floor(Math.random() * COLD_TOKEN_STAGGER_MS));
		read = await context.getCredentials(profile.credentialType);
	}
	// A credential with a token cache: n8n writes the token its preAuthentication fetched into the credential object
	// handed to it, right before it sends the request; the client learns of it at that moment.
	const notify: { client?: ProviderClient } = {};
	const credentials = profile.tokenExpiredStatusCodes?.length
		? new Proxy(read, {
				set(target, key, value) {
					const fresh = key === CACHED_TOKEN_FIELD && typeof value === 'string' && value !== '' && value !== target[key];
					target[key as string] = value;
					if (fresh) notify.client?.tokenStored(value);
					return true;
				},
			})
		: read;
	const reference = context.getNode?.().credentials?.[profile.credentialType];
	const client = new ProviderClient(context, profile, {
		credentials: reference?.id ? { id: reference.id, name: reference.name, type: profile.credentialType, data: credentials } : undefined,
		retry: { ...DEFAULT_RETRY_POLICY, maxRetries: options.maxRetries },
		timeoutMs: options.timeoutMs,
		maxRequestsPerSecond: options.maxRequestsPerSecond,
		secrets: secretsOf(credentials, secretFields),
		reloadSecrets: async () => secretsOf(await context.getCredentials(profile.credentialType), secretFields),
		slots: options.slots,
	});
	notify.client = client;
	return { client, credentials };
}
