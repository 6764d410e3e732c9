import {
	sleep,
	type ICredentialDataDecryptedObject,
	type ICredentialTestRequest,
	type ICredentialType,
	type IDataObject,
	type IHttpRequestHelper,
	type INodeProperties,
} from 'n8n-workflow';

import {
	baseUrlExpression,
	environmentProperties,
	resolveBaseUrl,
	type ProviderEnvironments,
} from '../nodes/shared/environment';
import {
	authenticateWithCachedToken,
	requestAccessToken,
	safeProviderText,
	tokenFingerprint,
} from '../nodes/shared/tokenRequest';

export const PPL_CPL_URLS: ProviderEnvironments = {
	production: 'https://api.dhl.com/ecs/ppl/myapi2',
	sandbox: 'https://api-dev.dhl.com/ecs/ppl/myapi2',
};

/** PPL asks for at least 40 ms between consecutive requests, the token request included. */
export const PPL_MIN_REQUEST_GAP_MS = 40;

const CREDENTIAL = 'PPL CPL API credential';

/** The Client ID and Client Secret as the token request sends them. */
function clientCredentials(credentials: ICredentialDataDecryptedObject): { clientId: string; clientSecret: string } {
	return { clientId: String(credentials.clientId ?? '').trim(), clientSecret: String(credentials.clientSecret ?? '') };
}

/** What decides the token: the token endpoint's base URL, the Client ID and the Client Secret (throws on a bad URL). */
function tokenFor(credentials: ICredentialDataDecryptedObject): string {
	const { clientId, clientSecret } = clientCredentials(credentials);
	return tokenFingerprint([resolveBaseUrl(credentials, PPL_CPL_URLS), clientId, clientSecret]);
}

/** The provider's own words from an error body (OAuth2 `error`/`error_description` or problem details). */
function describeBody(data: unknown): string {
	if (!data || typeof data !== 'object') return '';
	const fields = data as IDataObject;
	const parts = [fields.error, fields.error_description ?? fields.detail ?? fields.title]
		.map((part) => safeProviderText(part, []))
		.filter((part, index, all) => part !== '' && all.indexOf(part) === index);
	return parts.join(': ');
}

/**
 * PPL CZ CPL API (MyAPI2). OAuth2 client credentials with a form-encoded token endpoint
 * (`POST {base}/login/getAccessToken`, `scope=myapi2`); tokens live 30 minutes and PPL allows only
 * 12 token requests a minute, so the token is kept in a hidden expirable field and fetched again only
 * when it is empty, when the Client ID, Client Secret or environment changed since (`tokenFor`), or when an API
 * call answered 401.
 */
export class PplCplApi implements ICredentialType {
	name = 'pplCplApi';

	displayName = 'PPL CPL API';

	icon = { light: 'file:../icons/ppl.svg', dark: 'file:../icons/ppl.dark.svg' } as const;

	documentationUrl = 'https://ppl-cpl-api-en.apidog.io/authentication-2929427f0';

	properties: INodeProperties[] = [
		...environmentProperties(PPL_CPL_URLS),
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			description: 'Client ID of your CPL API access, from PPL (sandbox and production have separate credentials)',
			required: true,
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Client secret that belongs to the client ID',
			required: true,
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
		{
			// The fingerprint of the values the cached token was obtained with (see authenticate). Not expirable:
			// n8n expects exactly one expirable field, the token.
			displayName: 'Token For',
			name: 'tokenFor',
			type: 'hidden',
			typeOptions: { password: true },
			default: '',
		},
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		const { clientId, clientSecret } = clientCredentials(credentials);
		if (!clientId || !clientSecret) {
			throw new Error(`${CREDENTIAL}: enter the Client ID and the Client Secret`);
		}
		let url: string;
		try {
			url = `${resolveBaseUrl(credentials, PPL_CPL_URLS)}/login/getAccessToken`;
		} catch (error) {
			throw new Error(`${CREDENTIAL}: ${(error as Error).message}`);
		}
		// n8n sends this request right after an API call answered 401 and the API call right after it: keep
		// PPL's gap on both sides (a token is fetched at most every 30 minutes, so this costs nothing).
		await sleep(PPL_MIN_REQUEST_GAP_MS);
		const accessToken = await requestAccessToken(this, {
			credentialName: CREDENTIAL,
			url,
			headers: {},
			// The secrets travel only in the form body, never in the URL.
			body: new URLSearchParams({
				grant_type: 'client_credentials',
				client_id: clientId,
				client_secret: clientSecret,
				scope: 'myapi2',
			}).toString(),
			secrets: [clientSecret],
			describeErrorBody: describeBody,
			refusalStatuses: [400, 401, 403],
			refusal: (status) => `the token endpoint refused the Client ID / Client Secret with HTTP ${status}`,
			refusalHint: 'Check both values and that they belong to the chosen environment',
			rateLimited: 'too many token requests (PPL allows 12 per minute); wait a minute and try again',
		});
		await sleep(PPL_MIN_REQUEST_GAP_MS);
		return { accessToken, tokenFor: tokenFor(credentials) };
	}

	// `Authorization: Bearer <accessToken>` while the token belongs to the current Client ID, Client Secret and
	// environment; otherwise no token, so PPL answers 401 and n8n fetches a new one (tokenRequest.ts). A token
	// saved before `tokenFor` existed is replaced once that way.
	authenticate = authenticateWithCachedToken(tokenFor);

	// Unless a token obtained with these very values is cached, the test request makes n8n run preAuthentication
	// (empty token, or the 401 of a request sent without one), so a passing test proves the token flow too.
	// `/codelist/status` needs a token (unlike `/info`) and is the cheapest authenticated list.
	test: ICredentialTestRequest = {
		request: {
			baseURL: baseUrlExpression(PPL_CPL_URLS),
			// Limit and Offset are required; inline so no serializer can drop the falsy Offset=0.
			url: '/codelist/status?Limit=1&Offset=0',
			method: 'GET',
		},
	};
}
