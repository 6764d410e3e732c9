import { createHash } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import { isFinalStatus, isNormalisedStatus, type NormalisedStatus } from './statusModel';

/** How many orders in progress are remembered; past this the oldest are forgotten first. */
export const MAX_OPEN_ORDERS = 10_000;
/**
 * Orders that reached a final status leave the main memory once emitted. The most recent of them are kept in
 * a small list so that checking the same delivered order again does not report it as new every time.
 */
export const MAX_FINISHED_ORDERS = 1_000;

/** Order ids up to this length are kept as they are in the memory's keys; longer ones are hashed. */
export const MAX_KEY_ID_LENGTH = 200;

export interface MemoryLimits {
	open: number;
	finished: number;
}

interface MemoryState {
	/** `provider:orderId` → last status; insertion order is age (a change moves the entry to the end). */
	open: Record<string, string>;
	finished: Record<string, string>;
	/**
	 * `provider:orderId` → the provider's own update time (epoch ms) of the remembered status. Only callers that
	 * know it (the polling triggers) fill it, so an older answer cannot overwrite a newer status.
	 */
	updatedAt?: Record<string, number>;
	/** The newest update time of an order forgotten to make room: an unknown order not updated since was seen. */
	forgottenUpTo?: number;
}

type ListName = 'open' | 'finished';

export interface StatusChange {
	previousStatus: NormalisedStatus | null;
	changed: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The last status of each order, kept in the workflow's static data (which n8n saves for active workflows).
 * Bounded: final orders move to a short "finished" list, and both lists drop their oldest entries first.
 */
export class StatusMemory {
	private readonly state: MemoryState;
	/** Entries per list, counted once: trimming must not enumerate 10,000 keys for every order recorded. */
	private readonly counts: Record<ListName, number>;

	constructor(
		staticData: IDataObject,
		private readonly limits: MemoryLimits = { open: MAX_OPEN_ORDERS, finished: MAX_FINISHED_ORDERS },
		field = 'orderStatus',
	) {
		const stored = staticData[field] as Partial<MemoryState> | undefined;
		if (!stored || typeof stored !== 'object' || typeof stored.open !== 'object' || typeof stored.finished !== 'object') {
			staticData[field] = { open: {}, finished: {} };
		}
		// Mutated in place: n8n notices changes to the static data object it handed out.
		this.state = staticData[field] as unknown as MemoryState;
		if (this.state.updatedAt !== undefined && !isRecord(this.state.updatedAt)) delete this.state.updatedAt;
		if (this.state.forgottenUpTo !== undefined && !Number.isFinite(this.state.forgottenUpTo)) {
			delete this.state.forgottenUpTo;
		}
		this.counts = { open: Object.keys(this.state.open).length, finished: Object.keys(this.state.finished).length };
	}

	/**
	 * `provider:orderId`, with an order id longer than MAX_KEY_ID_LENGTH replaced by its SHA-256: ids come from
	 * providers, and the memory must stay bounded in bytes as well as in entries (10,000 entries of 200 KB ids
	 * would be 2 GB of static data).
	 */
	static key(provider: string, orderId: string): string {
		if (orderId.length <= MAX_KEY_ID_LENGTH) return `${provider}:${orderId}`;
		return `${provider}:#sha256:${createHash('sha256').update(orderId).digest('hex')}`;
	}

	previous(key: string): NormalisedStatus | null {
		const value = this.state.open[key] ?? this.state.finished[key];
		return isNormalisedStatus(value) ? value : null;
	}

	/** The provider's update time of the remembered status, when it was recorded with one. */
	updatedAtOf(key: string): number | undefined {
		const value = this.state.updatedAt?.[key];
		return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
	}

	/** The newest update time among orders forgotten for room (undefined while nothing with a time was dropped). */
	get forgottenUpTo(): number | undefined {
		return this.state.forgottenUpTo;
	}

	/**
	 * Records a status and says whether it differs from the last one seen (a first sighting is a change).
	 * `updatedAt` is the provider's update time of this status, when it says one.
	 */
	record(key: string, status: NormalisedStatus, updatedAt?: number): StatusChange {
		const previousStatus = this.previous(key);
		const changed = previousStatus !== status;
		this.remove('open', key);
		this.remove('finished', key);
		if (updatedAt !== undefined && Number.isFinite(updatedAt)) {
			(this.state.updatedAt ??= {})[key] = updatedAt;
		} else if (this.state.updatedAt) {
			delete this.state.updatedAt[key];
		}
		const list: ListName = isFinalStatus(status) ? 'finished' : 'open';
		this.state[list][key] = status;
		this.counts[list]++;
		this.trim(list);
		return { previousStatus, changed };
	}

	get size(): { open: number; finished: number } {
		return { ...this.counts };
	}

	private remove(list: ListName, key: string): void {
		if (Object.prototype.hasOwnProperty.call(this.state[list], key)) {
			delete this.state[list][key];
			this.counts[list]--;
		}
	}

	private trim(list: ListName): void {
		const entries = this.state[list];
		const limit = this.limits[list];
		if (this.counts[list] <= limit) return;
		// Keys come out in insertion order: the oldest first.
		for (const key in entries) {
			if (this.counts[list] <= limit) break;
			this.forget(key);
			delete entries[key];
			this.counts[list]--;
		}
	}

	/** Drops an entry's update time, remembering how recent the forgotten orders were. */
	private forget(key: string): void {
		const updatedAt = this.state.updatedAt?.[key];
		if (updatedAt === undefined) return;
		delete this.state.updatedAt![key];
		if (Number.isFinite(updatedAt)) {
			this.state.forgottenUpTo = Math.max(this.state.forgottenUpTo ?? updatedAt, updatedAt);
		}
	}
}
