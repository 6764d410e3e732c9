import { createHash } from 'crypto';

import type { IDataObject } from 'n8n-workflow';

/** How long an emitted (reference, status) is remembered unless the node's option says otherwise. */
export const DEFAULT_REPLAY_WINDOW_HOURS = 24;
/** The most (reference, status) pairs one trigger remembers; the oldest go first. */
export const MAX_REMEMBERED_CALLBACKS = 2000;
/** How many verification calls to Sender one trigger makes per minute unless the node's option says otherwise. */
export const DEFAULT_MAX_VERIFICATIONS_PER_MINUTE = 30;
/** The static data field that holds the emitted pairs: `{ [key]: emitted at, in epoch seconds }`. */
export const EMITTED_STATIC_FIELD = 'emittedCallbacks';

const MINUTE_MS = 60_000;
/** Hex characters of a key: 96 bits, so 2,000 remembered pairs never collide in practice. */
const KEY_HEX_LENGTH = 24;
/** Triggers whose in-process memory is kept at once; the least recently used go first. */
const MAX_TRACKED_TRIGGERS = 500;

/**
 * The fixed-size key a (reference, status) pair is remembered by: a hash, so a 10,000-character reference costs
 * the same 24 characters as a short one and static data never holds the references themselves. The status is
 * compared without case or surrounding spaces ("Accepted " and "accepted" are one status).
 */
export function callbackKey(reference: string, status: unknown): string {
	const normalisedStatus = String(status ?? '')
		.trim()
		.toLowerCase();
	return createHash('sha256').update(`${reference}\u0000${normalisedStatus}`).digest('hex').slice(0, KEY_HEX_LENGTH);
}

interface TriggerMemory {
	/** key → emitted at (epoch ms), oldest first. */
	emitted: Map<string, number>;
	/** When each verification call of the last minute started (epoch ms), oldest first. */
	verifications: number[];
}

/**
 * Per-process memory, one entry per trigger node (`workflow id` + `node id`). Each callback is its own execution
 * with its own copy of static data read at the start of the request, so two copies of a callback arriving
 * together would both pass a check made on static data alone; this memory is checked and updated without any
 * await in between, so within one n8n process only the first copy gets through.
 */
const processMemory = new Map<string, TriggerMemory>();

function memoryFor(scope: string): TriggerMemory {
	let memory = processMemory.get(scope);
	if (memory) {
		processMemory.delete(scope);
	} else {
		memory = { emitted: new Map(), verifications: [] };
	}
	processMemory.set(scope, memory);
	while (processMemory.size > MAX_TRACKED_TRIGGERS) {
		const oldest = processMemory.keys().next().value;
		if (oldest === undefined) break;
		processMemory.delete(oldest);
	}
	return memory;
}

/** Forgets every trigger's in-process memory, as a restart of n8n does (tests use it to simulate one). */
export function forgetProcessMemory(): void {
	processMemory.clear();
}

export interface CallbackGuardSettings {
	/** 0 turns the replay window off. */
	replayWindowMs: number;
	maxVerificationsPerMinute: number;
	/** The clock, in epoch ms. */
	now?: () => number;
}

/**
 * The Sender Trigger's memory of what it emitted (the replay window) and of how often it asked Sender (the
 * verification rate bound).
 *
 * - Emitted pairs live in the node's static data (persisted by n8n after each production callback, so they
 *   survive restarts and are shared by every n8n process that loads the workflow) and in per-process memory
 *   (which closes the gap between concurrent callbacks in one process). At most `MAX_REMEMBERED_CALLBACKS` pairs,
 *   24 hex characters and a number each, so static data stays under about 80 KB.
 * - Verification calls are counted in per-process memory only: a sliding minute, checked and counted before the
 *   call without any await in between. Several n8n processes that receive webhooks each have their own count.
 */
export class CallbackGuard {
	private readonly memory: TriggerMemory;
	private readonly now: () => number;

	constructor(
		scope: string,
		private readonly staticData: IDataObject,
		private readonly settings: CallbackGuardSettings,
	) {
		this.memory = memoryFor(scope);
		this.now = settings.now ?? Date.now;
	}

	get maxVerificationsPerMinute(): number {
		return this.settings.maxVerificationsPerMinute;
	}

	private get windowOn(): boolean {
		return this.settings.replayWindowMs > 0;
	}

	private stored(): IDataObject {
		const value = this.staticData[EMITTED_STATIC_FIELD];
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as IDataObject) : {};
	}

	/** Whether this pair was emitted within the window (by this process or, per static data, by any). */
	wasEmitted(key: string): boolean {
		if (!this.windowOn) return false;
		const since = this.now() - this.settings.replayWindowMs;
		const inMemory = this.memory.emitted.get(key);
		if (inMemory !== undefined && inMemory > since) return true;
		const storedSeconds = this.stored()[key];
		return typeof storedSeconds === 'number' && storedSeconds * 1000 > since;
	}

	/** Remembers that this pair is being emitted now; drops what left the window and the oldest beyond the cap. */
	remember(key: string): void {
		if (!this.windowOn) return;
		const now = this.now();
		const since = now - this.settings.replayWindowMs;

		const emitted = this.memory.emitted;
		emitted.delete(key);
		emitted.set(key, now);
		for (const [oldKey, at] of emitted) {
			if (at > since && emitted.size <= MAX_REMEMBERED_CALLBACKS) break;
			emitted.delete(oldKey);
		}

		const kept = Object.entries(this.stored())
			.filter((entry): entry is [string, number] => {
				const [storedKey, seconds] = entry;
				return storedKey !== key && typeof seconds === 'number' && seconds * 1000 > since;
			})
			.sort((a, b) => a[1] - b[1])
			.slice(-(MAX_REMEMBERED_CALLBACKS - 1));
		kept.push([key, Math.floor(now / 1000)]);
		this.staticData[EMITTED_STATIC_FIELD] = Object.fromEntries(kept);
	}

	/**
	 * Takes one verification call from this minute's allowance: true when the call may go to Sender (and it is
	 * counted), false when the trigger already asked Sender `maxVerificationsPerMinute` times in the last minute.
	 */
	takeVerification(): boolean {
		const now = this.now();
		const calls = this.memory.verifications;
		while (calls.length > 0 && calls[0] <= now - MINUTE_MS) calls.shift();
		if (calls.length >= this.settings.maxVerificationsPerMinute) return false;
		calls.push(now);
		return true;
	}
}
