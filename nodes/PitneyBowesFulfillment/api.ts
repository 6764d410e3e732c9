import { randomBytes } from 'crypto';
import type { ICredentialDataDecryptedObject, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { PITNEY_BOWES_URLS } from '../../credentials/PitneyBowesFulfillmentApi.credentials';
import { resolveBaseUrl } from '../shared/environment';
import { encodePathSegment, normaliseIdentifier } from '../shared/identifier';
import {
	ProviderError,
	type ProviderErrorDetails,
	type ProviderProfile,
	type ProviderResponse,
} from '../shared/providerClient';
import type { ParsedOrderStatus, ProviderApi, StatusOperation } from '../shared/runStatusCheck';
import { PITNEY_BOWES_ORDER_STATUSES } from './statuses';

export const PITNEY_BOWES_PROVIDER = 'pitney-bowes-fulfillment';

const CREDENTIAL_TYPE = 'pitneyBowesFulfillmentApi';
const CREDENTIAL_NAME = 'Pitney Bowes Fulfillment API';

/** API gateway codes for a token the gateway no longer accepts: invalid or revoked (1002), expired (1003). */
const TOKEN_REFUSED_CODES: ReadonlySet<string> = new Set(['PB-APIM-ERR-1002', 'PB-APIM-ERR-1003']);
/** API gateway code for too many requests in one second: "reissue the API call". */
const SPIKE_ARREST_CODE = 'PB-APIM-ERR-1006';
/** Shipping APIs code for an unknown clientId. */
const INVALID_CLIENT_ID_CODE = '1000004';

/** One entry of any of PB's error bodies, read into one shape. */
export interface PitneyBowesErrorEntry {
	code?: string;
	description?: string;
	additionalInfo?: string;
	parameters?: string[];
}

function firstText(entry: IDataObject, keys: string[]): string | undefined {
	for (const key of keys) {
		const value = entry[key];
		if (typeof value === 'string' && value.trim()) return value.trim();
		if (typeof value === 'number') return String(value);
	}
	return undefined;
}

/**
 * Reads every documented error body: the standard `{"errors":[…]}` (also legacy format 2, which adds
 * `"status":"ERROR"`), the legacy top-level array `[{errorCode, message, additionalInfo}]` (and format 3 with
 * `key`), and the gateway's bare `{errorCode, errorDescription}`.
 */
export function readPitneyBowesErrors(body: unknown): PitneyBowesErrorEntry[] {
	let entries: unknown[];
	if (Array.isArray(body)) entries = body;
	else if (body && typeof body === 'object' && Array.isArray((body as IDataObject).errors)) {
		entries = (body as IDataObject).errors as unknown[];
	} else if (body && typeof body === 'object') entries = [body];
	else return [];
	return entries
		.filter((entry): entry is IDataObject => Boolean(entry) && typeof entry === 'object' && !Array.isArray(entry))
		.map((entry) => ({
			code: firstText(entry, ['errorCode', 'key', 'error']),
			description: firstText(entry, ['errorDescription', 'message', 'error_description', 'userMessage']),
			additionalInfo: firstText(entry, ['additionalInfo', 'moreInfo']),
			parameters: Array.isArray(entry.parameters)
				? entry.parameters.filter((parameter): parameter is string => typeof parameter === 'string')
				: undefined,
		}))
		.filter((entry) => entry.code !== undefined || entry.description !== undefined);
}

function errorCodeOf(response: ProviderResponse): string | undefined {
	return readPitneyBowesErrors(response.json)[0]?.code;
}

/** "code: description (additional info)" for one entry. */
function formatEntry(entry: PitneyBowesErrorEntry): string {
	const head = [entry.code, entry.description].filter(Boolean).join(': ');
	return entry.additionalInfo && entry.additionalInfo !== entry.description
		? `${head} (${entry.additionalInfo})`
		: head;
}

/** What a user can do about an error, when the code or status says it. */
function hintFor(code: string | undefined, statusCode: number): string | undefined {
	if (code === INVALID_CLIENT_ID_CODE) return `Check the Client ID of the "${CREDENTIAL_NAME}" credential`;
	if (code !== undefined && TOKEN_REFUSED_CODES.has(code)) {
		return `Check the API Key, the API Secret and the environment of the "${CREDENTIAL_NAME}" credential`;
	}
	if (statusCode === 403) {
		return 'The account is not enabled for this Fulfillment API: Pitney Bowes must onboard it first';
	}
	if (statusCode === 404) {
		return 'Check the order ID (the ID Pitney Bowes assigned), the Client ID and the Brand option';
	}
	return undefined;
}

export function describePitneyBowesError(response: ProviderResponse): ProviderErrorDetails {
	const entries = readPitneyBowesErrors(response.json);
	const code = entries[0]?.code;
	const parameters = [...new Set(entries.flatMap((entry) => entry.parameters ?? []))];
	const description =
		[hintFor(code, response.statusCode), parameters.length ? `Parameters: ${parameters.join(', ')}` : undefined]
			.filter(Boolean)
			.join('. ') || undefined;
	if (entries.length === 0) {
		return { message: `HTTP ${response.statusCode}`, description };
	}
	return { message: entries.map(formatEntry).join('; '), providerCode: code, description };
}

/**
 * A fresh `X-PB-TransactionId` for every request (retries included): PB wants it unique, at most 25 of
 * `[A-Za-z0-9_-]`. `n8n-` + 20 base64url characters (120 random bits) is 24 characters.
 */
export function newTransactionId(): string {
	return `n8n-${randomBytes(15).toString('base64url')}`;
}

export const PITNEY_BOWES_PROFILE: ProviderProfile = {
	name: 'Pitney Bowes',
	credentialType: CREDENTIAL_TYPE,
	credentialName: CREDENTIAL_NAME,
	describeError: describePitneyBowesError,
	// The gateway answers 401 for a token it no longer accepts; a 403 counts only with a token code (a plain 403
	// means the account is not enabled). n8n then runs the credential's preAuthentication once.
	tokenExpiredStatusCodes: [401, 403],
	isTokenExpired: (response) => {
		if (response.statusCode === 401) return true;
		const code = errorCodeOf(response);
		return response.statusCode === 403 && code !== undefined && TOKEN_REFUSED_CODES.has(code);
	},
	// Spike arrest is the gateway's rate limit ("reissue the call"); its HTTP status is not documented, so the
	// code decides: retried, and paced like a 429.
	isRateLimited: (response) => errorCodeOf(response) === SPIKE_ARREST_CODE,
	traceHeaders: () => {
		const traceId = newTransactionId();
		return { headers: { 'X-PB-TransactionId': traceId }, traceId };
	},
	traceLabel: 'Transaction ID',
};

export interface PitneyBowesStatusQuery {
	orderId: string;
}

/** The Fulfillment APIs' base; a bad custom Base URL fails with resolveBaseUrl's message, before any request. */
export function fulfillmentBaseUrl(credentials: ICredentialDataDecryptedObject): string {
	return `${resolveBaseUrl(credentials, PITNEY_BOWES_URLS)}/shippingservices/fulfillment`;
}

export function clientIdOf(credentials: ICredentialDataDecryptedObject): string {
	const clientId = String(credentials.clientId ?? '').trim();
	if (!clientId) {
		throw new ProviderError(`The "${CREDENTIAL_NAME}" credential has no Client ID`, {
			authentication: true,
			description: 'Pitney Bowes assigns the Client ID when it onboards an account to the Fulfillment APIs',
		});
	}
	return clientId;
}

function textOrUndefined(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

/** `GET /v1/orders/{orderId}/status?clientId=…[&brand=…]` for one order. */
export async function fetchPitneyBowesOrderStatus(
	api: ProviderApi,
	query: PitneyBowesStatusQuery,
): Promise<ParsedOrderStatus[]> {
	const { client, credentials, options } = api;
	const qs: IDataObject = { clientId: clientIdOf(credentials) };
	const brand = typeof options.all.brand === 'string' ? options.all.brand.trim() : '';
	if (brand) qs.brand = brand;
	const url = `${fulfillmentBaseUrl(credentials)}/v1/orders/${encodePathSegment(query.orderId, 'Order ID')}/status`;

	const order = await client.request({ method: 'GET', url, qs }, (response) => {
		const body = response.json;
		if (!body || typeof body !== 'object' || Array.isArray(body)) {
			throw client.invalidResponse(response, 'expected a JSON object with the order status');
		}
		const order = body as IDataObject;
		if (readStatusValue(order) === null && typeof order.isOnHold !== 'boolean') {
			throw client.invalidResponse(response, 'the answer has neither "status" nor "isOnHold"');
		}
		return order;
	});
	return [parsePitneyBowesOrderStatus(query.orderId, order)];
}

function readStatusValue(order: IDataObject): string | number | null {
	return typeof order.status === 'string' || typeof order.status === 'number' ? order.status : null;
}

/** One order's status answer (Get Order Status, or a row of the status search) as a status to map. */
export function parsePitneyBowesOrderStatus(orderId: string, order: IDataObject): ParsedOrderStatus {
	const holdReasons = Array.isArray(order.holdReason)
		? order.holdReason.filter((reason): reason is string => typeof reason === 'string')
		: undefined;
	return {
		orderId,
		statusRaw: readStatusValue(order),
		providerTable: PITNEY_BOWES_ORDER_STATUSES,
		// PB's own hold flag outranks the status value (status-model.md §2 step 3).
		override: order.isOnHold === true ? 'on_hold' : undefined,
		details: {
			clientOrderId: textOrUndefined(order.clientOrderId),
			customerOrderId: textOrUndefined(order.customerOrderId),
			isOnHold: typeof order.isOnHold === 'boolean' ? order.isOnHold : undefined,
			holdReasons,
			createDate: textOrUndefined(order.createDate),
			pbCreateDate: textOrUndefined(order.pbCreateDate),
			updateDate: textOrUndefined(order.updateDate),
			pbUpdateDate: textOrUndefined(order.pbUpdateDate),
		},
		raw: order,
	};
}

export const PITNEY_BOWES_GET_STATUS: StatusOperation<PitneyBowesStatusQuery> = {
	provider: PITNEY_BOWES_PROVIDER,
	profile: PITNEY_BOWES_PROFILE,
	secretFields: ['apiKey', 'apiSecret', 'accessToken'],
	identifierParameter: 'orderId',
	readQuery(context: IExecuteFunctions, itemIndex: number): PitneyBowesStatusQuery {
		const orderId = normaliseIdentifier(context.getNodeParameter('orderId', itemIndex, ''), 'Order ID');
		// Refuse `.` and `..` before any request is queued.
		encodePathSegment(orderId, 'Order ID');
		return { orderId };
	},
	orderIdOf: (query) => query.orderId,
	fetchOne: fetchPitneyBowesOrderStatus,
};
