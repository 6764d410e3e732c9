import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { baseUrlExpression, environmentProperties, type ProviderEnvironments } from '../nodes/shared/environment';

/**
 * Sender shipping API (api.sender.lv, documented at dev.shipmentapi.com). The sandbox URL is documented; the
 * production URL is the sandbox path without `/sandbox` (inferred, hence the Custom Base URL escape hatch).
 */
export const SENDER_URLS: ProviderEnvironments = {
	production: 'https://api.sender.lv/api/v1',
	sandbox: 'https://api.sender.lv/api/sandbox/v1',
};

/**
 * Sender API key. The public docs do not say how the key travels, so the credential offers the usual
 * `Authorization: Bearer <key>` (default) or a custom header. The key never goes into the URL.
 */
export class SenderApi implements ICredentialType {
	name = 'senderApi';

	displayName = 'Sender API';

	icon = { light: 'file:../icons/sender.svg', dark: 'file:../icons/sender.dark.svg' } as const;

	documentationUrl = 'https://dev.shipmentapi.com/en/scenarios/14';

	properties: INodeProperties[] = [
		...environmentProperties(SENDER_URLS),
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'The API key Sender issued for your business account (sandbox and production keys differ)',
			required: true,
		},
		{
			displayName: 'Send Key As',
			name: 'authMode',
			type: 'options',
			options: [
				{
					name: 'Authorization: Bearer',
					value: 'bearer',
					description: 'Send "Authorization: Bearer <key>"',
				},
				{
					name: 'Custom Header',
					value: 'header',
					description: 'Send the key as the value of a header you name',
				},
			],
			default: 'bearer',
			description:
				'How the key is sent. Sender does not document this publicly: keep Bearer unless Sender told you otherwise.',
		},
		{
			displayName: 'Header Name',
			name: 'headerName',
			type: 'string',
			default: 'X-Api-Key',
			description: 'Name of the header that carries the key',
			displayOptions: { show: { authMode: ['header'] } },
		},
		{
			displayName: 'Language',
			name: 'language',
			type: 'options',
			options: [
				{ name: 'None (API Default)', value: '' },
				{ name: 'English', value: 'en' },
				{ name: 'Latvian', value: 'lv' },
				{ name: 'Russian', value: 'ru' },
			],
			default: '',
			description: 'Language of titles and error messages, sent as the x-api-lang-iso header',
		},
	];

	/**
	 * A function rather than a generic authenticate: the header name depends on a field, and the optional
	 * language header must be left out entirely when no language is chosen.
	 */
	authenticate = async (
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> => {
		const apiKey = String(credentials.apiKey ?? '');
		const headers: IDataObject = { ...(requestOptions.headers ?? {}) };
		if (credentials.authMode === 'header') {
			const headerName = String(credentials.headerName ?? '').trim() || 'X-Api-Key';
			headers[headerName] = apiKey;
		} else {
			headers.Authorization = `Bearer ${apiKey}`;
		}
		const language = String(credentials.language ?? '').trim();
		if (language) headers['x-api-lang-iso'] = language;
		return { ...requestOptions, headers };
	};

	// Sender documents no "who am I" endpoint, so the test asks for an order that cannot exist. A 404 (or 422)
	// proves the key was accepted; 401/403 mean it was not. n8n's `responseCode` rules can only turn a status
	// into a FAILURE (they run on thrown errors), and every non-2xx answer fails by default. So the request
	// ignores HTTP errors except the codes listed in `except`: those still throw and meet the rules (401/403
	// with a clear message; 429 and 5xx fail with n8n's default message), while a 404/422 passes as success.
	// Limit: any other 4xx (e.g. a 404 from a wrong Custom Base URL) also passes.
	test: ICredentialTestRequest = {
		request: {
			baseURL: baseUrlExpression(SENDER_URLS),
			url: '/orders/n8n-credential-test',
			method: 'GET',
			json: true,
			ignoreHttpStatusErrors: { ignore: true, except: [401, 403, 407, 429, 500, 502, 503, 504] },
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message: 'Sender refused the API key (401): check the key, the environment and "Send Key As"',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message: 'Sender refused access (403): the key may belong to the other environment or lack rights',
				},
			},
		],
	};
}
