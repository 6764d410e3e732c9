import type { ICredentialDataDecryptedObject, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { InvalidIdentifierError, normaliseIdentifier, parsePositiveInteger } from '../shared/identifier';
import { itemParameter } from '../shared/itemParameters';
import {
	ProviderError,
	type ProviderClient,
	type ProviderErrorDetails,
	type ProviderProfile,
	type ProviderResponse,
} from '../shared/providerClient';
import type { ParsedOrderStatus, ProviderApi, StatusOperation } from '../shared/runStatusCheck';
import { ALTCRAFT_ORDER_STATUSES } from './statuses';

export const ALTCRAFT_PROVIDER = 'altcraft-market';

/** Altcraft answers `{ error, error_text, ... }`; `error: 0` is success, whatever the HTTP status. */
interface AltcraftEnvelope {
	error?: unknown;
	error_text?: unknown;
	result?: unknown;
	[key: string]: unknown;
}

function describeAltcraftError(response: ProviderResponse): ProviderErrorDetails {
	const envelope = response.json as AltcraftEnvelope | undefined;
	if (envelope && typeof envelope === 'object' && typeof envelope.error_text === 'string' && envelope.error_text) {
		return {
			message: `${envelope.error_text} (error ${String(envelope.error)})`,
			providerCode: envelope.error === undefined ? undefined : String(envelope.error),
		};
	}
	return { message: `HTTP ${response.statusCode}` };
}

export const ALTCRAFT_PROFILE: ProviderProfile = {
	name: 'Altcraft',
	credentialType: 'altcraftApi',
	credentialName: 'Altcraft API',
	describeError: describeAltcraftError,
};

export function altcraftBaseUrl(credentials: ICredentialDataDecryptedObject): string {
	const url = String(credentials.baseUrl ?? '').trim();
	if (!/^https?:\/\/[^\s/]+/i.test(url)) {
		throw new ProviderError('The Altcraft API credential needs a Base URL starting with http:// or https://', {
			authentication: true,
		});
	}
	return url.replace(/\/+$/, '');
}

/** POSTs an Altcraft method and returns the envelope of a successful call; `error != 0` throws. */
export async function callAltcraft(
	client: ProviderClient,
	credentials: ICredentialDataDecryptedObject,
	method: string,
	body: IDataObject,
): Promise<AltcraftEnvelope> {
	const { response, envelope } = await client.request(
		{
			method: 'POST',
			url: `${altcraftBaseUrl(credentials)}/api/v1.1/${method}`,
			body,
			headers: { 'Content-Type': 'application/json' },
		},
		(response) => {
			const envelope = response.json;
			if (!envelope || typeof envelope !== 'object' || Array.isArray(envelope)) {
				throw client.invalidResponse(response, 'expected a JSON object with "error" and "error_text"');
			}
			const { error } = envelope as AltcraftEnvelope;
			if (typeof error !== 'number' && !(typeof error === 'string' && /^\d+$/.test(error))) {
				throw client.invalidResponse(response, 'the "error" field is missing or not a number');
			}
			return { response, envelope: envelope as AltcraftEnvelope };
		},
	);
	const { error } = envelope;
	if (Number(error) !== 0) {
		const described = describeAltcraftError(response);
		const refused = Number(error) === 401 || Number(error) === 403;
		const failure = new ProviderError(client.redact(`Altcraft: ${described.message}`), {
			httpCode: String(response.statusCode),
			providerCode: String(error),
			description: refused
				? 'Check the API token of the "Altcraft API" credential and that its role allows Market access'
				: undefined,
		});
		throw refused ? client.rejectCredential(failure) : failure;
	}
	return envelope as AltcraftEnvelope;
}

export type AltcraftIdentifierType = 'externalId' | 'id';

export interface AltcraftStatusQuery {
	identifyBy: AltcraftIdentifierType;
	orderId: string;
}

/** The docs show `result` as an object but type it as an array: accept both. */
function resultObject(envelope: AltcraftEnvelope): IDataObject | undefined {
	const result = Array.isArray(envelope.result) ? envelope.result[0] : envelope.result;
	return result && typeof result === 'object' && !Array.isArray(result) ? (result as IDataObject) : undefined;
}

export async function fetchAltcraftOrderStatus(
	api: ProviderApi,
	query: AltcraftStatusQuery,
): Promise<ParsedOrderStatus[]> {
	const body: IDataObject =
		query.identifyBy === 'id'
			? { id: parsePositiveInteger(query.orderId, 'Order ID') }
			: { external_id: query.orderId };
	const envelope = await callAltcraft(api.client, api.credentials, 'market/orders/get_status', body);
	const result = resultObject(envelope);
	const status = result?.status;
	if (!result || (typeof status !== 'string' && typeof status !== 'number')) {
		throw new ProviderError(`Altcraft answered without an order status for "${query.orderId}"`, {
			httpCode: '200',
			description: 'The answer had no result.status field',
		});
	}
	return [
		{
			orderId: query.orderId,
			statusRaw: status,
			providerTable: ALTCRAFT_ORDER_STATUSES,
			details: { endpoint: typeof result.endpoint === 'string' ? result.endpoint : undefined },
			raw: envelope,
		},
	];
}

export const ALTCRAFT_GET_STATUS: StatusOperation<AltcraftStatusQuery> = {
	provider: ALTCRAFT_PROVIDER,
	profile: ALTCRAFT_PROFILE,
	secretFields: ['apiToken'],
	identifierParameter: 'orderId',
	readQuery(context: IExecuteFunctions, itemIndex: number): AltcraftStatusQuery {
		const identifyBy = itemParameter(context, 'identifyBy', itemIndex, 'externalId') as AltcraftIdentifierType;
		if (identifyBy !== 'externalId' && identifyBy !== 'id') {
			throw new InvalidIdentifierError(`"Identify Order By" must be External ID or Internal ID`);
		}
		const orderId = normaliseIdentifier(context.getNodeParameter('orderId', itemIndex, ''), 'Order ID');
		if (identifyBy === 'id') parsePositiveInteger(orderId, 'Order ID');
		return { identifyBy, orderId };
	},
	orderIdOf: (query) => query.orderId,
	fetchOne: fetchAltcraftOrderStatus,
};
