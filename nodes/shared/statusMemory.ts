import type { IDataObject } from 'n8n-workflow';

import { isFinalStatus, isNormalisedStatus, type NormalisedStatus } from './statusModel';

/** How many orders in progress are remembered; past this the oldest are forgotten first. */
export const MAX_OPEN_ORDERS = 10_000;
/**
 * Orders that reached a final status leave the main memory once emitted. The most recent of them are kept in
 * a small list so that checking the same delivered order again does not report it as new every time.
 */
export const MAX_FINISHED_ORDERS = 1_000;

interface MemoryState {
	/** `provider:orderId` → last status; insertion order is age (a change moves the entry to the end). */
	open: Record<string, string>;
	finished: Record<string, string>;
}

export interface StatusChange {
	previousStatus: NormalisedStatus | null;
	changed: boolean;
}

/**
 * The last status of each order, kept in the workflow's static data (which n8n saves for active workflows).
 * Bounded: final orders move to a short "finished" list, and both lists drop their oldest entries first.
 */
export class StatusMemory {
	private readonly state: MemoryState;

	constructor(
		staticData: IDataObject,
		private readonly limits = { open: MAX_OPEN_ORDERS, finished: MAX_FINISHED_ORDERS },
		field = 'orderStatus',
	) {
		const stored = staticData[field] as Partial<MemoryState> | undefined;
		if (!stored || typeof stored !== 'object' || typeof stored.open !== 'object' || typeof stored.finished !== 'object') {
			staticData[field] = { open: {}, finished: {} };
		}
		// Mutated in place: n8n notices changes to the static data object it handed out.
		this.state = staticData[field] as unknown as MemoryState;
	}

	static key(provider: string, orderId: string): string {
		return `${provider}:${orderId}`;
	}

	previous(key: string): NormalisedStatus | null {
		const value = this.state.open[key] ?? this.state.finished[key];
		return isNormalisedStatus(value) ? value : null;
	}

	/** Records a status and says whether it differs from the last one seen (a first sighting is a change). */
	record(key: string, status: NormalisedStatus): StatusChange {
		const previousStatus = this.previous(key);
		const changed = previousStatus !== status;
		delete this.state.open[key];
		delete this.state.finished[key];
		if (isFinalStatus(status)) {
			this.state.finished[key] = status;
			this.trim(this.state.finished, this.limits.finished);
		} else {
			this.state.open[key] = status;
			this.trim(this.state.open, this.limits.open);
		}
		return { previousStatus, changed };
	}

	get size(): { open: number; finished: number } {
		return { open: Object.keys(this.state.open).length, finished: Object.keys(this.state.finished).length };
	}

	private trim(entries: Record<string, string>, limit: number): void {
		const keys = Object.keys(entries);
		for (let i = 0; i < keys.length - limit; i++) delete entries[keys[i]];
	}
}
