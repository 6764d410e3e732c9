import { createHash } from 'node:crypto';

import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
} from 'n8n-workflow';

import { systemClock, type Clock } from './request/clock';
import { REDACTED, Redactor } from './request/redaction';
import { sendAttempt, TransportFailure } from './request/transport';

/**
 * The token request of a credential with a non-standard OAuth2 client-credentials endpoint, used from the
 * credential's `preAuthentication`. Failures become plain errors that name the credential and carry nothing
 * secret: no `cause` (the original error holds the request, and the request holds the secret), and provider text
 * is cleaned of the secrets and of anything token-shaped.
 */
export interface TokenRequest {
	/** Starts every message, e.g. "PPL CPL API credential". */
	credentialName: string;
	url: string;
	headers: Record<string, string>;
	/** Form-encoded body. */
	body: string;
	/** Values that must never appear in a message. */
	secrets: string[];
	/** The provider's own words from an error body (its error shapes), or '' when there are none. */
	describeErrorBody(body: unknown): string;
	/** HTTP statuses that mean "these credentials are refused". */
	refusalStatuses: number[];
	/** The sentence for a refusal, e.g. "the token endpoint refused the Client ID / Client Secret with HTTP 400". */
	refusal(status: number): string;
	/** What the user should check after a refusal. */
	refusalHint: string;
	/** The sentence for HTTP 429, when the provider limits token requests. */
	rateLimited?: string;
}

/** Cuts a provider text down to something safe to show: no secret (in any spelling), no token, one short line. */
export function safeProviderText(value: unknown, secrets: readonly string[]): string {
	if (typeof value !== 'string' || value.trim() === '') return '';
	let text = new Redactor(secrets).redact(value.replace(/\s+/g, ' ').trim());
	// A JWT or a similar three-part opaque token is dropped as well.
	text = text.replace(/[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, REDACTED);
	return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function parseMaybeJson(body: unknown): unknown {
	if (typeof body !== 'string') return body;
	try {
		return JSON.parse(body);
	} catch {
		return undefined;
	}
}

interface Answer {
	statusCode: number;
	body: string;
}

/**
 * The hard deadline of a token request, headers and body together (the node's Timeout option cannot reach a
 * credential). A token request is never redirected: the secret travels in it.
 */
export const TOKEN_REQUEST_TIMEOUT_MS = 10_000;

/** Sends the token request; returns the answer, or why there is none. */
async function send(
	helpers: IHttpRequestHelper,
	request: TokenRequest,
	clock: Clock,
): Promise<Answer | { failure: TransportFailure }> {
	try {
		const answer = await sendAttempt(
			async (options) => await helpers.helpers.httpRequest(options),
			{
				method: 'POST',
				url: request.url,
				headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...request.headers },
				body: request.body,
				ignoreHttpStatusErrors: true,
				timeout: TOKEN_REQUEST_TIMEOUT_MS,
			},
			{ deadlineMs: TOKEN_REQUEST_TIMEOUT_MS, redirects: 'never' },
			clock,
		);
		return { statusCode: answer.statusCode, body: answer.text };
	} catch (error) {
		// Only our own description of the failure: the original error holds the request, and the request the secret.
		return { failure: error instanceof TransportFailure ? error : new TransportFailure('network', 'the request failed') };
	}
}

/** Requests an access token and returns it; throws an `Error` with a message a user can act on. */
export async function requestAccessToken(
	helpers: IHttpRequestHelper,
	request: TokenRequest,
	clock: Clock = systemClock,
): Promise<string> {
	const answer = await send(helpers, request, clock);
	const name = request.credentialName;
	const endpoint = request.url.replace(/\/\/[^/@]*@/, '//');
	if ('failure' in answer) {
		const { kind, message, extra } = answer.failure;
		if (kind === 'redirect') {
			throw new Error(
				`${name}: the token endpoint ${endpoint} answered with a redirect, which token requests never follow (${message}). Check the environment or base URL`,
			);
		}
		if (kind === 'tooLarge') throw new Error(`${name}: the token endpoint ${endpoint} sent an answer that was not read: ${message}`);
		const why = kind === 'deadline' ? ` (no complete answer within ${TOKEN_REQUEST_TIMEOUT_MS} ms)` : extra.code ? ` (${extra.code})` : '';
		throw new Error(`${name}: could not reach the token endpoint ${endpoint}${why}. Check the environment or base URL`);
	}
	const { statusCode, body } = answer;
	if (statusCode < 200 || statusCode >= 300) {
		const said = safeProviderText(request.describeErrorBody(parseMaybeJson(body)), request.secrets);
		const suffix = said ? ` (${said})` : '';
		if (request.refusalStatuses.includes(statusCode)) {
			throw new Error(`${name}: ${request.refusal(statusCode)}${suffix}. ${request.refusalHint}`);
		}
		if (statusCode === 429 && request.rateLimited) throw new Error(`${name}: ${request.rateLimited}${suffix}`);
		throw new Error(`${name}: the token endpoint answered HTTP ${statusCode}${suffix}`);
	}
	const accessToken = (parseMaybeJson(body) as IDataObject | undefined)?.access_token;
	if (typeof accessToken !== 'string' || accessToken === '') {
		throw new Error(`${name}: the token endpoint answered without an access_token`);
	}
	return accessToken;
}

/**
 * The fingerprint of the credential values a token was obtained with (token endpoint, client id, secret): the
 * first 32 hex characters of a SHA-256 over them. Stored beside the cached token as `tokenFor`, it tells whether
 * that token still belongs to what the credential says now. One-way, so it shows nothing of the secret; the field
 * is masked as well, since a hash of a weak secret could still be guessed offline.
 */
export function tokenFingerprint(values: readonly string[]): string {
	return createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 32);
}

/**
 * The `authenticate` of a credential that caches its token in the hidden expirable `accessToken` and the
 * fingerprint of the values that obtained it in `tokenFor` (what its preAuthentication returns).
 *
 * The token is sent only while `tokenFor` matches the credential's current values. After a change (another
 * secret, client id or environment) the request goes out without `Authorization`, the provider answers 401,
 * and n8n runs preAuthentication again (`credentialsExpired`) and retries: a changed secret gets its own token at
 * once, and a wrong one fails with the credential's refusal message instead of riding on the old token. n8n runs
 * preAuthentication before a request only when `accessToken` is empty, and "Test credential" does not force it
 * either, so this check is what binds the token to the secret.
 *
 * Saved credentials whose token was cached before `tokenFor` existed have no fingerprint: their token is
 * replaced once, on the first request, and they go on as before.
 *
 * Returns a copy of the request options; their other headers are kept.
 */
export function authenticateWithCachedToken(
	fingerprintOf: (credentials: ICredentialDataDecryptedObject) => string,
): (credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions) => Promise<IHttpRequestOptions> {
	return async (credentials, requestOptions) => {
		const token = typeof credentials.accessToken === 'string' ? credentials.accessToken : '';
		let current: string | undefined;
		try {
			current = fingerprintOf(credentials);
		} catch {
			// Values no token can be obtained with (e.g. an invalid base URL): send none, the request fails with
			// 401 and preAuthentication explains what is wrong.
			current = undefined;
		}
		const headers: IDataObject = {};
		// The credential owns Authorization: a value from an earlier pass (n8n authenticates the retried request
		// again) must not survive in any spelling.
		for (const [name, value] of Object.entries(requestOptions.headers ?? {})) {
			if (name.toLowerCase() !== 'authorization') headers[name] = value;
		}
		if (token !== '' && current !== undefined && credentials.tokenFor === current) {
			headers.Authorization = `Bearer ${token}`;
		}
		return { ...requestOptions, headers };
	};
}
