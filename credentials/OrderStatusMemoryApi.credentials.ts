import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

/** The n8n URL as the credential holds it, as an expression: no trailing slash, no `/api/v1`. */
export const N8N_API_BASE_EXPRESSION =
	"={{ String($credentials.baseUrl).trim().replace(/\\/+$/, '').replace(/\\/api\\/v1$/, '') + '/api/v1' }}";

/**
 * An n8n API key for *Only Output Changes* with its memory in a Data Table. n8n lets only its own Data Table
 * nodes reach Data Tables from inside a workflow (its data-table proxy refuses other node types, n8n 1.x and 2.x
 * alike), so a community node reaches them the way any other client does: through n8n's public API
 * (`/api/v1/data-tables`, n8n 2.x), with an API key of a user who may read and write the project's Data Tables.
 */
export class OrderStatusMemoryApi implements ICredentialType {
	name = 'orderStatusMemoryApi';

	displayName = 'Order Status Memory API';

	icon = { light: 'file:../icons/orderStatusMemory.svg', dark: 'file:../icons/orderStatusMemory.dark.svg' } as const;

	documentationUrl = 'https://docs.n8n.io/api/authentication/';

	properties: INodeProperties[] = [
		{
			displayName: 'n8n URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'e.g. http://n8n-main:5678',
			description:
				"This n8n's own URL as its workers reach it (the main instance serves the API); without /api/v1",
			required: true,
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				'An n8n API key (Settings → n8n API) of a user who may read and write Data Tables: with scopes, dataTable:list, dataTable:create, dataTable:read and dataTableRow:read, create, update and delete',
			required: true,
		},
	];

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: { headers: { 'X-N8N-API-KEY': '={{$credentials.apiKey}}' } },
	};

	test: ICredentialTestRequest = {
		request: {
			baseURL: N8N_API_BASE_EXPRESSION,
			url: '/data-tables',
			qs: { limit: 1 },
			method: 'GET',
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message: 'n8n refused the API key (401): check the key and that it has not expired',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message: "The API key may not list Data Tables (403): give it the dataTable and dataTableRow scopes",
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message:
						"This n8n's API has no Data Tables (404): they are in the public API from n8n 2.x on, with the data-table module on. Check the URL too",
				},
			},
		],
	};
}
