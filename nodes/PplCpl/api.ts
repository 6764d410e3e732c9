import { randomUUID } from 'crypto';
import type { ICredentialDataDecryptedObject, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { PPL_CPL_URLS, PPL_MIN_REQUEST_GAP_MS } from '../../credentials/PplCplApi.credentials';
import { resolveBaseUrl } from '../shared/environment';
import { encodePathSegment, InvalidIdentifierError, normaliseIdentifier } from '../shared/identifier';
import { itemParameter } from '../shared/itemParameters';
import {
	ProviderError,
	type ProviderErrorDetails,
	type ProviderProfile,
	type ProviderResponse,
} from '../shared/providerClient';
import type { ParsedOrderStatus, ProviderApi, StatusOperation } from '../shared/runStatusCheck';
import { PPL_IMPORT_STATES, PPL_ORDER_STATES } from './statuses';

export const PPL_PROVIDER = 'ppl-cpl';

/** PPL's array filters (`OrderReferences`, ...) take at most 50 values. */
export const PPL_MAX_FILTER_VALUES = 50;
/** The largest `Limit` PPL accepts on list endpoints. */
export const PPL_MAX_LIMIT = 1000;
/** Pages of one group's lookup before giving up (50 ids matching 10,000 orders is not a status check). */
const MAX_PAGES = 10;
export const DEFAULT_LANGUAGE = 'en-US';

const CREDENTIAL_NAME = 'PPL CPL API';

/**
 * The client spaces request STARTS; n8n's request pipeline (credentials, authentication, axios) takes a few
 * milliseconds more for one request than for the next, so arrivals at PPL would sometimes be closer than 40 ms.
 */
const PACING_MARGIN_MS = 10;

/** Three dot-separated base64url parts: a JWT such as PPL's access tokens. */
const JWT_LIKE = /[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g;

/** A provider text on one line, with anything token-like removed (a token issued mid-run is no known secret yet). */
function text(value: unknown): string {
	return typeof value === 'string' ? value.replace(/\s+/g, ' ').trim().replace(JWT_LIKE, '[redacted]') : '';
}

function shorten(value: string, max = 300): string {
	return value.length > max ? `${value.slice(0, max)}…` : value;
}

/**
 * Reads PPL's RFC 7807 problem details (`title`, `detail`, `errors`: field path → messages) into one message that
 * names each field, e.g. "One or more validation errors occurred: OrderNumbers: The field ...".
 * Token-endpoint style bodies (`error`, `error_description`) are read as well.
 */
export function describePplError(response: ProviderResponse): ProviderErrorDetails {
	const body = response.json;
	if (!body || typeof body !== 'object' || Array.isArray(body)) {
		return { message: `HTTP ${response.statusCode}` };
	}
	const problem = body as IDataObject;
	const headline =
		text(problem.detail) || text(problem.error_description) || text(problem.title) || text(problem.error);
	const fieldMessages: string[] = [];
	if (problem.errors && typeof problem.errors === 'object' && !Array.isArray(problem.errors)) {
		for (const [field, messages] of Object.entries(problem.errors as IDataObject)) {
			const said = (Array.isArray(messages) ? messages : [messages]).map(text).filter(Boolean).join(' ');
			fieldMessages.push(shorten(said ? `${field}: ${said}` : field));
		}
	}
	const shownFields = fieldMessages.slice(0, 5);
	if (fieldMessages.length > shownFields.length) shownFields.push(`(${fieldMessages.length - 5} more)`);
	const fields = shownFields.join('; ');
	let message: string;
	if (headline && fields) message = `${headline.replace(/[.:]+$/, '')}: ${fields}`;
	else message = fields || headline || `HTTP ${response.statusCode}`;
	const title = text(problem.title).replace(/[.:]+$/, '');
	const instance = text(problem.instance);
	const description = [
		`HTTP ${response.statusCode}${title && !message.includes(title) ? ` ${title}` : ''}`,
		instance ? `instance ${instance}` : '',
	]
		.filter(Boolean)
		.join(', ');
	const code = text(problem.code) || text(problem.errorCode);
	return { message: shorten(message, 1000), description, providerCode: code || undefined };
}

export const PPL_PROFILE: ProviderProfile = {
	name: 'PPL',
	credentialType: 'pplCplApi',
	credentialName: CREDENTIAL_NAME,
	describeError: describePplError,
	// A 401 means the cached token was revoked or expired: n8n fetches a new one once via preAuthentication.
	tokenExpiredStatusCodes: [401],
	// PPL echoes X-Correlation-ID; quoting it lets PPL support find the request.
	traceHeaders() {
		const traceId = randomUUID();
		return { headers: { 'X-Correlation-ID': traceId }, traceId };
	},
	traceLabel: 'Correlation ID',
	minRequestGapMs: PPL_MIN_REQUEST_GAP_MS + PACING_MARGIN_MS,
};

export function pplBaseUrl(credentials: ICredentialDataDecryptedObject): string {
	let problem: string;
	try {
		return resolveBaseUrl(credentials, PPL_CPL_URLS);
	} catch (error) {
		problem = (error as Error).message;
	}
	// A problem of the credential, not of the item: no request goes out.
	throw new ProviderError(`The "${CREDENTIAL_NAME}" credential: ${problem}`, { authentication: true });
}

/** The request headers every PPL call of this execution carries (the language of PPL's texts). */
function pplHeaders(api: ProviderApi): Record<string, string> {
	const language = text(api.options.all.language) || DEFAULT_LANGUAGE;
	return { 'Accept-Language': language };
}

// ------------------------------------------------------------------ Get Batch Status

export interface PplBatchQuery {
	/** What the user gave: the batch id or the whole Location URL. */
	given: string;
	batchId: string;
}

/** PPL batch ids are UUIDs; anything outside this set cannot be one and must not reach a URL. */
const BATCH_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * The batch id from the id itself or from the `Location` header of `POST /order/batch` (an absolute URL or a
 * path): its last path segment, without query or fragment. Segments are not resolved, so `..` cannot climb.
 */
export function parseBatchId(given: string): string {
	let candidate = given;
	const isUrl = /^https?:\/\//i.test(given);
	if (isUrl || given.startsWith('/')) {
		const path = (isUrl ? given.replace(/^https?:\/\/[^/?#]*/i, '') : given).replace(/[?#].*$/, '');
		const segments = path.split('/').filter((segment) => segment !== '');
		candidate = segments[segments.length - 1] ?? '';
	}
	if (!BATCH_ID_PATTERN.test(candidate)) {
		throw new InvalidIdentifierError(
			`Batch ID "${shorten(given, 80)}" is neither a PPL batch ID (a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6) ` +
				'nor the Location URL returned when the batch was created',
		);
	}
	return candidate;
}

interface PplBatchItem {
	referenceId?: unknown;
	importState?: unknown;
	errorCode?: unknown;
	errorMessage?: unknown;
}

/** `GET /order/batch/{batchId}`: one status per batch item (each an order being imported). */
export async function fetchPplBatchStatus(api: ProviderApi, query: PplBatchQuery): Promise<ParsedOrderStatus[]> {
	const { client, credentials } = api;
	const { response, items } = await client.request(
		{
			method: 'GET',
			url: `${pplBaseUrl(credentials)}/order/batch/${encodePathSegment(query.batchId, 'Batch ID')}`,
			headers: pplHeaders(api),
		},
		(response) => {
			const body = response.json;
			if (!body || typeof body !== 'object' || Array.isArray(body) || !Array.isArray((body as IDataObject).items)) {
				throw client.invalidResponse(response, 'expected a JSON object with an "items" list');
			}
			return { response, items: (body as { items: unknown[] }).items };
		},
	);
	if (items.length === 0) {
		throw new ProviderError(`PPL returned no items for batch ${query.batchId}`, {
			httpCode: String(response.statusCode),
			description:
				'An order batch always holds the orders sent with it; an empty answer cannot say their state. ' +
				'Check the batch ID, or try again in a moment.',
		});
	}
	return items.map((entry) => {
		const item = (entry && typeof entry === 'object' ? entry : {}) as PplBatchItem;
		const referenceId = text(item.referenceId);
		return {
			orderId: referenceId || query.batchId,
			statusRaw: typeof item.importState === 'string' || typeof item.importState === 'number' ? item.importState : null,
			providerTable: PPL_IMPORT_STATES,
			details: {
				batchId: query.batchId,
				referenceId: referenceId || undefined,
				errorCode: item.errorCode ?? undefined,
				errorMessage: item.errorMessage ?? undefined,
			} as IDataObject,
			raw: entry,
		};
	});
}

export const PPL_GET_BATCH_STATUS: StatusOperation<PplBatchQuery> = {
	provider: PPL_PROVIDER,
	profile: PPL_PROFILE,
	secretFields: ['clientSecret', 'accessToken'],
	identifierParameter: 'batchId',
	readQuery(context: IExecuteFunctions, itemIndex: number): PplBatchQuery {
		const given = normaliseIdentifier(context.getNodeParameter('batchId', itemIndex, ''), 'Batch ID');
		return { given, batchId: parseBatchId(given) };
	},
	orderIdOf: (query) => query.given,
	fetchOne: fetchPplBatchStatus,
};

// ------------------------------------------------------------------ Get Status (order tracking)

export type PplLookUpBy = 'orderReference' | 'orderNumber' | 'customerReference';

/** Per "Look Up By": the `GET /order` filter, the order field it matches and its name in messages. */
export const PPL_LOOK_UPS: Readonly<Record<PplLookUpBy, { filter: string; field: string; label: string }>> = {
	orderReference: { filter: 'OrderReferences', field: 'referenceId', label: 'order reference' },
	orderNumber: { filter: 'OrderNumbers', field: 'orderNumber', label: 'order number' },
	customerReference: { filter: 'CustomerReferences', field: 'customerReference', label: 'customer reference' },
};

function isLookUpBy(value: unknown): value is PplLookUpBy {
	return typeof value === 'string' && Object.prototype.hasOwnProperty.call(PPL_LOOK_UPS, value);
}

export interface PplOrderQuery {
	lookUpBy: PplLookUpBy;
	orderId: string;
}

type PplOrder = IDataObject;

function fieldValue(order: PplOrder, field: string): string | undefined {
	const value = order[field];
	if (typeof value === 'string') return value;
	if (typeof value === 'number') return String(value);
	return undefined;
}

function capitalise(value: string): string {
	return value.charAt(0).toUpperCase() + value.slice(1);
}

/**
 * `GET /order` filtered by up to 50 values, every page of it (`Limit` 1000 — one value may match several
 * orders, so a page is never assumed to hold everything). `single` says PPL answered one object, not a list.
 */
async function listOrders(
	api: ProviderApi,
	lookUpBy: PplLookUpBy,
	ids: string[],
): Promise<{ orders: PplOrder[]; single: boolean }> {
	const { client, credentials } = api;
	const { filter } = PPL_LOOK_UPS[lookUpBy];
	const orders: PplOrder[] = [];
	for (let page = 0; page < MAX_PAGES; page++) {
		const outcome = await client
			.request(
				{
					method: 'GET',
					url: `${pplBaseUrl(credentials)}/order`,
					// Strings, so no serializer drops the falsy Offset 0; PPL reads arrays as repeated keys.
					qs: { [filter]: ids, Limit: String(PPL_MAX_LIMIT), Offset: String(page * PPL_MAX_LIMIT) },
					arrayFormat: 'repeat',
					headers: pplHeaders(api),
				},
				(response) => {
					const answer = response.json;
					const rows = Array.isArray(answer) ? answer : [answer];
					if (!rows.every((row) => row && typeof row === 'object' && !Array.isArray(row))) {
						throw client.invalidResponse(response, 'expected an order object or a list of them');
					}
					return { answer, rows: rows as PplOrder[] };
				},
			)
			.then(
				(read) => read,
				(error: unknown) => ({ error }),
			);
		if ('error' in outcome) {
			// 404 on a filtered list means "nothing matches" (PPL's single-object answer has no empty form).
			if (outcome.error instanceof ProviderError && outcome.error.details.httpCode === '404') {
				return { orders, single: false };
			}
			throw outcome.error;
		}
		const { answer, rows } = outcome;
		orders.push(...rows);
		if (!Array.isArray(answer)) return { orders, single: true };
		if (rows.length < PPL_MAX_LIMIT) return { orders, single: false };
	}
	throw new ProviderError(
		`More than ${MAX_PAGES * PPL_MAX_LIMIT} PPL orders match ${ids.length} ${PPL_LOOK_UPS[lookUpBy].label} values`,
		{ description: 'Look the orders up by a more specific value, such as the order reference.' },
	);
}

/** The orders matching each id exactly (case-sensitive), asking PPL once per group of ids. */
async function findOrders(api: ProviderApi, lookUpBy: PplLookUpBy, ids: string[]): Promise<Map<string, PplOrder[]>> {
	const { field } = PPL_LOOK_UPS[lookUpBy];
	const matches = new Map<string, PplOrder[]>(ids.map((id) => [id, []]));
	const collect = (orders: PplOrder[]) => {
		for (const order of orders) {
			const value = fieldValue(order, field);
			if (value !== undefined) matches.get(value)?.push(order);
		}
	};
	const { orders, single } = await listOrders(api, lookUpBy, ids);
	collect(orders);
	if (single && ids.length > 1) {
		// PPL's documented answer is ONE order: it cannot say anything about the other ids, so ask for each.
		for (const id of ids.filter((candidate) => matches.get(candidate)!.length === 0)) {
			collect((await listOrders(api, lookUpBy, [id])).orders);
		}
	}
	return matches;
}

function orderStatus(query: PplOrderQuery, order: PplOrder): ParsedOrderStatus {
	const parsed = parsePplOrder(query.orderId, order);
	parsed.details = { lookedUpBy: query.lookUpBy, ...parsed.details };
	return parsed;
}

/** One `GET /order` row as a status to map, named `orderId`. */
export function parsePplOrder(orderId: string, order: PplOrder): ParsedOrderStatus {
	return {
		orderId,
		statusRaw: typeof order.orderState === 'string' || typeof order.orderState === 'number' ? order.orderState : null,
		providerTable: PPL_ORDER_STATES,
		details: {
			orderNumber: order.orderNumber,
			referenceId: order.referenceId,
			customerReference: order.customerReference ?? undefined,
			orderType: order.orderType,
			productType: order.productType,
			shipmentNumbers: order.shipmentNumbers,
			shipmentCount: order.shipmentCount,
			realShipmentCount: order.realShipmentCount,
			sendDate: order.sendDate ?? undefined,
			realCollectionDate: order.realCollectionDate ?? undefined,
			deliveryDateTime: order.deliveryDateTime ?? undefined,
		},
		raw: order,
	};
}

/**
 * Up to 50 items per `GET /order` (one request per "Look Up By" in the group, duplicates asked once); every item
 * gets the orders whose field equals its id, or its own error when PPL returned none.
 */
export async function fetchPplOrderStatuses(
	api: ProviderApi,
	queries: PplOrderQuery[],
): Promise<Array<ParsedOrderStatus[] | Error>> {
	const results: Array<ParsedOrderStatus[] | Error> = new Array(queries.length);
	for (const lookUpBy of new Set(queries.map((query) => query.lookUpBy))) {
		const positions = queries.flatMap((query, position) => (query.lookUpBy === lookUpBy ? [position] : []));
		const ids = [...new Set(positions.map((position) => queries[position].orderId))];
		let matches: Map<string, PplOrder[]>;
		try {
			matches = await findOrders(api, lookUpBy, ids);
		} catch (error) {
			for (const position of positions) results[position] = error as Error;
			continue;
		}
		for (const position of positions) {
			const query = queries[position];
			const orders = matches.get(query.orderId) ?? [];
			results[position] =
				orders.length > 0
					? orders.map((order) => orderStatus(query, order))
					: new ProviderError(`PPL has no order with ${PPL_LOOK_UPS[lookUpBy].label} ${query.orderId}`, {
							description:
								`PPL's order list (GET /order) did not include it. Check the value and "Look Up By"; ` +
								'an order exists only once its batch import is Complete.',
						});
		}
	}
	return results;
}

export const PPL_GET_ORDER_STATUS: StatusOperation<PplOrderQuery> = {
	provider: PPL_PROVIDER,
	profile: PPL_PROFILE,
	secretFields: ['clientSecret', 'accessToken'],
	identifierParameter: 'orderId',
	readQuery(context: IExecuteFunctions, itemIndex: number): PplOrderQuery {
		const lookUpBy = itemParameter(context, 'lookUpBy', itemIndex, 'orderReference');
		if (!isLookUpBy(lookUpBy)) {
			throw new InvalidIdentifierError(
				'"Look Up By" must be Order Reference, Order Number or Customer Reference',
			);
		}
		const orderId = normaliseIdentifier(
			context.getNodeParameter('orderId', itemIndex, ''),
			capitalise(PPL_LOOK_UPS[lookUpBy].label),
		);
		return { lookUpBy, orderId };
	},
	orderIdOf: (query) => query.orderId,
	groupSize: PPL_MAX_FILTER_VALUES,
	fetchGroup: fetchPplOrderStatuses,
};
