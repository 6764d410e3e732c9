/**
 * What the provider allows, and the targets of (A).
 *
 * The time limit for N orders is max(R / rate, R × latency / concurrency), where R is the fewest requests the
 * provider allows for N orders: N for Altcraft and Pitney Bowes (one order per request), ⌈N / 50⌉ for PPL
 * order tracking (50 ids per `GET /order`). For PPL the documented pacing (40 ms between requests) is a third
 * term, (R − 1) × 40 ms. Concurrency is what the variant effectively runs: the pack's default 5 for (A), every
 * item at once for (B) (the HTTP Request node sends all items' requests together), the batch size for (C).
 *
 * n8n's floor is n8n's own time to evaluate the one per-item expression every node inside n8n evaluates (the Order
 * ID), measured by the calibration workflow in the same run: A's time target is TIME_TARGET_FACTOR × max(limit,
 * floor).
 */
import type { ProviderKey } from './world';
import type { Variant } from './workflows';

export const PPL_GROUP_SIZE = 50;
export const PPL_PACING_MS = 40;
export const PACK_DEFAULT_CONCURRENCY = 5;
/** A's time target: within this factor of max(the provider's limit, n8n's floor), both measured in the same run. */
export const TIME_TARGET_FACTOR = 1.15;
/** AL's (A with Max Requests per Second set to the limit): within this factor of the limit, and no 429. */
export const CONFIGURED_RATE_TIME_FACTOR = 1.08;

export interface Limit {
	/** Fewest requests (token requests not counted). */
	requestFloor: number;
	concurrency: number;
	seconds: number;
	/** The terms, for the report. */
	terms: { rate: number; latency: number; pacing?: number };
}

export function effectiveConcurrency(variant: Variant, orders: number, batchSize: number): number {
	if (variant === 'A' || variant === 'AL') return PACK_DEFAULT_CONCURRENCY;
	if (variant === 'B') return orders;
	return batchSize;
}

export function limitFor(
	provider: ProviderKey,
	settings: { orders: number; latencyMs: number; ratePerSecond: number },
	concurrency: number,
): Limit {
	const requestFloor = provider === 'ppl' ? Math.ceil(settings.orders / PPL_GROUP_SIZE) : settings.orders;
	const rate = requestFloor / settings.ratePerSecond;
	const latency = (requestFloor * settings.latencyMs) / 1000 / concurrency;
	const pacing = provider === 'ppl' ? ((requestFloor - 1) * PPL_PACING_MS) / 1000 : undefined;
	return {
		requestFloor,
		concurrency,
		seconds: Math.max(rate, latency, pacing ?? 0),
		terms: { rate, latency, ...(pacing !== undefined ? { pacing } : {}) },
	};
}

export interface TargetCheck {
	name: string;
	pass: boolean;
	detail: string;
}
