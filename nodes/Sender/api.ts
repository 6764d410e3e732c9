import type { IBinaryData, ICredentialDataDecryptedObject, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { SENDER_URLS } from '../../credentials/SenderApi.credentials';
import { resolveBaseUrl } from '../shared/environment';
import { encodePathSegment, InvalidIdentifierError, normaliseIdentifier } from '../shared/identifier';
import type {
	ProviderClient,
	ProviderErrorDetails,
	ProviderProfile,
	ProviderResponse,
} from '../shared/providerClient';
import type { ParsedOrderStatus, StatusOperation } from '../shared/runStatusCheck';
import { labelFileName, readSenderOrder, type SenderOrder } from './orderBody';
import { SENDER_ORDER_STATUSES } from './statuses';

export const SENDER_PROVIDER = 'sender';
export const SENDER_CREDENTIAL_TYPE = 'senderApi';
/** Credential fields whose values must never appear in a message. */
export const SENDER_SECRET_FIELDS = ['apiKey'];
/** Where a base64 label goes on the item. */
export const LABEL_BINARY_PROPERTY = 'label';

const REFERENCE_LABEL = 'Order Reference';
const CREDENTIAL_HINT = 'check the API Key and "Send Key As" of the "Sender API" credential';

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
	if (typeof value === 'number') return String(value);
	return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** Laravel's `errors: { field: [messages] }` (or a plain list) as "field: message; …", naming each field. */
function validationErrors(errors: unknown): string | undefined {
	const lines: string[] = [];
	if (Array.isArray(errors)) {
		for (const entry of errors) {
			const line = text(entry) ?? (isObject(entry) ? text(entry.message) : undefined);
			if (line) lines.push(line);
		}
	} else if (isObject(errors)) {
		for (const [field, messages] of Object.entries(errors)) {
			const first = Array.isArray(messages) ? text(messages[0]) : text(messages);
			lines.push(first ? `${field}: ${first}` : field);
		}
	}
	if (lines.length === 0) return undefined;
	const shown = lines.slice(0, 5).join('; ');
	return lines.length > 5 ? `${shown}; and ${lines.length - 5} more` : shown;
}

/** Reads Sender's (Laravel style) error answer `{ message, errors }` into a message that says what to fix. */
export function describeSenderError(response: ProviderResponse): ProviderErrorDetails {
	const body = isObject(response.json) ? response.json : undefined;
	const message = text(body?.message) ?? text(body?.error);
	const fields = validationErrors(body?.errors);
	const providerCode = text(body?.code);
	const said = message ? ` (${message})` : '';
	switch (response.statusCode) {
		case 401:
			return {
				message: `the API key was refused${said}: ${CREDENTIAL_HINT}`,
				description: 'Sandbox and production keys differ: the Environment of the credential must match the key',
				providerCode,
			};
		case 403:
			return {
				message: `access was refused${said}: ${CREDENTIAL_HINT}; the key may belong to the other environment`,
				providerCode,
			};
		case 404:
			return {
				message: message ?? 'Order not found',
				description: 'No Sender order has this reference. Use the order reference from the Place Order response.',
				providerCode,
			};
	}
	if (fields) return { message: `${message ?? 'The given data was invalid'} ${fields}`, providerCode };
	return { message: message ?? `HTTP ${response.statusCode}`, providerCode };
}

export const SENDER_PROFILE: ProviderProfile = {
	name: 'Sender',
	credentialType: SENDER_CREDENTIAL_TYPE,
	credentialName: 'Sender API',
	describeError: describeSenderError,
};

/**
 * Validates an order reference before any request. Sender does not publish the reference format; it assigns the
 * references, and they never hold URL separators. Refused: besides the shared checks, a value without a single
 * letter or digit, and one with `/`, `\`, `?`, `#` or `%` (see encodePathSegment).
 */
export function readOrderReference(value: unknown): string {
	const reference = normaliseIdentifier(value, REFERENCE_LABEL);
	if (!/[\p{L}\p{N}]/u.test(reference)) {
		throw new InvalidIdentifierError(
			`${REFERENCE_LABEL} "${reference}" has no letter or digit, so it cannot be a Sender order reference`,
		);
	}
	encodePathSegment(reference, REFERENCE_LABEL);
	return reference;
}

/** What turning a base64 label into n8n binary data needs; execute and webhook contexts both have it. */
export interface BinaryDataHelper {
	prepareBinaryData(data: Buffer, fileName?: string, mimeType?: string): Promise<IBinaryData>;
}

/** The label file as n8n binary data: a PDF when it looks like one, otherwise bytes of unknown type. */
async function labelBinary(content: string, reference: string, helper: BinaryDataHelper): Promise<IBinaryData> {
	const bytes = Buffer.from(content, 'base64');
	const isPdf = bytes.subarray(0, 5).toString('latin1') === '%PDF-';
	return await helper.prepareBinaryData(
		bytes,
		labelFileName(reference, isPdf ? 'pdf' : 'bin'),
		isPdf ? 'application/pdf' : 'application/octet-stream',
	);
}

/**
 * An order body (a Get Order answer or a callback payload) as the shared runner's parsed status: the label
 * file goes to binary data (`details` says where) and stays out of `details`; `raw` is the body unchanged.
 */
export async function toParsedOrderStatus(
	order: SenderOrder,
	orderId: string,
	raw: unknown,
	helper: BinaryDataHelper,
): Promise<ParsedOrderStatus> {
	const parsed: ParsedOrderStatus = {
		orderId,
		statusRaw: order.status ?? null,
		providerTable: SENDER_ORDER_STATUSES,
		details: { ...order.details },
		raw,
	};
	if (order.labelContent !== undefined) {
		parsed.binary = { [LABEL_BINARY_PROPERTY]: await labelBinary(order.labelContent, orderId, helper) };
		parsed.details.labelBinaryProperty = LABEL_BINARY_PROPERTY;
	}
	return parsed;
}

/** `GET {base}/orders/{reference}`: one order, read into its status. Used by the action node and the trigger. */
export async function fetchSenderOrder(
	client: ProviderClient,
	credentials: ICredentialDataDecryptedObject,
	reference: string,
	helper: BinaryDataHelper,
): Promise<ParsedOrderStatus> {
	const url = `${resolveBaseUrl(credentials, SENDER_URLS)}/orders/${encodePathSegment(reference, REFERENCE_LABEL)}`;
	const { order, json } = await client.request({ method: 'GET', url }, (response) => {
		if (!isObject(response.json)) throw client.invalidResponse(response, 'expected a JSON object with the order');
		const order = readSenderOrder(response.json);
		if (order.status === undefined) throw client.invalidResponse(response, 'the order has no "status" field');
		return { order, json: response.json };
	});
	return await toParsedOrderStatus(order, reference, json, helper);
}

export interface SenderOrderQuery {
	reference: string;
}

export const SENDER_GET_BY_REFERENCE: StatusOperation<SenderOrderQuery> = {
	provider: SENDER_PROVIDER,
	profile: SENDER_PROFILE,
	secretFields: SENDER_SECRET_FIELDS,
	identifierParameter: 'orderReference',
	readQuery(context: IExecuteFunctions, itemIndex: number): SenderOrderQuery {
		return { reference: readOrderReference(context.getNodeParameter('orderReference', itemIndex, '')) };
	},
	orderIdOf: (query) => query.reference,
	fetchOne: async (api, query) => [
		await fetchSenderOrder(api.client, api.credentials, query.reference, api.context.helpers),
	],
};
