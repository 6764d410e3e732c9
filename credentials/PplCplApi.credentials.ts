import {
	sleep,
	type IAuthenticateGeneric,
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

export const PPL_CPL_URLS: ProviderEnvironments = {
	production: 'https://api.dhl.com/ecs/ppl/myapi2',
	sandbox: 'https://api-dev.dhl.com/ecs/ppl/myapi2',
};

/** PPL asks for at least 40 ms between consecutive requests, the token request included. */
export const PPL_MIN_REQUEST_GAP_MS = 40;

const CREDENTIAL = 'PPL CPL API credential';

/** Cuts a provider text down to something safe to show: no secret, no token, one short line. */
function safeText(value: unknown, secrets: string[]): string {
	if (typeof value !== 'string' || value.trim() === '') return '';
	let text = value.replace(/\s+/g, ' ').trim();
	for (const secret of secrets) {
		if (secret) text = text.split(secret).join('***');
	}
	// Anything that looks like a JWT or a long opaque token is dropped as well.
	text = text.replace(/[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g, '***');
	return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** The provider's own words from an error body (OAuth2 `error`/`error_description` or problem details). */
function describeBody(body: unknown, secrets: string[]): string {
	let data = body;
	if (typeof data === 'string') {
		try {
			data = JSON.parse(data);
		} catch {
			return '';
		}
	}
	if (!data || typeof data !== 'object') return '';
	const fields = data as IDataObject;
	const parts = [fields.error, fields.error_description ?? fields.detail ?? fields.title]
		.map((part) => safeText(part, secrets))
		.filter((part, index, all) => part !== '' && all.indexOf(part) === index);
	return parts.join(': ');
}

/**
 * PPL CZ CPL API (MyAPI2). OAuth2 client credentials with a form-encoded token endpoint
 * (`POST {base}/login/getAccessToken`, `scope=myapi2`); tokens live 30 minutes and PPL allows only
 * 12 token requests a minute, so the token is kept in a hidden expirable field and fetched again only
 * when it is empty or an API call answered 401.
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
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		const clientId = String(credentials.clientId ?? '').trim();
		const clientSecret = String(credentials.clientSecret ?? '');
		if (!clientId || !clientSecret) {
			throw new Error(`${CREDENTIAL}: enter the Client ID and the Client Secret`);
		}
		let url: string;
		try {
			url = `${resolveBaseUrl(credentials, PPL_CPL_URLS)}/login/getAccessToken`;
		} catch (error) {
			throw new Error(`${CREDENTIAL}: ${(error as Error).message}`);
		}
		// The secrets travel only in the form body, never in the URL.
		const body = new URLSearchParams({
			grant_type: 'client_credentials',
			client_id: clientId,
			client_secret: clientSecret,
			scope: 'myapi2',
		}).toString();
		const secrets = [clientSecret];

		let statusCode: number;
		let responseBody: unknown;
		// n8n sends this request right after an API call answered 401 and the API call right after it: keep
		// PPL's gap on both sides (a token is fetched at most every 30 minutes, so this costs nothing).
		await sleep(PPL_MIN_REQUEST_GAP_MS);
		try {
			const response = (await this.helpers.httpRequest({
				method: 'POST',
				url,
				headers: {
					'content-type': 'application/x-www-form-urlencoded',
					accept: 'application/json',
				},
				body,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
			})) as { statusCode?: number; body?: unknown };
			statusCode = Number(response.statusCode ?? 200);
			responseBody = response.body;
		} catch (error) {
			// A helper that throws on HTTP errors anyway: read only the status and the body, never the request.
			const failure = error as {
				response?: { status?: number; data?: unknown; body?: unknown };
				httpCode?: string | number;
				statusCode?: number;
				code?: string;
			};
			const status = Number(failure.response?.status ?? failure.statusCode ?? failure.httpCode);
			if (!Number.isFinite(status) || status === 0) {
				const code = typeof failure.code === 'string' && /^[A-Z_]+$/.test(failure.code) ? ` (${failure.code})` : '';
				// No `cause`: the original error holds the request, and the request holds the secret.
				throw new Error(`${CREDENTIAL}: could not reach the token endpoint ${url.replace(/\/\/[^/@]*@/, '//')}${code}`);
			}
			statusCode = status;
			responseBody = failure.response?.data ?? failure.response?.body;
		}

		if (statusCode < 200 || statusCode >= 300) {
			const said = describeBody(responseBody, secrets);
			const suffix = said ? ` (${said})` : '';
			if (statusCode === 400 || statusCode === 401 || statusCode === 403) {
				throw new Error(
					`${CREDENTIAL}: the token endpoint refused the Client ID / Client Secret with HTTP ${statusCode}${suffix}. ` +
						'Check both values and that they belong to the chosen environment',
				);
			}
			if (statusCode === 429) {
				throw new Error(
					`${CREDENTIAL}: too many token requests (PPL allows 12 per minute); wait a minute and try again${suffix}`,
				);
			}
			throw new Error(`${CREDENTIAL}: the token endpoint answered HTTP ${statusCode}${suffix}`);
		}

		let data = responseBody;
		if (typeof data === 'string') {
			try {
				data = JSON.parse(data);
			} catch {
				data = undefined;
			}
		}
		const accessToken = (data as IDataObject | undefined)?.access_token;
		if (typeof accessToken !== 'string' || accessToken === '') {
			throw new Error(`${CREDENTIAL}: the token endpoint answered without an access_token`);
		}
		await sleep(PPL_MIN_REQUEST_GAP_MS);
		return { accessToken };
	}

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken}}',
			},
		},
	};

	// n8n runs preAuthentication before the test request, so a passing test proves the token flow too.
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
