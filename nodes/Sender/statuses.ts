import type { ProviderStatusTable } from '../shared/statusModel';

/**
 * Order `status` (status-model.md §3). Sender documents only "accepted" and "canceled" in prose; both spellings
 * of cancelled are accepted, and `failed` (a placement that failed) is a refusal. Every other value (later
 * shipping statuses such as `in_transit`) goes through the shared keyword rules.
 */
export const SENDER_ORDER_STATUSES: ProviderStatusTable = {
	accepted: 'accepted',
	canceled: 'cancelled',
	cancelled: 'cancelled',
	failed: 'rejected',
};
