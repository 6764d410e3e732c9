import type { ICredentialDataDecryptedObject, INodeProperties } from 'n8n-workflow';

/** Where a credential sends its requests: the provider's production or sandbox host, or a custom base URL. */
export interface ProviderEnvironments {
	production: string;
	sandbox?: string;
}

/**
 * The credential fields every provider shares: an environment choice and, for "Custom", a base URL
 * (simulators, proxies, on-premise installs). Credentials spread these into their `properties`.
 */
export function environmentProperties(urls: ProviderEnvironments): INodeProperties[] {
	const options = [
		{ name: 'Production', value: 'production', description: urls.production },
		...(urls.sandbox ? [{ name: 'Sandbox', value: 'sandbox', description: urls.sandbox }] : []),
		{ name: 'Custom Base URL', value: 'custom', description: 'A proxy, an on-premise install or a test server' },
	];
	return [
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			options,
			default: 'production',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: urls.production,
			description: 'Base URL of the API, without a trailing slash',
			displayOptions: { show: { environment: ['custom'] } },
		},
	];
}

/** The base URL a credential points at, without a trailing slash. */
export function resolveBaseUrl(credentials: ICredentialDataDecryptedObject, urls: ProviderEnvironments): string {
	const environment = String(credentials.environment ?? 'production');
	let url: string;
	if (environment === 'custom') {
		url = String(credentials.baseUrl ?? '').trim();
		if (!/^https?:\/\/[^\s/]+/i.test(url)) {
			throw new Error('The credential\'s Base URL must start with http:// or https:// and name a host');
		}
	} else if (environment === 'sandbox' && urls.sandbox) {
		url = urls.sandbox;
	} else {
		url = urls.production;
	}
	return url.replace(/\/+$/, '');
}

/**
 * The same choice as an n8n expression, for a credential's declarative `test.request.baseURL`.
 * Kept beside `resolveBaseUrl` so the two cannot drift apart.
 */
export function baseUrlExpression(urls: ProviderEnvironments): string {
	const sandbox = urls.sandbox ?? urls.production;
	return (
		`={{ ($credentials.environment === 'custom' ? String($credentials.baseUrl).trim() : ` +
		`($credentials.environment === 'sandbox' ? '${sandbox}' : '${urls.production}')).replace(/\\/+$/, '') }}`
	);
}
