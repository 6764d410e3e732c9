/** How the Pitney Bowes Fulfillment Trigger reads the order status search (`POST /v1/orders/status/search`). */
import type { IDataObject } from 'n8n-workflow';

import {
	parseProviderTime,
	type OrderListSource,
	type OrderObservation,
	type PollApi,
	type PolledChanges,
} from '../shared/pollTransitions';
import {
	clientIdOf,
	fulfillmentBaseUrl,
	parsePitneyBowesOrderStatus,
	PITNEY_BOWES_PROFILE,
	PITNEY_BOWES_PROVIDER,
} from './api';

/** Orders per search page (PB's default is 20; larger pages mean fewer calls). */
const PAGE_SIZE = 100;
/** pbUpdateDate has second precision and the search index may list an update late: ask again this far back. */
export const DEFAULT_OVERLAP_SECONDS = 60;
/** A safety stop for one poll (100,000 orders at 100 per page); the next poll goes on from the cursor. */
const MAX_REQUESTS_PER_POLL = 1000;
/** Where the search answer may keep its rows: PB does not document the page object's list field. */
const CONTENT_KEYS = ['content', 'orders', 'items', 'data', 'results'];

/** The newest pbUpdateDate seen so far; the next poll asks for updates from a little before it. */
interface PitneyBowesCursor extends IDataObject {
	newestUpdate?: string;
}

/** ISO 8601 without milliseconds, as PB writes its dates. */
function pbDate(time: number): string {
	return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function optionText(api: PollApi, name: string): string {
	const value = api.options.all[name];
	return typeof value === 'string' ? value.trim() : '';
}

function overlapMs(api: PollApi): number {
	const value = Number(api.options.all.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS);
	return (Number.isFinite(value) && value >= 0 ? Math.floor(value) : DEFAULT_OVERLAP_SECONDS) * 1000;
}

function rowsOf(body: unknown): unknown[] | undefined {
	if (Array.isArray(body)) return body;
	if (!body || typeof body !== 'object') return undefined;
	for (const key of CONTENT_KEYS) {
		const value = (body as IDataObject)[key];
		if (Array.isArray(value)) return value;
	}
	return undefined;
}

interface SearchPage {
	rows: IDataObject[];
	/** The page ends the result (PB's `last`, or fewer rows than a page holds). */
	last: boolean;
}

/** `POST /v1/orders/status/search?page=&size=` for the client's orders, optionally updated since `from`. */
async function searchPage(
	api: PollApi,
	query: { from?: string; page: number; size: number; sort: 'pbUpdateDate-asc' | 'pbUpdateDate-desc' },
): Promise<SearchPage> {
	const { client, credentials } = api;
	const searchFields: IDataObject[] = [];
	if (query.from) searchFields.push({ name: 'pbUpdateDate', values: [query.from] });
	const brand = optionText(api, 'brand');
	if (brand) searchFields.push({ name: 'brands', values: [brand] });
	const body: IDataObject = { clientId: clientIdOf(credentials), sort: [query.sort] };
	if (searchFields.length > 0) body.searchFields = searchFields;
	const { rows, page } = await client.request(
		{
			method: 'POST',
			url: `${fulfillmentBaseUrl(credentials)}/v1/orders/status/search`,
			qs: { page: String(query.page), size: String(query.size) },
			body,
			headers: { 'Content-Type': 'application/json' },
		},
		(response) => {
			const rows = rowsOf(response.json);
			if (!rows) throw client.invalidResponse(response, 'expected a page of orders (a "content" list)');
			return { rows, page: (response.json && typeof response.json === 'object' ? response.json : {}) as IDataObject };
		},
	);
	const pageSize = typeof page.size === 'number' && page.size > 0 ? page.size : query.size;
	return {
		rows: rows.filter((row): row is IDataObject => Boolean(row) && typeof row === 'object' && !Array.isArray(row)),
		last: rows.length === 0 || page.last === true || rows.length < pageSize,
	};
}

/** A search row as an order; rows without an order ID, a status or a hold flag cannot be followed. */
function observeRow(api: PollApi, row: IDataObject): OrderObservation | undefined {
	const orderId = typeof row.orderId === 'string' || typeof row.orderId === 'number' ? String(row.orderId) : '';
	const parsed = parsePitneyBowesOrderStatus(orderId, row);
	if (!orderId || (parsed.statusRaw === null && typeof row.isOnHold !== 'boolean')) return undefined;
	return api.observe(parsed, parseProviderTime(row.pbUpdateDate));
}

export const PITNEY_BOWES_ORDER_SEARCH: OrderListSource<PitneyBowesCursor> = {
	triggerName: 'Pitney Bowes Fulfillment Trigger',
	provider: PITNEY_BOWES_PROVIDER,
	profile: PITNEY_BOWES_PROFILE,
	secretFields: ['apiKey', 'apiSecret', 'accessToken'],
	/**
	 * Orders by pbUpdateDate, oldest first, from the cursor minus the overlap. Pages go by date, not by offset:
	 * each next request starts at the last date read, so an order that changes while the poll pages (and moves
	 * to the end) cannot shift an unread order out of reach. Only a page that lies within a single second is
	 * left by page number.
	 */
	async readChanges(api, cursor): Promise<PolledChanges<PitneyBowesCursor>> {
		const observations: OrderObservation[] = [];
		// A cursor never stands after the poll's own start (one saved from a provider date in year 9999 would hide
		// every later change).
		const saved = parseProviderTime(cursor?.newestUpdate);
		let newest = saved === undefined ? undefined : Math.min(saved, api.now.getTime());
		let fromTime = newest === undefined ? undefined : newest - overlapMs(api);
		let page = 1;
		let complete = false;
		for (let requests = 1; ; requests++) {
			const result = await searchPage(api, {
				from: fromTime === undefined ? undefined : pbDate(fromTime),
				page,
				size: PAGE_SIZE,
				sort: 'pbUpdateDate-asc',
			});
			for (const row of result.rows) {
				const observation = observeRow(api, row);
				if (!observation) continue;
				observations.push(observation);
				if (observation.updatedAt !== undefined) newest = Math.max(newest ?? observation.updatedAt, observation.updatedAt);
			}
			if (result.last) {
				complete = true;
				break;
			}
			if (requests >= MAX_REQUESTS_PER_POLL || api.outOfTime()) break;
			const lastTime = parseProviderTime(result.rows[result.rows.length - 1]?.pbUpdateDate);
			if (lastTime !== undefined && (fromTime === undefined || lastTime > fromTime)) {
				fromTime = lastTime;
				page = 1;
			} else {
				page++;
			}
		}
		return {
			observations,
			cursor: newest === undefined ? { ...cursor } : { newestUpdate: pbDate(newest) },
			complete,
		};
	},
	async readSample(api, count) {
		const { rows } = await searchPage(api, { page: 1, size: count, sort: 'pbUpdateDate-desc' });
		return rows.map((row) => observeRow(api, row)).filter((row): row is OrderObservation => row !== undefined);
	},
};
