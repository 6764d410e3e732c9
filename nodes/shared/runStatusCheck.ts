import type {
	IBinaryKeyData,
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
} from 'n8n-workflow';

import { readCommonOptions, type CommonOptions } from './commonOptions';
import { drainWithConcurrency, groupsReadOnDemand, RequestSlots } from './concurrency';
import { MAX_IDENTIFIER_LENGTH } from './identifier';
import { mapStatus } from './mapStatus';
import { errorSummary, toNodeError, type NodeItemError } from './nodeErrors';
import { createProviderClient, type ProviderClient, type ProviderProfile } from './providerClient';
import { openStatusStore } from './changeMemory';
import { buildStatusItem, type StatusItem } from './statusItem';
import { OutputLayout, readRoutingSettings } from './statusRouting';
import type { NormalisedStatus, ProviderStatusTable } from './statusModel';
import type { Recorded, StatusStore } from './statusStore';

/** One order's status as a provider parser read it, before the shared mapping. */
export interface ParsedOrderStatus {
	orderId: string;
	/** The raw status value (null when the provider sent none). */
	statusRaw: string | number | null;
	/** The provider's exact table for this value. */
	providerTable: ProviderStatusTable;
	/** A provider fact that decides the status whatever the value says. */
	override?: NormalisedStatus;
	details: IDataObject;
	/** The provider's response for this order, unchanged. */
	raw: unknown;
	binary?: IBinaryKeyData;
}

/** What a provider's fetch functions get: the client, the credential's data and the execution. */
export interface ProviderApi {
	client: ProviderClient;
	credentials: ICredentialDataDecryptedObject;
	context: IExecuteFunctions;
	options: CommonOptions;
}

/**
 * A provider operation as the shared runner sees it. Either `fetchOne` (one request per item, which may answer
 * several orders, e.g. a batch) or `fetchGroup` (up to `groupSize` items per request).
 */
export interface StatusOperation<Query> {
	/** `provider` of the output items, e.g. `altcraft-market`. */
	provider: string;
	profile: ProviderProfile;
	/** Credential fields whose values must never appear in a message (the token cache included). */
	secretFields: string[];
	/** The parameter holding the order identifier, quoted in error items when it is invalid. */
	identifierParameter: string;
	/** Reads and validates item `itemIndex`'s query; throws `InvalidIdentifierError` for bad input. */
	readQuery(context: IExecuteFunctions, itemIndex: number): Query;
	/** The identifier as the user gave it (trimmed), for error items. */
	orderIdOf(query: Query): string;
	fetchOne?(api: ProviderApi, query: Query): Promise<ParsedOrderStatus[]>;
	groupSize?: number;
	/** Returns, per query in order, its statuses or its own error. */
	fetchGroup?(api: ProviderApi, queries: Query[]): Promise<Array<ParsedOrderStatus[] | Error>>;
}

/** What became of one input item. */
export type ItemOutcome =
	| { itemIndex: number; orderId: string | null; statuses: StatusItem[]; binaries: Array<IBinaryKeyData | undefined> }
	| { itemIndex: number; orderId: string | null; error: NodeItemError };

/** The identifier as the user gave it, for the error item of a bad item (null when it is not text or a number). */
function givenIdentifier(context: IExecuteFunctions, parameter: string, itemIndex: number): string | null {
	let value: unknown;
	try {
		value = context.getNodeParameter(parameter, itemIndex, null);
	} catch {
		return null; // the expression itself fails: its error is the item's error already
	}
	if (typeof value === 'string') return value.trim().slice(0, MAX_IDENTIFIER_LENGTH);
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return null;
}

/**
 * Checks the status of every input item's order: validate → request (bounded concurrency, retries in the
 * client) → map → one outcome per item, in input order. A failed item fails the node with its index, or, with
 * "continue on fail", becomes an error item; it never disappears.
 */
export async function collectOutcomes<Query>(
	context: IExecuteFunctions,
	operation: StatusOperation<Query>,
): Promise<ItemOutcome[]> {
	const items = context.getInputData();
	if (items.length === 0) return [];
	const node = context.getNode();
	const options = readCommonOptions(context);
	// Max Concurrency bounds the requests in flight; an order waiting to be retried does not hold a slot.
	const slots = new RequestSlots(options.maxConcurrency);
	const { client, credentials } = await createProviderClient(context, operation.profile, operation.secretFields, {
		...options,
		slots,
		// Bursts come from triggers and webhooks; a test run from the editor starts at once.
		staggerColdToken: context.getMode() !== 'manual',
	});
	const api: ProviderApi = { client, credentials, context, options };
	const continueOnFail = context.continueOnFail();
	const outcomes: Array<ItemOutcome | undefined> = new Array(items.length);

	const fail = (itemIndex: number, orderId: string | null, error: unknown): NodeItemError => {
		const nodeError = toNodeError(node, error, itemIndex, client.secretValues);
		outcomes[itemIndex] = { itemIndex, orderId, error: nodeError };
		return nodeError;
	};

	// Items are read (n8n evaluates their expressions, about a millisecond each) only when a request slot is free,
	// so reading overlaps the requests in flight and the waits of a rate limit instead of coming before them; it
	// keeps the event loop only as long as no request needs it (the client's reading budget). A bad item never
	// becomes a request; without "continue on fail" it stops the reading, and the node fails once the requests
	// already sent have answered.
	let stopped = false;
	const takeNextGroup = groupsReadOnDemand(
		items.length,
		operation.fetchGroup ? (operation.groupSize ?? 1) : 1,
		(itemIndex) => {
			try {
				return { itemIndex, query: operation.readQuery(context, itemIndex) };
			} catch (error) {
				fail(itemIndex, givenIdentifier(context, operation.identifierParameter, itemIndex), error);
				if (!continueOnFail) stopped = true;
				return undefined;
			}
		},
		() => stopped,
		() => client.readingBudgetMs(),
	);

	await drainWithConcurrency(
		takeNextGroup,
		slots,
		async (group) => {
			// A group read ahead while the first request ran, after a failure that stops the work: not asked for.
			if (stopped) return;
			let results: Array<ParsedOrderStatus[] | Error>;
			try {
				results = operation.fetchGroup
					? await operation.fetchGroup(api, group.map((entry) => entry.query))
					: [await operation.fetchOne!(api, group[0].query)];
			} catch (error) {
				results = group.map(() => error as Error);
			}
			await client.quietMoment();
			group.forEach(({ itemIndex, query }, position) => {
				const orderId = operation.orderIdOf(query);
				const result =
					results[position] ?? new Error(`${operation.profile.name} returned no result for this item`);
				if (result instanceof Error) {
					fail(itemIndex, orderId, result);
					if (!continueOnFail) stopped = true;
					return;
				}
				outcomes[itemIndex] = {
					itemIndex,
					orderId,
					statuses: result.map((parsed) =>
						buildStatusItem({
							provider: operation.provider,
							orderId: parsed.orderId,
							mapped: mapStatus({
								raw: parsed.statusRaw,
								providerTable: parsed.providerTable,
								override: parsed.override,
								customMapping: options.customMapping,
							}),
							details: parsed.details,
							raw: options.includeRaw ? parsed.raw : undefined,
							redact: (value) => client.redactDeep(value),
						}),
					),
					binaries: result.map((parsed) => parsed.binary),
				};
			});
		},
		client.othersMayStart(),
	);

	// Work stops after a failure without "continue on fail"; the lowest failed item is the node's error.
	const finished = outcomes.filter((outcome): outcome is ItemOutcome => outcome !== undefined);
	if (!continueOnFail) {
		const firstFailure = finished.find((outcome) => 'error' in outcome);
		if (firstFailure && 'error' in firstFailure) throw firstFailure.error;
	}
	return finished;
}

/**
 * The items of an outcome: status items, or one error item. n8n's error output only takes items whose json
 * holds nothing but `error` (plus `message`/`details`) and then merges in the input item's fields; on the
 * regular output the error item keeps the provider and the order id beside the error, where a status item has
 * them. (Setting `item.error` instead would make n8n replace the json with the bare message.)
 */
export function outcomeItems(outcome: ItemOutcome, toErrorOutput: boolean, provider: string): INodeExecutionData[] {
	const pairedItem = { item: outcome.itemIndex };
	if ('error' in outcome) {
		const error = errorSummary(outcome.error);
		const json = toErrorOutput
			? { error: { provider, orderId: outcome.orderId, ...error } }
			: { provider, orderId: outcome.orderId, error };
		return [{ json, pairedItem }];
	}
	return outcome.statuses.map((status, position) => {
		const item: INodeExecutionData = { json: status, pairedItem };
		const binary = outcome.binaries[position];
		if (binary) item.binary = binary;
		return item;
	});
}

/** Whether the user chose "On Error: Continue (using error output)" for this node. */
export function usesErrorOutput(context: IExecuteFunctions): boolean {
	return context.getNode().onError === 'continueErrorOutput';
}

/**
 * The node's `execute()` for one status operation: check every item, then (when the user asked) keep only
 * orders whose status changed since the last check, and sort the items into the outputs the editor shows.
 */
export async function executeStatusCheck<Query>(
	this: IExecuteFunctions,
	operation: StatusOperation<Query>,
): Promise<INodeExecutionData[][]> {
	const toErrorOutput = usesErrorOutput(this);
	const routing = readRoutingSettings(this);
	const layout = new OutputLayout(routing);
	const outputs = layout.emptyOutputs();
	// The memory is opened before any provider request: a memory that cannot be reached stops the node at once.
	let store: StatusStore | undefined;
	if (routing.onlyChanges) {
		let failure: NodeItemError | undefined;
		store = await openStatusStore(this, routing, readCommonOptions(this)).catch((error: NodeItemError) => {
			failure = error;
			return undefined;
		});
		if (failure) {
			if (!this.continueOnFail()) throw failure;
			return failEveryItem(this, outputs, layout.otherIndex, failure, toErrorOutput, operation.provider);
		}
	}
	const outcomes = await collectOutcomes(this, operation);
	const entries: Array<{ item: INodeExecutionData; outcome: ItemOutcome }> = [];
	for (const outcome of outcomes) {
		for (const item of outcomeItems(outcome, toErrorOutput, operation.provider)) entries.push({ item, outcome });
	}
	const observed = entries.filter(({ outcome }) => !('error' in outcome));
	let recorded: Recorded[] | undefined;
	if (store && observed.length > 0) {
		let failure: NodeItemError | undefined;
		const observations = observed.map(({ item }) => {
			const status = item.json as StatusItem;
			return { provider: status.provider, orderId: status.orderId, status: status.status };
		});
		recorded = await store.record(observations).catch((error: NodeItemError) => {
			failure = error;
			return undefined;
		});
		if (failure) {
			if (!this.continueOnFail()) throw failure;
			// Without the memory no order can be called changed or unchanged: each becomes an error item.
			return failEveryItem(this, outputs, layout.otherIndex, failure, toErrorOutput, operation.provider, outcomes);
		}
	}
	let position = 0;
	for (const { item, outcome } of entries) {
		if ('error' in outcome) {
			outputs[layout.otherIndex].push(item);
			continue;
		}
		const status = item.json as StatusItem;
		if (recorded) {
			const { previousStatus, changed } = recorded[position++];
			status.previousStatus = previousStatus;
			status.changed = changed;
			if (!changed) {
				if (layout.unchangedIndex !== undefined) outputs[layout.unchangedIndex].push(item);
				continue;
			}
		}
		outputs[layout.indexOf(status.status)].push(item);
	}
	return outputs;
}

/** One error item per input item (or per order checked), where error items go: the memory could not be used. */
function failEveryItem(
	context: IExecuteFunctions,
	outputs: INodeExecutionData[][],
	otherIndex: number,
	error: NodeItemError,
	toErrorOutput: boolean,
	provider: string,
	outcomes?: ItemOutcome[],
): INodeExecutionData[][] {
	const failed: ItemOutcome[] =
		outcomes ??
		context.getInputData().map((_, itemIndex) => ({ itemIndex, orderId: null, statuses: [], binaries: [] }));
	for (const outcome of failed) {
		if ('error' in outcome) {
			outputs[otherIndex].push(...outcomeItems(outcome, toErrorOutput, provider));
			continue;
		}
		const orderIds = outcome.statuses.length > 0 ? outcome.statuses.map((status) => status.orderId) : [outcome.orderId];
		for (const orderId of orderIds) {
			outputs[otherIndex].push(...outcomeItems({ itemIndex: outcome.itemIndex, orderId, error }, toErrorOutput, provider));
		}
	}
	return outputs;
}
