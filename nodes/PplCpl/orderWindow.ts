/** How the PPL CPL Trigger reads `GET /order` over a moving window of change dates. */
import type { IDataObject } from 'n8n-workflow';

import {
	type OrderListSource,
	type OrderObservation,
	type PollApi,
	type PolledChanges,
} from '../shared/pollTransitions';
import { ProviderError } from '../shared/providerClient';
import { DEFAULT_LANGUAGE, parsePplOrder, PPL_MAX_LIMIT, PPL_PROFILE, PPL_PROVIDER, pplBaseUrl } from './api';

/**
 * Consecutive pages overlap by this many rows: an order that changes while the poll pages leaves the window
 * (its change time is now after DateTo), and the rows behind it move up by one; the overlap keeps them in reach.
 */
const PAGE_OVERLAP = 100;
/** PPL gives no update time per order: ask again this far back, for clock differences and late listings. */
export const DEFAULT_OVERLAP_SECONDS = 60;
/** How far back "Fetch Test Event" looks for orders. */
const SAMPLE_DAYS = 30;

interface PplWindow extends IDataObject {
	/** Absent on the first poll: every order up to `to`. */
	from?: string;
	to: string;
	offset: number;
}

interface PplCursor extends IDataObject {
	/** DateTo of the last window read to its end. */
	windowEnd?: string;
	/** A window the last poll stopped in (time budget): the next poll reads on from its offset. */
	pending?: PplWindow;
}

/** ISO 8601 in UTC, to the second. */
function pplDate(time: number): string {
	return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The end of a window: now, rounded UP to the second, so a change earlier in this second is inside it. */
function windowEndAt(now: Date): string {
	return pplDate(Math.ceil(now.getTime() / 1000) * 1000);
}

function overlapMs(api: PollApi): number {
	const value = Number(api.options.all.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS);
	return (Number.isFinite(value) && value >= 0 ? Math.floor(value) : DEFAULT_OVERLAP_SECONDS) * 1000;
}

function text(value: unknown): string | undefined {
	if (typeof value === 'string' && value.trim() !== '') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

/** An order by its reference (the referenceId sent with the batch), else PPL's order number. */
function observeOrder(api: PollApi, row: unknown): OrderObservation | undefined {
	if (!row || typeof row !== 'object' || Array.isArray(row)) return undefined;
	const order = row as IDataObject;
	const orderId = text(order.referenceId) ?? text(order.orderNumber);
	if (orderId === undefined || typeof order.orderState !== 'string') return undefined;
	return api.observe(parsePplOrder(orderId, order));
}

interface OrderPage {
	observations: OrderObservation[];
	/** The answer was the whole result: a short page, or PPL's single-object form. */
	last: boolean;
}

/** `GET /order?DateFrom=&DateTo=&Limit=1000&Offset=`. PPL answers a list, or (as documented) one object. */
async function readPage(api: PollApi, window: { from?: string; to: string }, offset: number): Promise<OrderPage> {
	const { client, credentials } = api;
	const qs: IDataObject = { DateTo: window.to, Limit: String(PPL_MAX_LIMIT), Offset: String(offset) };
	if (window.from) qs.DateFrom = window.from;
	const outcome = await client
		.request(
			{ method: 'GET', url: `${pplBaseUrl(credentials)}/order`, qs, headers: { 'Accept-Language': DEFAULT_LANGUAGE } },
			(response) => {
				const answer = response.json;
				if (!answer || typeof answer !== 'object') {
					throw client.invalidResponse(response, 'expected an order object or a list of them');
				}
				return { answer: answer as object };
			},
		)
		.then(
			(read) => read,
			(error: unknown) => ({ error }),
		);
	if ('error' in outcome) {
		// 404 means "nothing in this window" (PPL's single-object answer has no empty form).
		if (outcome.error instanceof ProviderError && outcome.error.details.httpCode === '404') {
			return { observations: [], last: true };
		}
		throw outcome.error;
	}
	const { answer } = outcome;
	const rows = Array.isArray(answer) ? answer : [answer];
	const observations = rows
		.map((row) => observeOrder(api, row))
		.filter((observation): observation is OrderObservation => observation !== undefined);
	return { observations, last: !Array.isArray(answer) || rows.length < PPL_MAX_LIMIT };
}

export const PPL_ORDER_WINDOW: OrderListSource<PplCursor> = {
	triggerName: 'PPL CPL Trigger',
	provider: PPL_PROVIDER,
	profile: PPL_PROFILE,
	secretFields: ['clientSecret', 'accessToken'],
	/** The orders changed between the last window's end (minus the overlap) and now, page by page. */
	async readChanges(api, cursor): Promise<PolledChanges<PplCursor>> {
		const windowEnd = typeof cursor?.windowEnd === 'string' ? Date.parse(cursor.windowEnd) : NaN;
		const window: PplWindow = cursor?.pending ?? {
			...(Number.isNaN(windowEnd) ? {} : { from: pplDate(windowEnd - overlapMs(api)) }),
			to: windowEndAt(api.now),
			offset: 0,
		};
		const observations: OrderObservation[] = [];
		for (let offset = window.offset; ; offset += PPL_MAX_LIMIT - PAGE_OVERLAP) {
			const page = await readPage(api, window, offset);
			observations.push(...page.observations);
			if (page.last) return { observations, cursor: { windowEnd: window.to }, complete: true };
			if (api.outOfTime()) {
				const pending: PplWindow = { ...window, offset: offset + PPL_MAX_LIMIT - PAGE_OVERLAP };
				return { observations, cursor: { ...cursor, pending }, complete: false };
			}
		}
	},
	async readSample(api) {
		const now = api.now.getTime();
		const page = await readPage(api, { from: pplDate(now - SAMPLE_DAYS * 86_400_000), to: windowEndAt(api.now) }, 0);
		return page.observations;
	},
};
