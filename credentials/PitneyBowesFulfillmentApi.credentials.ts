import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	INodeProperties,
} from 'n8n-workflow';

import {
	baseUrlExpression,
	environmentProperties,
	resolveBaseUrl,
	type ProviderEnvironments,
} from '../nodes/shared/environment';
import { authenticateWithCachedToken, requestAccessToken, tokenFingerprint } from '../nodes/shared/tokenRequest';

/**
 * Hosts of the Pitney Bowes Shipping APIs. The OAuth token lives at `<host>/oauth/token`, the Fulfillment
 * APIs under `<host>/shippingservices/fulfillment`. A custom base URL stands for the host as well.
 */
export const PITNEY_BOWES_URLS: ProviderEnvironments = {
	production: 'https://shipping-api.pitneybowes.com',
	sandbox: 'https://shipping-api-sandbox.pitneybowes.com',
};

const CREDENTIAL_NAME = 'Pitney Bowes Fulfillment API credential';

/** The API Key and API Secret as the token request sends them. */
function keyAndSecret(credentials: ICredentialDataDecryptedObject): { apiKey: string; apiSecret: string } {
	return { apiKey: String(credentials.apiKey ?? '').trim(), apiSecret: String(credentials.apiSecret ?? '').trim() };
}

/**
 * What decides the token: the host, the API Key and the API Secret (throws on a bad URL). Not the Client ID: it is
 * not part of the token request, only of the Fulfillment calls.
 */
function tokenFor(credentials: ICredentialDataDecryptedObject): string {
	const { apiKey, apiSecret } = keyAndSecret(credentials);
	return tokenFingerprint([resolveBaseUrl(credentials, PITNEY_BOWES_URLS), apiKey, apiSecret]);
}

/** The first error code and description of any of PB's error body shapes. */
function providerError(data: unknown): { code?: string; description?: string } {
	const first = (Array.isArray(data) ? data[0] : (data as IDataObject | undefined)?.errors) as unknown;
	const entry = (Array.isArray(first) ? first[0] : (first ?? data)) as IDataObject | undefined;
	if (!entry || typeof entry !== 'object') return {};
	const pick = (...keys: string[]) => {
		for (const key of keys) {
			const value = entry[key];
			if (typeof value === 'string' && value) return value;
		}
		return undefined;
	};
	return {
		code: pick('errorCode', 'ErrorCode', 'key', 'error'),
		description: pick('errorDescription', 'message', 'Error', 'error_description'),
	};
}

/** PB's own words from a token error body, e.g. "PB-APIM-ERR-1001: Invalid client credentials". */
function describeTokenError(data: unknown): string {
	const { code, description } = providerError(data);
	return [code, description].filter(Boolean).join(': ');
}

/**
 * Pitney Bowes Shipping APIs OAuth (client credentials with a non-standard token endpoint): the token is
 * requested with `Authorization: Basic base64(key:secret)` and cached in the hidden expirable `accessToken`;
 * n8n requests a new one when it is empty, when the key, secret or environment changed since (`tokenFor`), or
 * after a 401 (PB-APIM-ERR-1002 / -1003).
 */
export class PitneyBowesFulfillmentApi implements ICredentialType {
	name = 'pitneyBowesFulfillmentApi';

	displayName = 'Pitney Bowes Fulfillment API';

	icon = { light: 'file:../icons/pitneyBowes.svg', dark: 'file:../icons/pitneyBowes.dark.svg' } as const;

	documentationUrl = 'https://docs.shippingapi.pitneybowes.com/getting-started.html';

	properties: INodeProperties[] = [
		...environmentProperties(PITNEY_BOWES_URLS),
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'The API key of your Pitney Bowes developer account (sandbox and production keys differ)',
			required: true,
		},
		{
			displayName: 'API Secret',
			name: 'apiSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'The API secret that belongs to the API key',
			required: true,
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			description:
				'The client ID Pitney Bowes assigned when onboarding you to the Fulfillment APIs (sent as clientId with every call)',
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
		const { apiKey, apiSecret } = keyAndSecret(credentials);
		if (!apiKey || !apiSecret) {
			throw new Error(`${CREDENTIAL_NAME}: the API Key and the API Secret are required`);
		}
		const basic = Buffer.from(`${apiKey}:${apiSecret}`).toString('base64');
		const accessToken = await requestAccessToken(this, {
			credentialName: CREDENTIAL_NAME,
			url: `${resolveBaseUrl(credentials, PITNEY_BOWES_URLS)}/oauth/token`,
			headers: { Authorization: `Basic ${basic}` },
			body: 'grant_type=client_credentials',
			secrets: [apiSecret, apiKey, basic],
			describeErrorBody: describeTokenError,
			refusalStatuses: [401, 403],
			refusal: (status) => `Pitney Bowes refused the API Key / API Secret (HTTP ${status})`,
			refusalHint: 'Check both values and the environment: sandbox keys do not work in production and vice versa',
		});
		return { accessToken, tokenFor: tokenFor(credentials) };
	}

	// `Authorization: Bearer <accessToken>` while the token belongs to the current key, secret and environment;
	// otherwise no token, so the gateway answers 401 and n8n fetches a new one (tokenRequest.ts). A token saved
	// before `tokenFor` existed is replaced once that way.
	authenticate = authenticateWithCachedToken(tokenFor);

	// The cheapest authenticated Fulfillment call: one page of one order from the status search. It proves the
	// key and secret (the token request), the environment and the Client ID together. X-PB-TransactionId is
	// required on every Fulfillment call.
	test: ICredentialTestRequest = {
		request: {
			baseURL: baseUrlExpression(PITNEY_BOWES_URLS),
			url: '/shippingservices/fulfillment/v1/orders/status/search',
			method: 'POST',
			qs: { page: 1, size: 1 },
			headers: { 'X-PB-TransactionId': 'n8n-credential-test' },
			body: { clientId: '={{$credentials.clientId}}' },
			json: true,
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 400,
					message: 'Pitney Bowes rejected the request: check the Client ID',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message: 'Pitney Bowes refused the access token: check the API Key, the API Secret and the environment',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'The account is not enabled for the Fulfillment APIs: Pitney Bowes must onboard it first',
				},
			},
		],
	};
}
