import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INodeExecutionData,
	INodeProperties,
	IPollFunctions,
} from 'n8n-workflow';

import { commonOptionsFrom, optionsCollection, type CommonOptions } from './commonOptions';
import { mapStatus } from './mapStatus';
import { toNodeError } from './nodeErrors';
import { createProviderClient, type ProviderClient, type ProviderProfile } from './providerClient';
import type { ParsedOrderStatus } from './runStatusCheck';
import { buildStatusItem, type StatusItem } from './statusItem';
import { StatusMemory, type MemoryLimits } from './statusMemory';
import { isNormalisedStatus, STATUS_OPTIONS, type NormalisedStatus } from './statusModel';

/**
 * What the polling triggers share: which orders a poll emits (status TRANSITIONS only, at most once per order
 * and poll, never from an answer older than what is remembered), the state they keep in the node's static data,
 * and the poll itself (manual sample, cursor, errors). Each trigger only says how to read its provider's list.
 *
 * Static data of a trigger node (`getWorkflowStaticData('node')`):
 * - `orderStatus`: the StatusMemory (last normalised status and provider update time per order, bounded);
 * - `poll`: `{ version, seededAt, lastPollAt, cursor }`, replaced as a whole after every successful poll so
 *   that n8n notices the change (it only tracks assignments it can see, not edits deep inside new objects).
 */

/** One order as a poll saw it. */
export interface OrderObservation {
	item: StatusItem;
	/** The provider's last-change time of the order (epoch ms), when the provider says it. */
	updatedAt?: number;
}

export interface TransitionSettings {
	/** Emit what the first poll finds instead of only recording it. */
	emitExisting: boolean;
	/** Emit only transitions INTO these statuses; empty means every transition. */
	onlyStatuses: readonly NormalisedStatus[];
	/** The memory's caps (tests use small ones). */
	limits?: MemoryLimits;
}

export interface PollState {
	version: 1;
	/** When the first complete sweep was recorded; absent until then, and the poll only records. */
	seededAt?: string;
	lastPollAt?: string;
	/** The trigger's own cursor (what to ask for next time). */
	cursor?: IDataObject;
}

export interface PollCommit {
	/** The cursor for the next poll. */
	cursor: IDataObject;
	/** Whether the poll read everything it meant to (false when it stopped early to stay within its time budget). */
	complete: boolean;
	now?: Date;
}

/** An emitted item: the order's status item plus where it came from. */
export type TransitionItem = StatusItem & { previousStatus: NormalisedStatus | null; changed: boolean };

const STATE_FIELD = 'poll';
const MEMORY_FIELD = 'orderStatus';

/** How many orders "Fetch Test Event" shows. */
export const SAMPLE_SIZE = 5;

export function readPollState(nodeStaticData: IDataObject): PollState {
	const stored = nodeStaticData[STATE_FIELD];
	if (!stored || typeof stored !== 'object' || Array.isArray(stored)) return { version: 1 };
	const state = stored as IDataObject;
	const cursor = state.cursor;
	return {
		version: 1,
		seededAt: typeof state.seededAt === 'string' ? state.seededAt : undefined,
		lastPollAt: typeof state.lastPollAt === 'string' ? state.lastPollAt : undefined,
		cursor: cursor && typeof cursor === 'object' && !Array.isArray(cursor) ? (cursor as IDataObject) : undefined,
	};
}

/** A provider date-time as epoch ms, or undefined when absent or unreadable. */
export function parseProviderTime(value: unknown): number | undefined {
	if (typeof value !== 'string' || value.trim() === '') return undefined;
	const time = Date.parse(value);
	return Number.isNaN(time) ? undefined : time;
}

/** Provider times before this are taken as unknown: no order of a live shop changed then. */
export const EARLIEST_PROVIDER_TIME = Date.parse('2000-01-01T00:00:00Z');

/**
 * Where a provider time after the poll's start is recorded: the last millisecond before the second the poll
 * started in. Providers date to the second (Pitney Bowes documents `YYYY-MM-DDThh:mm:ssZ`), so a change made
 * after the poll started may carry the start of that second; the mark must be older than that date, or the change
 * would look older than the remembered status (and a new order, once the marked one is forgotten, "not changed
 * since").
 */
function futureMark(pollStart: number): number {
	return Math.floor(pollStart / 1000) * 1000 - 1;
}

/**
 * A provider's update time as the trigger's bookkeeping may use it: never later than the poll's own start (a
 * date in year 9999 would otherwise outrank every later change and, once forgotten, every new order; see
 * futureMark for where it goes), and unknown when it is before 2000. The item keeps the provider's value as
 * sent; `onOutOfRange` is told.
 */
export function bookkeepingTime(
	updatedAt: number | undefined,
	pollStart: number,
	onOutOfRange: (kind: 'future' | 'past') => void,
): number | undefined {
	if (updatedAt === undefined || !Number.isFinite(updatedAt)) return undefined;
	if (updatedAt > pollStart) {
		onOutOfRange('future');
		return futureMark(pollStart);
	}
	if (updatedAt < EARLIEST_PROVIDER_TIME) {
		onOutOfRange('past');
		return undefined;
	}
	return updatedAt;
}

function describeTime(epochMs: number): string {
	const date = new Date(epochMs);
	return Number.isNaN(date.getTime()) ? String(epochMs) : date.toISOString();
}

/** Whether `candidate` is at least as new as `current` (without times, the later sighting wins). */
function isAtLeastAsNew(candidate: OrderObservation, current: OrderObservation): boolean {
	if (candidate.updatedAt === undefined || current.updatedAt === undefined) return true;
	return candidate.updatedAt >= current.updatedAt;
}

function keyOf(observation: OrderObservation): string {
	return StatusMemory.key(observation.item.provider, observation.item.orderId);
}

/**
 * One observation per order: the newest (overlapping pages repeat orders; a page read later may still be
 * older). The result keeps the order of first appearance, or the provider's time order when every order has one.
 */
export function newestPerOrder(observations: readonly OrderObservation[]): OrderObservation[] {
	const newest = new Map<string, OrderObservation>();
	for (const observation of observations) {
		const key = keyOf(observation);
		const current = newest.get(key);
		if (!current || isAtLeastAsNew(observation, current)) newest.set(key, observation);
	}
	const result = [...newest.values()];
	if (result.every((observation) => observation.updatedAt !== undefined)) {
		result.sort((a, b) => a.updatedAt! - b.updatedAt!);
	}
	return result;
}

/**
 * Whether an observation says less than the memory already knows: older than the remembered status, or an
 * order forgotten to make room that has not changed since (it would otherwise come back as "new" every poll).
 */
function isOutdated(memory: StatusMemory, key: string, observation: OrderObservation, pollStart: number): boolean {
	if (observation.updatedAt === undefined) return false;
	// A mark after this poll's start cannot be true (saved before provider times were clamped, or by a clock that
	// ran ahead): it is ignored, not allowed to hide every later change.
	const credible = (mark: number | undefined) => (mark !== undefined && mark <= pollStart ? mark : undefined);
	if (memory.previous(key) !== null) {
		const remembered = credible(memory.updatedAtOf(key));
		return remembered !== undefined && observation.updatedAt < remembered;
	}
	const forgottenUpTo = credible(memory.forgottenUpTo);
	return forgottenUpTo !== undefined && observation.updatedAt <= forgottenUpTo;
}

/**
 * Applies what a WHOLE poll saw to the node's static data and returns the items to emit. Call it only after
 * every page was read: a poll that failed half-way must leave memory and cursor as they were.
 *
 * - The first poll (no complete sweep yet) only records, unless `emitExisting`.
 * - Afterwards an order is emitted when its normalised status differs from the remembered one (a new order
 *   counts, with `previousStatus: null`), once per poll, and only into `onlyStatuses` when that is set. The
 *   memory learns every status, emitted or filtered out, so later transitions name the right previous status.
 */
export function commitPoll(
	nodeStaticData: IDataObject,
	observations: readonly OrderObservation[],
	settings: TransitionSettings,
	commit: PollCommit,
): TransitionItem[] {
	const state = readPollState(nodeStaticData);
	const firstPoll = state.seededAt === undefined;
	const now = commit.now ?? new Date();
	const memory = new StatusMemory(nodeStaticData, settings.limits, MEMORY_FIELD);
	const emitted: TransitionItem[] = [];
	for (const observation of newestPerOrder(observations)) {
		const key = keyOf(observation);
		if (isOutdated(memory, key, observation, now.getTime())) continue;
		const { status } = observation.item;
		const unchanged =
			memory.previous(key) === status &&
			(observation.updatedAt === undefined || observation.updatedAt === memory.updatedAtOf(key));
		// Untouched entries stay where they are: the memory's age order is "last changed", and nothing is rewritten.
		if (unchanged) continue;
		const { previousStatus, changed } = memory.record(key, status, observation.updatedAt);
		if (!changed || (firstPoll && !settings.emitExisting)) continue;
		if (settings.onlyStatuses.length > 0 && !settings.onlyStatuses.includes(status)) continue;
		emitted.push({ ...observation.item, previousStatus, changed: true });
	}
	// A new object, assigned: n8n marks static data as changed only on assignments it observes.
	nodeStaticData[STATE_FIELD] = {
		version: 1,
		...(firstPoll ? (commit.complete ? { seededAt: now.toISOString() } : {}) : { seededAt: state.seededAt }),
		lastPollAt: now.toISOString(),
		cursor: commit.cursor,
	} as IDataObject;
	return emitted;
}

/**
 * "Fetch Test Event": the newest few orders, shaped like real output; no state is read or written. Without
 * provider times the answer's own order is all there is, and its end is taken (lists grow at the end).
 */
export function sampleItems(observations: readonly OrderObservation[], count = SAMPLE_SIZE): TransitionItem[] {
	return newestPerOrder(observations)
		.reverse()
		.slice(0, count)
		.map((observation) => ({ ...observation.item, previousStatus: null, changed: true }));
}

// ------------------------------------------------------------------ node parameters

/** The triggers' subtitle: which transitions they emit. */
export const TRIGGER_SUBTITLE =
	'={{$parameter["onlyStatuses"] && $parameter["onlyStatuses"].length ? "When status becomes " + $parameter["onlyStatuses"].join(", ") : "Every status change"}}';

export const ONLY_STATUSES_PROPERTY: INodeProperties = {
	displayName: 'Only When Status Becomes',
	name: 'onlyStatuses',
	type: 'multiOptions',
	options: STATUS_OPTIONS,
	default: [],
	description:
		'Emit an order only when its normalised status changes to one of these. Leave empty to emit every change. Orders filtered out are still remembered.',
};

const EMIT_EXISTING_OPTION: INodeProperties = {
	displayName: 'Emit Existing Orders on First Poll',
	name: 'emitExistingOrders',
	type: 'boolean',
	default: false,
	description:
		'Whether the first poll after activation emits every order it finds (with previousStatus null). Off: the first poll only records the current statuses, and later polls emit what changed.',
};

/** The trigger's "Options": the common ones (minus concurrency: pages are read one after another) and its own. */
export function triggerOptionsCollection(extraFields: INodeProperties[] = []): INodeProperties {
	const collection = optionsCollection([EMIT_EXISTING_OPTION, ...extraFields]);
	collection.options = (collection.options ?? []).filter(
		(option) => !('name' in option) || option.name !== 'maxConcurrency',
	);
	return collection;
}

export function readTransitionSettings(context: IPollFunctions, options: CommonOptions): TransitionSettings {
	const chosen = context.getNodeParameter('onlyStatuses', []) as unknown;
	return {
		emitExisting: options.all.emitExistingOrders === true,
		onlyStatuses: Array.isArray(chosen) ? chosen.filter(isNormalisedStatus) : [],
	};
}

// ------------------------------------------------------------------ the poll

/** Without n8n's own budget (older versions), a poll stops reading after this long. */
const DEFAULT_POLL_BUDGET_MS = 5 * 60_000;
/** The share of n8n's poll budget spent on reading; the rest is for mapping, saving and emitting. */
const BUDGET_SHARE = 0.8;

/** What a trigger's list reader gets. */
export interface PollApi {
	client: ProviderClient;
	credentials: ICredentialDataDecryptedObject;
	options: CommonOptions;
	context: IPollFunctions;
	/** The time the poll started; windows end here. */
	now: Date;
	/** One order as the trigger emits it, from the provider parser's result and the provider's update time. */
	observe(parsed: ParsedOrderStatus, updatedAt?: number): OrderObservation;
	/** Whether the poll has used its share of n8n's time budget and should stop before the next page. */
	outOfTime(): boolean;
}

export interface PolledChanges<Cursor extends IDataObject> {
	observations: OrderObservation[];
	cursor: Cursor;
	/** False when the reader stopped early (time budget); the cursor then says where to go on. */
	complete: boolean;
}

/** A provider's order list, as a trigger reads it. */
export interface OrderListSource<Cursor extends IDataObject> {
	/** E.g. "Altcraft Market Trigger", for log lines. */
	triggerName: string;
	provider: string;
	profile: ProviderProfile;
	/** Credential fields whose values must never appear in a message (the token cache included). */
	secretFields: string[];
	/** Every order that may have changed since `cursor` (all orders when there is none). */
	readChanges(api: PollApi, cursor: Cursor | undefined): Promise<PolledChanges<Cursor>>;
	/** The newest few orders, for "Fetch Test Event". */
	readSample(api: PollApi, count: number): Promise<OrderObservation[]>;
}

function pollDeadline(context: IPollFunctions, startedAt: number): number {
	// getPollBudgetMs is new in n8n 2.x; older versions do not offer it.
	const budget = typeof context.getPollBudgetMs === 'function' ? context.getPollBudgetMs() : DEFAULT_POLL_BUDGET_MS;
	return startedAt + Math.max(0, Number.isFinite(budget) ? budget : DEFAULT_POLL_BUDGET_MS) * BUDGET_SHARE;
}

/**
 * A polling trigger's `poll()`. Manual mode ("Fetch Test Event") returns a sample and leaves the static data
 * alone. Otherwise the whole list is read first; only then are memory and cursor updated, so an error half-way
 * (thrown, and shown by n8n) leaves both as they were and the next poll repeats the same window.
 */
export async function pollOrderTransitions<Cursor extends IDataObject>(
	context: IPollFunctions,
	source: OrderListSource<Cursor>,
): Promise<INodeExecutionData[][] | null> {
	const node = context.getNode();
	const startedAt = Date.now();
	const options = commonOptionsFrom(context.getNodeParameter('options', {}) as IDataObject);
	const { client, credentials } = await createProviderClient(context, source.profile, source.secretFields, options);
	const now = new Date(startedAt);
	const deadline = pollDeadline(context, startedAt);
	const api: PollApi = {
		client,
		credentials,
		options,
		context,
		now,
		observe: (parsed, updatedAt) => ({
			item: buildStatusItem({
				provider: source.provider,
				orderId: parsed.orderId,
				mapped: mapStatus({
					raw: parsed.statusRaw,
					providerTable: parsed.providerTable,
					override: parsed.override,
					customMapping: options.customMapping,
				}),
				details: parsed.details,
				raw: options.includeRaw ? parsed.raw : undefined,
				checkedAt: now,
				redact: (value) => client.redactDeep(value),
			}),
			updatedAt: bookkeepingTime(updatedAt, startedAt, (kind) =>
				context.logger.warn(
					`${source.triggerName}: order "${parsed.orderId.slice(0, 80)}" has an update time ${kind === 'future' ? 'after this poll started' : 'before 2000'} (${describeTime(updatedAt!)}); the item keeps it as sent, the trigger's bookkeeping uses ${kind === 'future' ? 'a time just before the poll start' : 'no time'}`,
				),
			),
		}),
		outOfTime: () => Date.now() >= deadline,
	};

	try {
		if (context.getMode() === 'manual') {
			const sample = sampleItems(await source.readSample(api, SAMPLE_SIZE), SAMPLE_SIZE);
			return sample.length > 0 ? [sample.map((json) => ({ json }))] : null;
		}
		const nodeStaticData = context.getWorkflowStaticData('node');
		const { cursor } = readPollState(nodeStaticData);
		const changes = await source.readChanges(api, cursor as Cursor | undefined);
		const settings = readTransitionSettings(context, options);
		const items = commitPoll(nodeStaticData, changes.observations, settings, {
			cursor: changes.cursor,
			complete: changes.complete,
			now,
		});
		context.logger.debug(`${source.triggerName} polled`, {
			ordersRead: changes.observations.length,
			emitted: items.length,
			complete: changes.complete,
			requests: client.counters.requests,
		});
		return items.length > 0 ? [items.map((json) => ({ json }))] : null;
	} catch (error) {
		throw toNodeError(node, error, undefined, client.secretValues);
	}
}
