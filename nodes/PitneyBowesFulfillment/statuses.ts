import type { ProviderStatusTable } from '../shared/statusModel';

/**
 * Order `status` of Get Order Status (status-model.md §3). Pitney Bowes does not publish the values: only
 * `ON_HOLD` is documented, by example. Every other value goes through the shared keyword rules, and
 * `isOnHold: true` overrides the value (see api.ts), so this table stays this short on purpose.
 */
export const PITNEY_BOWES_ORDER_STATUSES: ProviderStatusTable = {
	ON_HOLD: 'on_hold',
};
