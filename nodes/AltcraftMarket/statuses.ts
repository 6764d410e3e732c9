import type { ProviderStatusTable } from '../shared/statusModel';

/** Order `status` (status-model.md §3): a fixed, platform-defined set. */
export const ALTCRAFT_ORDER_STATUSES: ProviderStatusTable = {
	new: 'accepted',
	paid: 'processing',
	delivered: 'delivered',
	canceled: 'cancelled',
	part_refunded: 'returned',
};

/** Order line statuses, for the day lines are read (custom line statuses fall through to the keyword rules). */
export const ALTCRAFT_LINE_STATUSES: ProviderStatusTable = {
	new: 'accepted',
	processing: 'processing',
	delivering: 'shipped',
	delivered: 'delivered',
	canceled: 'cancelled',
	refunded: 'returned',
};
