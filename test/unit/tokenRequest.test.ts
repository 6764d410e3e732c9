import { Readable } from 'node:stream';

import type { IHttpRequestHelper } from 'n8n-workflow';

import {
	requestAccessToken,
	safeProviderText,
	TOKEN_REQUEST_TIMEOUT_MS,
	type TokenRequest,
} from '../../nodes/shared/tokenRequest';
import { FakeClock } from './fakeClock';

const SECRET = 'SECRET-client-secret-123';

const request = (overrides: Partial<TokenRequest> = {}): TokenRequest => ({
	credentialName: 'Test API credential',
	url: 'https://user:pw@token.example/oauth/token',
	headers: {},
	body: `client_secret=${SECRET}`,
	secrets: [SECRET],
	describeErrorBody: (body) => String((body as { error_description?: string })?.error_description ?? ''),
	refusalStatuses: [401],
	refusal: (status) => `the endpoint refused the secret (HTTP ${status})`,
	refusalHint: 'Check it',
	rateLimited: 'too many token requests',
	...overrides,
});

const helperAnswering = (answer: () => unknown): IHttpRequestHelper =>
	({ helpers: { httpRequest: async () => answer() } }) as unknown as IHttpRequestHelper;

test('returns the access token of a 2xx answer, JSON as text or parsed', async () => {
	expect(await requestAccessToken(helperAnswering(() => ({ statusCode: 200, body: '{"access_token":"t1"}' })), request())).toBe('t1');
	expect(await requestAccessToken(helperAnswering(() => ({ statusCode: 200, body: { access_token: 't2' } })), request())).toBe('t2');
});

test.each([
	[{ statusCode: 401, body: { error_description: `bad ${SECRET}` } }, 'Test API credential: the endpoint refused the secret (HTTP 401) (bad [redacted]). Check it'],
	[{ statusCode: 429, body: {} }, 'Test API credential: too many token requests'],
	[{ statusCode: 503, body: 'down' }, 'Test API credential: the token endpoint answered HTTP 503'],
	[{ statusCode: 200, body: '<html>' }, 'Test API credential: the token endpoint answered without an access_token'],
])('answer %j → %s', async (answer, message) => {
	await expect(requestAccessToken(helperAnswering(() => answer), request())).rejects.toThrow(message);
});

test('a helper that throws on HTTP errors is read the same way, and the error carries no cause', async () => {
	const thrown = Object.assign(new Error('Request failed'), {
		cause: { response: { status: 401, data: { error_description: 'invalid_client' } }, config: { data: SECRET } },
	});
	const error = await requestAccessToken(helperAnswering(() => Promise.reject(thrown)), request()).catch((e: Error) => e);
	expect((error as Error).message).toBe('Test API credential: the endpoint refused the secret (HTTP 401) (invalid_client). Check it');
	expect((error as Error).cause).toBeUndefined();
	expect(JSON.stringify(error)).not.toContain(SECRET);
});

test('a network failure names the endpoint without URL credentials and gives the error code', async () => {
	const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
	await expect(requestAccessToken(helperAnswering(() => Promise.reject(refused)), request())).rejects.toThrow(
		'Test API credential: could not reach the token endpoint https://token.example/oauth/token (ECONNREFUSED). Check the environment or base URL',
	);
});

test('safeProviderText drops secrets and token-shaped strings, and keeps text short', () => {
	expect(safeProviderText(`token eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0NTY3.SflKxwRJSMeKKF2QT4 for ${SECRET}`, [SECRET])).toBe('token [redacted] for [redacted]');
	expect(safeProviderText('x'.repeat(500), []).length).toBe(201);
	expect(safeProviderText(42, [])).toBe('');
});

describe('the hostile token endpoint', () => {
	test('a redirect is never followed, not even within the origin, and the message says so', async () => {
		let calls = 0;
		const helper = helperAnswering(() => {
			calls++;
			return { statusCode: 307, headers: { location: 'https://token.example/elsewhere' }, body: '' };
		});
		await expect(requestAccessToken(helper, request())).rejects.toThrow(
			/^Test API credential: the token endpoint https:\/\/token\.example\/oauth\/token answered with a redirect, which token requests never follow/,
		);
		expect(calls).toBe(1);
	});

	test('n8n is asked not to follow redirects and given the hard deadline', async () => {
		let options: Record<string, unknown> = {};
		const helper = {
			helpers: {
				httpRequest: async (given: Record<string, unknown>) => {
					options = given;
					return { statusCode: 200, body: '{"access_token":"t"}' };
				},
			},
		} as unknown as IHttpRequestHelper;
		await requestAccessToken(helper, request());
		expect(options).toMatchObject({ disableFollowRedirect: true, encoding: 'stream' });
		expect(options.abortSignal).toBeInstanceOf(AbortSignal);
	});

	test('a dripped answer ends at the 10 s deadline', async () => {
		const clock = new FakeClock();
		const body = new Readable({ read() {} });
		void (async () => {
			while (!body.destroyed) {
				await clock.sleep(700);
				if (!body.destroyed) body.push('{');
			}
		})();
		const started = clock.now();
		const error = await clock.drive(
			requestAccessToken(helperAnswering(() => ({ statusCode: 200, body })), request(), clock).catch((e: Error) => e),
		);
		expect((error as Error).message).toBe(
			`Test API credential: could not reach the token endpoint https://token.example/oauth/token (no complete answer within ${TOKEN_REQUEST_TIMEOUT_MS} ms). Check the environment or base URL`,
		);
		expect(clock.now() - started).toBe(TOKEN_REQUEST_TIMEOUT_MS);
	});

	test('an error that echoes the posted form keeps the secret out in every spelling, short secrets too', async () => {
		const short = 'k9Q!';
		const form = new URLSearchParams({ client_id: 'id', client_secret: short, other: SECRET }).toString();
		const helper = helperAnswering(() => ({ statusCode: 400, body: { error_description: `bad request: ${form}` } }));
		const error = await requestAccessToken(helper, request({ refusalStatuses: [400], secrets: [SECRET, short] })).catch(
			(e: Error) => e,
		);
		const message = (error as Error).message;
		for (const leak of [short, encodeURIComponent(short), SECRET]) expect(message).not.toContain(leak);
		expect(message).toContain('client_secret=[redacted]');
	});
});
