import type { IHttpRequestHelper } from 'n8n-workflow';

import { requestAccessToken, safeProviderText, type TokenRequest } from '../../nodes/shared/tokenRequest';

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
