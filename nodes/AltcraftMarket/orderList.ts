/** How the Altcraft Market Trigger reads Altcraft's order list (`POST /api/v1.1/market/orders/list`). */
import type { IDataObject } from 'n8n-workflow';

import {
	parseProviderTime,
	type OrderListSource,
	type OrderObservation,
	type PollApi,
	type PolledChanges,
} from '../shared/pollTransitions';
import { ProviderError } from '../shared/providerClient';
import { ALTCRAFT_PROFILE, ALTCRAFT_PROVIDER, callAltcraft } from './api';
import { ALTCRAFT_ORDER_STATUSES } from './statuses';

/** Orders per `orders/list` page (Altcraft documents no maximum; its example asks for 3). */
const PAGE_SIZE = 100;
/** Pages "Fetch Test Event" reads at most, looking for the newest orders. */
const SAMPLE_PAGES = 10;

/** Where the next poll goes on when the last one stopped early to stay within n8n's time budget. */
interface AltcraftCursor extends IDataObject {
	resumeFromId?: string;
}

function text(value: unknown): string | undefined {
	if (typeof value === 'string' && value.trim() !== '') return value;
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

/** One `orders/list` row; rows without an external ID or a status cannot be followed and are skipped. */
function observeRow(api: PollApi, row: unknown): OrderObservation | undefined {
	if (!row || typeof row !== 'object' || Array.isArray(row)) return undefined;
	const order = row as IDataObject;
	const externalId = text(order.external_id);
	const status = text(order.status);
	if (externalId === undefined || status === undefined) return undefined;
	return api.observe(
		{
			orderId: externalId,
			statusRaw: status,
			providerTable: ALTCRAFT_ORDER_STATUSES,
			details: {
				endpoint: text(order.endpoint),
				createTime: text(order.create_time),
				updateTime: text(order.update_time),
			},
			raw: order,
		},
		parseProviderTime(order.update_time),
	);
}

interface ListPage {
	observations: OrderObservation[];
	rows: number;
	next: string;
}

async function readPage(api: PollApi, fromId: string): Promise<ListPage> {
	const touchpoint = String(api.context.getNodeParameter('touchpoint', '') ?? '').trim();
	const envelope = await callAltcraft(api.client, api.credentials, 'market/orders/list', {
		from_id: fromId,
		limit: PAGE_SIZE,
		...(touchpoint ? { endpoint: touchpoint } : {}),
	});
	const result = envelope.result ?? [];
	if (!Array.isArray(result)) {
		throw new ProviderError('Altcraft answered orders/list without a list of orders', {
			httpCode: '200',
			description: 'The answer\'s "result" field is not a list',
		});
	}
	const observations = result
		.map((row) => observeRow(api, row))
		.filter((observation): observation is OrderObservation => observation !== undefined);
	return { observations, rows: result.length, next: text(envelope.next_from_id) ?? '' };
}

/**
 * Reads pages from `fromId` until the list ends: an empty cursor, an empty page, or a cursor seen before
 * (a server that repeats itself must not keep the poll busy). `stopEarly` may end it after any page.
 */
async function readPages(
	api: PollApi,
	fromId: string,
	stopEarly: (pagesRead: number) => boolean,
): Promise<{ observations: OrderObservation[]; resumeFromId?: string }> {
	const observations: OrderObservation[] = [];
	const cursorsSeen = new Set<string>([fromId]);
	let cursor = fromId;
	for (let pagesRead = 1; ; pagesRead++) {
		const page = await readPage(api, cursor);
		observations.push(...page.observations);
		if (page.next === '' || page.rows === 0 || cursorsSeen.has(page.next)) return { observations };
		if (stopEarly(pagesRead)) return { observations, resumeFromId: page.next };
		cursorsSeen.add(page.next);
		cursor = page.next;
	}
}

/** Longer page cursors are not kept between polls. */
const MAX_KEPT_CURSOR_LENGTH = 1024;

export const ALTCRAFT_ORDER_LIST: OrderListSource<AltcraftCursor> = {
	triggerName: 'Altcraft Market Trigger',
	provider: ALTCRAFT_PROVIDER,
	profile: ALTCRAFT_PROFILE,
	secretFields: ['apiToken'],
	// orders/list has no status or date filter: every poll reads every order (of the touchpoint).
	async readChanges(api, cursor): Promise<PolledChanges<AltcraftCursor>> {
		const stopEarly = () => api.outOfTime();
		const resumed = await readPages(api, cursor?.resumeFromId ?? '', stopEarly).then(
			(read) => ({ read }),
			(error: unknown) => ({ error }),
		);
		let read: Awaited<ReturnType<typeof readPages>>;
		if ('read' in resumed) {
			read = resumed.read;
		} else {
			// A page cursor kept since the last poll may have expired ("incorrect request"): start over instead.
			const refused = resumed.error instanceof ProviderError && resumed.error.details.providerCode === '400';
			if (!cursor?.resumeFromId || !refused) throw resumed.error;
			read = await readPages(api, '', stopEarly);
		}
		const { observations, resumeFromId } = read;
		// The page cursor is the provider's text: one too long to keep is dropped (the next poll starts over)
		// rather than stored, so the trigger's saved state stays small.
		const keep = resumeFromId !== undefined && resumeFromId.length <= MAX_KEPT_CURSOR_LENGTH;
		if (resumeFromId && !keep) {
			api.context.logger.warn(
				`Altcraft Market Trigger: the page cursor is ${resumeFromId.length} characters long; not kept, the next poll starts from the first page`,
			);
		}
		return {
			observations,
			cursor: keep && resumeFromId ? { resumeFromId } : {},
			complete: resumeFromId === undefined,
		};
	},
	async readSample(api) {
		const { observations } = await readPages(api, '', (pagesRead) => pagesRead >= SAMPLE_PAGES || api.outOfTime());
		return observations;
	},
};
