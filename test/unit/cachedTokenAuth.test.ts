/**
 * The token fingerprint (`tokenFor`) and the `authenticate` of the token-caching credentials (PPL CPL, Pitney
 * Bowes), without n8n: which values bind a token, and what a request carries when they match or not.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IHttpRequestHelper,
	IHttpRequestOptions,
} from 'n8n-workflow';

import { PitneyBowesFulfillmentApi } from '../../credentials/PitneyBowesFulfillmentApi.credentials';
import { PPL_CPL_URLS, PplCplApi } from '../../credentials/PplCplApi.credentials';
import { authenticateWithCachedToken, tokenFingerprint } from '../../nodes/shared/tokenRequest';

const SECRET = 'SECRET-fingerprint-secret-5H6';

describe('tokenFingerprint', () => {
	const base = ['https://api.example/v2', 'client-1', SECRET];

	test('32 hex characters, the same for the same values', () => {
		expect(tokenFingerprint(base)).toMatch(/^[0-9a-f]{32}$/);
		expect(tokenFingerprint([...base])).toBe(tokenFingerprint(base));
	});

	test.each([0, 1, 2])('differs when value %i differs', (index) => {
		const changed = [...base];
		changed[index] = `${changed[index]}x`;
		expect(tokenFingerprint(changed)).not.toBe(tokenFingerprint(base));
	});

	test('values cannot run into each other (["ab", "c"] is not ["a", "bc"])', () => {
		expect(tokenFingerprint(['ab', 'c'])).not.toBe(tokenFingerprint(['a', 'bc']));
		expect(tokenFingerprint(['a', ''])).not.toBe(tokenFingerprint(['a']));
	});

	test('contains nothing of the secret', () => {
		const fingerprint = tokenFingerprint(base);
		for (let start = 0; start + 6 <= SECRET.length; start++) {
			expect(fingerprint).not.toContain(SECRET.slice(start, start + 6).toLowerCase());
		}
		expect(fingerprint).not.toContain(Buffer.from(SECRET).toString('hex').slice(0, 12));
		expect(fingerprint).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 12));
	});
});

/** A helper whose token endpoint answers with `token`, counting the requests. */
function tokenEndpoint(token: string) {
	const calls: IHttpRequestOptions[] = [];
	const helper = {
		helpers: {
			httpRequest: async (options: IHttpRequestOptions) => {
				calls.push(options);
				return { statusCode: 200, body: { access_token: token } };
			},
		},
	} as unknown as IHttpRequestHelper;
	return { helper, calls };
}

interface CredentialCase {
	name: string;
	type: ICredentialType;
	values: ICredentialDataDecryptedObject;
	/** Changes that must give another fingerprint (another token). */
	binding: Array<[string, ICredentialDataDecryptedObject]>;
	/** Changes that must keep the fingerprint (the token request stays the same). */
	neutral: Array<[string, ICredentialDataDecryptedObject]>;
	secrets: string[];
}

const CASES: CredentialCase[] = [
	{
		name: 'PPL CPL API',
		type: new PplCplApi(),
		values: { environment: 'custom', baseUrl: 'https://ppl.example/myapi2', clientId: 'ppl-client', clientSecret: SECRET },
		binding: [
			['Client Secret', { clientSecret: `${SECRET}x` }],
			['Client ID', { clientId: 'other-client' }],
			['Base URL', { baseUrl: 'https://other.example/myapi2' }],
			['environment Sandbox', { environment: 'sandbox' }],
			['environment Production', { environment: 'production' }],
		],
		neutral: [
			['a trailing slash on the Base URL', { baseUrl: 'https://ppl.example/myapi2/' }],
			['spaces around the Client ID (trimmed when sent)', { clientId: ' ppl-client ' }],
		],
		secrets: [SECRET],
	},
	{
		name: 'Pitney Bowes Fulfillment API',
		type: new PitneyBowesFulfillmentApi(),
		values: {
			environment: 'custom',
			baseUrl: 'https://pb.example',
			apiKey: 'KEY-fingerprint-key-7J8',
			apiSecret: SECRET,
			clientId: 'MYCLIENT',
		},
		binding: [
			['API Secret', { apiSecret: `${SECRET}x` }],
			['API Key', { apiKey: 'KEY-other-key-9K0' }],
			['Base URL', { baseUrl: 'https://other.example' }],
			['environment Sandbox', { environment: 'sandbox' }],
		],
		neutral: [
			['the Client ID (not part of the token request)', { clientId: 'OTHERCLIENT' }],
			['a trailing slash on the Base URL', { baseUrl: 'https://pb.example/' }],
			['spaces around the API Secret (trimmed when sent)', { apiSecret: ` ${SECRET} ` }],
		],
		secrets: [SECRET, 'KEY-fingerprint-key-7J8'],
	},
];

describe.each(CASES)('$name', ({ type, values, binding, neutral, secrets }) => {
	async function preAuthenticate(credentials: ICredentialDataDecryptedObject, token = 'token-1') {
		const { helper, calls } = tokenEndpoint(token);
		const output = (await (type.preAuthentication as (
			this: IHttpRequestHelper,
			credentials: ICredentialDataDecryptedObject,
		) => Promise<ICredentialDataDecryptedObject>).call(helper, credentials)) as { accessToken: string; tokenFor: string };
		return { output, calls };
	}
	const authenticate = (credentials: ICredentialDataDecryptedObject, options: IHttpRequestOptions) =>
		(type.authenticate as (c: ICredentialDataDecryptedObject, o: IHttpRequestOptions) => Promise<IHttpRequestOptions>)(
			credentials,
			options,
		);
	const request = (): IHttpRequestOptions => ({ url: 'https://api.example/x', headers: { Accept: 'application/json', 'X-Trace': 't1' } });

	test('has exactly one expirable field, the token, and a masked hidden tokenFor', () => {
		const expirable = type.properties.filter((property) => property.typeOptions?.expirable === true);
		expect(expirable.map((property) => property.name)).toEqual(['accessToken']);
		const tokenFor = type.properties.find((property) => property.name === 'tokenFor');
		expect(tokenFor).toMatchObject({ type: 'hidden', default: '', typeOptions: { password: true } });
	});

	test('preAuthentication returns the token with the fingerprint of the values it used', async () => {
		const { output, calls } = await preAuthenticate(values);
		expect(calls).toHaveLength(1);
		expect(output.accessToken).toBe('token-1');
		expect(output.tokenFor).toMatch(/^[0-9a-f]{32}$/);
		for (const secret of secrets) expect(JSON.stringify(output)).not.toContain(secret);
		expect((await preAuthenticate({ ...values })).output.tokenFor).toBe(output.tokenFor);
	});

	test.each(binding)('another %s gives another fingerprint, and the token is not sent', async (_what, change) => {
		const { output } = await preAuthenticate(values);
		const changed = { ...values, ...change };
		expect((await preAuthenticate(changed)).output.tokenFor).not.toBe(output.tokenFor);
		const sent = await authenticate({ ...changed, ...output }, request());
		expect(sent.headers).toEqual({ Accept: 'application/json', 'X-Trace': 't1' });
	});

	test.each(neutral)('%s keeps the fingerprint, and the token is sent', async (_what, change) => {
		const { output } = await preAuthenticate(values);
		const changed = { ...values, ...change };
		expect((await preAuthenticate(changed)).output.tokenFor).toBe(output.tokenFor);
		const sent = await authenticate({ ...changed, ...output }, request());
		expect(sent.headers).toEqual({ Accept: 'application/json', 'X-Trace': 't1', Authorization: 'Bearer token-1' });
	});

	test('authenticate: Bearer token when the fingerprint matches; a copy, other headers kept, the input untouched', async () => {
		const { output } = await preAuthenticate(values);
		const input = request();
		const sent = await authenticate({ ...values, ...output }, input);
		expect(sent).not.toBe(input);
		expect(sent).toEqual({ ...input, headers: { ...input.headers, Authorization: 'Bearer token-1' } });
		expect(input).toEqual(request());
	});

	test('authenticate: no token without a fingerprint (saved before tokenFor), with an empty token, or a bad Base URL', async () => {
		const { output } = await preAuthenticate(values);
		const cases: ICredentialDataDecryptedObject[] = [
			{ ...values, accessToken: output.accessToken },
			{ ...values, accessToken: output.accessToken, tokenFor: '' },
			{ ...values, accessToken: '', tokenFor: output.tokenFor },
			{ ...values, ...output, environment: 'custom', baseUrl: 'not a url' },
		];
		for (const credentials of cases) {
			const sent = await authenticate(credentials, request());
			expect(sent.headers).toEqual({ Accept: 'application/json', 'X-Trace': 't1' });
		}
	});

	test('authenticate: an Authorization from an earlier pass is replaced or removed, in any spelling', async () => {
		const { output } = await preAuthenticate(values);
		const stale = { url: 'https://api.example/x', headers: { authorization: 'Bearer old', Accept: 'application/json' } };
		expect((await authenticate({ ...values, ...output }, stale)).headers).toEqual({
			Accept: 'application/json',
			Authorization: 'Bearer token-1',
		});
		expect((await authenticate({ ...values, ...output, tokenFor: 'other' }, stale)).headers).toEqual({
			Accept: 'application/json',
		});
	});
});

test('the environment counts by the URL it resolves to: Production is the same as its URL as Custom Base URL', async () => {
	const type = new PplCplApi();
	const tokenFor = async (credentials: ICredentialDataDecryptedObject) =>
		((await (type.preAuthentication as (c: ICredentialDataDecryptedObject) => Promise<{ tokenFor: string }>).call(
			tokenEndpoint('t').helper,
			credentials,
		)) as { tokenFor: string }).tokenFor;
	const secrets = { clientId: 'c', clientSecret: SECRET };
	const production = await tokenFor({ environment: 'production', ...secrets });
	expect(await tokenFor({ environment: 'custom', baseUrl: `${PPL_CPL_URLS.production}/`, ...secrets })).toBe(production);
	expect(await tokenFor({ environment: 'sandbox', ...secrets })).not.toBe(production);
});

test('authenticateWithCachedToken works on requests without headers', async () => {
	const authenticate = authenticateWithCachedToken(() => 'fp');
	expect(await authenticate({ accessToken: 't', tokenFor: 'fp' }, { url: 'https://x.example' })).toEqual({
		url: 'https://x.example',
		headers: { Authorization: 'Bearer t' },
	});
	expect(await authenticate({ accessToken: 't', tokenFor: 'fp2' }, { url: 'https://x.example' })).toEqual({
		url: 'https://x.example',
		headers: {},
	});
});
