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

	// Sender documents no "who am I" endpoint; Get Rates & Delivery Options is the cheapest authenticated call
	// that succeeds with a valid key (it reads prices, it creates nothing). A refused key throws 401/403 and meets
	// the rules. (An earlier version asked for a missing order and ignored its 404, but n8n 1.x does not know the
	// `ignoreHttpStatusErrors: { except }` form and then passed wrong keys too.)
	test: ICredentialTestRequest = {
		request: {
			baseURL: baseUrlExpression(SENDER_URLS),
			url: '/rates',
			method: 'POST',
			json: true,
			body: { from: { country_iso: 'LV' }, to: { country_iso: 'LV' } },
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
