import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

/** Altcraft Platform User API. The token travels in the JSON body, as every Market method page documents. */
export class AltcraftApi implements ICredentialType {
	name = 'altcraftApi';

	displayName = 'Altcraft API';

	icon = { light: 'file:../icons/altcraft.svg', dark: 'file:../icons/altcraft.dark.svg' } as const;

	documentationUrl = 'https://guides.altcraft.com/en/developer-guide/api-interaction';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://ru.altkraft.com',
			description:
				'Address of your Altcraft platform: https://ru.altkraft.com for Altcraft Cloud, or your own domain for an on-premise install',
			required: true,
		},
		{
			displayName: 'API Token',
			name: 'apiToken',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'Created under Settings → Tokens by a master user; its role must allow Market access',
			required: true,
		},
	];

	/**
	 * The token in the JSON body, as n8n's generic `body: { token: '={{$credentials.apiToken}}' }` puts it, written as
	 * a function: n8n resolves a generic property as an expression for every request (about as costly as the
	 * node's own Order ID expression), while this only copies the value. Returns a copy; other body fields are kept.
	 */
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const body = requestOptions.body && typeof requestOptions.body === 'object' ? (requestOptions.body as IDataObject) : {};
		const token = credentials.apiToken;
		return { ...requestOptions, body: { ...body, token: token ? String(token) : '' } };
	}

	// A cheap authenticated Market call: listing one order. A wrong token answers HTTP 200 with error 401/403,
	// so the rule checks the envelope's `error` field rather than the HTTP status.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{String($credentials.baseUrl).trim().replace(/\\/+$/, "")}}',
			url: '/api/v1.1/market/orders/list',
			method: 'POST',
			body: { limit: 1 },
			json: true,
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'error',
					value: 401,
					message: 'Altcraft answered "API token required": check the API token',
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'error',
					value: 403,
					message: 'Altcraft refused the token: check that it exists and that its role allows Market access',
				},
			},
		],
	};
}
