import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { normaliseKey } from './mapStatus';
import { DEFAULT_TIMEOUT_MS } from './providerClient';
import { DEFAULT_RETRY_POLICY } from './request/retry';
import { isNormalisedStatus, STATUS_OPTIONS, type NormalisedStatus } from './statusModel';

/** The options every provider action node offers, in one "Options" collection. */
export const COMMON_OPTION_FIELDS: INodeProperties[] = [
	{
		displayName: 'Custom Status Mapping',
		name: 'customStatusMapping',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Mapping',
		default: {},
		description:
			'Your own mapping of provider values to statuses. It wins over the built-in tables; values match case-insensitively.',
		options: [
			{
				displayName: 'Mapping',
				name: 'mappings',
				values: [
					{
						displayName: 'Provider Value',
						name: 'providerValue',
						type: 'string',
						default: '',
						placeholder: 'e.g. AWAITING_COURIER',
						description: 'The status value exactly as the provider sends it',
					},
					{
						displayName: 'Status',
						name: 'status',
						type: 'options',
						options: STATUS_OPTIONS,
						default: 'processing',
						description: 'The normalised status this value stands for',
					},
				],
			},
		],
	},
	{
		displayName: 'Include Raw Response',
		name: 'includeRaw',
		type: 'boolean',
		default: true,
		description: "Whether to add the provider's unchanged response to each item as `raw`",
	},
	{
		displayName: 'Max Concurrency',
		name: 'maxConcurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 50 },
		default: 5,
		description:
			'How many requests may be in flight at the same time in one execution. An order waiting to be retried (after a 5xx, a time-out or a dropped connection) does not hold one.',
	},
	{
		displayName: 'Max Requests per Second',
		name: 'maxRequestsPerSecond',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 2 },
		default: 0,
		description:
			"Your provider account's rate limit, if you know it: requests then start at least 1000 / this many milliseconds apart (a little below the rate, to leave room for network jitter), so the provider never has to refuse one. Not set or 0: the node starts at full speed and learns the rate from the provider's first 429.",
	},
	{
		displayName: 'Max Retries',
		name: 'maxRetries',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 10 },
		default: 3,
		description:
			'How often a request is tried again after a rate limit (429), a server error (5xx), a time-out or a dropped connection. Waits grow exponentially and follow Retry-After.',
	},
	{
		// n8n's own label casing for a unit (e.g. the HTTP Request node's "Batch Interval (ms)"), which the title-case
		// rule would turn into "(Ms)".
		// eslint-disable-next-line n8n-nodes-base/node-param-display-name-miscased
		displayName: 'Timeout (ms)',
		name: 'timeout',
		type: 'number',
		typeOptions: { minValue: 1000 },
		default: 30000,
		description: 'How long one request may take before it counts as timed out, in milliseconds',
	},
];

/** The "Options" collection: the common fields plus a node's own, sorted by name as n8n's linter wants. */
export function optionsCollection(extraFields: INodeProperties[] = []): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [...COMMON_OPTION_FIELDS, ...extraFields].sort((a, b) => a.displayName.localeCompare(b.displayName)),
	};
}

export interface CommonOptions {
	customMapping: Map<string, NormalisedStatus>;
	includeRaw: boolean;
	maxConcurrency: number;
	maxRetries: number;
	timeoutMs: number;
	/** The provider's rate when the user set it (Max Requests per Second); undefined: learned from 429s. */
	maxRequestsPerSecond?: number;
	/** The whole collection, for a node's own options. */
	all: IDataObject;
}

function clampNumber(value: unknown, fallback: number, min: number, max: number): number {
	const number = typeof value === 'number' ? value : Number(value);
	if (!Number.isFinite(number)) return fallback;
	return Math.min(max, Math.max(min, Math.floor(number)));
}

/** The highest rate one execution may be asked to keep to (one request per millisecond). */
export const MAX_REQUESTS_PER_SECOND = 1000;

/** A rate the user set, or undefined when it is empty, 0 or not a number (saved workflows without it: as before). */
function positiveRate(value: unknown): number | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const number = typeof value === 'number' ? value : Number(value);
	if (!Number.isFinite(number) || number <= 0) return undefined;
	return Math.min(MAX_REQUESTS_PER_SECOND, number);
}

/** Reads the options once per execution (they configure the run, not an item). */
export function readCommonOptions(context: IExecuteFunctions): CommonOptions {
	return commonOptionsFrom(context.getNodeParameter('options', 0, {}) as IDataObject);
}

/** The options from the collection's value (triggers read it without an item index). */
export function commonOptionsFrom(options: IDataObject): CommonOptions {
	const mappings =
		((options.customStatusMapping as IDataObject | undefined)?.mappings as IDataObject[] | undefined) ?? [];
	const customMapping = new Map<string, NormalisedStatus>();
	for (const mapping of mappings) {
		const providerValue = String(mapping.providerValue ?? '');
		if (providerValue.trim() && isNormalisedStatus(mapping.status)) {
			customMapping.set(normaliseKey(providerValue), mapping.status);
		}
	}
	return {
		customMapping,
		includeRaw: options.includeRaw !== false,
		maxConcurrency: clampNumber(options.maxConcurrency, 5, 1, 50),
		maxRetries: clampNumber(options.maxRetries, DEFAULT_RETRY_POLICY.maxRetries, 0, 10),
		timeoutMs: clampNumber(options.timeout, DEFAULT_TIMEOUT_MS, 1000, 600_000),
		maxRequestsPerSecond: positiveRate(options.maxRequestsPerSecond),
		all: options,
	};
}
