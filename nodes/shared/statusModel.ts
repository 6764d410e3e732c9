/**
 * The normalised order status vocabulary (the README's "The status vocabulary"): the contract workflows branch on.
 */
export const NORMALISED_STATUSES = [
	'pending',
	'accepted',
	'processing',
	'on_hold',
	'shipped',
	'delivered',
	'cancelled',
	'rejected',
	'returned',
	'unknown',
] as const;

export type NormalisedStatus = (typeof NORMALISED_STATUSES)[number];

export const STATUS_LABELS: Readonly<Record<NormalisedStatus, string>> = {
	pending: 'Pending',
	accepted: 'Accepted',
	processing: 'Processing',
	on_hold: 'On Hold',
	shipped: 'Shipped',
	delivered: 'Delivered',
	cancelled: 'Cancelled',
	rejected: 'Rejected',
	returned: 'Returned',
	unknown: 'Unknown',
};

/** Statuses after which an order does not change any more. */
export const FINAL_STATUSES: ReadonlySet<NormalisedStatus> = new Set<NormalisedStatus>([
	'delivered',
	'cancelled',
	'rejected',
	'returned',
]);

export function isFinalStatus(status: NormalisedStatus): boolean {
	return FINAL_STATUSES.has(status);
}

export function isNormalisedStatus(value: unknown): value is NormalisedStatus {
	return typeof value === 'string' && (NORMALISED_STATUSES as readonly string[]).includes(value);
}

/** Which mapping step produced a status (status-model.md §2). */
export type StatusSource = 'custom' | 'provider' | 'keyword' | 'unknown';

/** A provider's exact table of raw values (status-model.md §3), keyed as the provider spells them. */
export type ProviderStatusTable = Readonly<Record<string, NormalisedStatus>>;

/** `{ name, value }` options for every normalised status, for node parameters. */
export const STATUS_OPTIONS = NORMALISED_STATUSES.map((status) => ({
	name: STATUS_LABELS[status],
	value: status,
}));
