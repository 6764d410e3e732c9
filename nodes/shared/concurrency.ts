import { sleep } from 'n8n-workflow';

/**
 * The request slots of one execution: at most `limit` requests in flight at once. A request that waits to be
 * retried gives its slot back for the wait (`release`) and takes one again before its next attempt (`resume`),
 * so a 503's Retry-After delays that order only, not every order queued behind its slot. Resuming requests are
 * served before new ones, so an order already begun is finished before more are started.
 */
export class RequestSlots {
	private free: number;
	private readonly resuming: Array<() => void> = [];
	private readonly starting: Array<() => void> = [];

	constructor(readonly limit: number) {
		this.free = Math.max(1, Math.floor(limit));
	}

	/** Takes a slot for a new request, waiting until one is free. */
	async take(): Promise<void> {
		if (this.free > 0 && this.resuming.length === 0) {
			this.free--;
			return;
		}
		await new Promise<void>((resolve) => this.starting.push(resolve));
	}

	/** Takes a slot back for a request that waited to be retried; it goes before every new request. */
	async resume(): Promise<void> {
		if (this.free > 0) {
			this.free--;
			return;
		}
		await new Promise<void>((resolve) => this.resuming.push(resolve));
	}

	/** Gives a slot back: to a waiting resumed request first, then to a new one. */
	release(): void {
		const next = this.resuming.shift() ?? this.starting.shift();
		if (next) next();
		else this.free++;
	}
}

/**
 * Runs `task` on every element `takeNext` hands out, each while holding one of `slots`, until it hands out
 * `undefined`. Elements are taken only when a slot is free, so a caller that reads its input lazily overlaps that
 * reading with the requests already in flight. A task may give its slot back while it waits (see RequestSlots),
 * and another element is started meanwhile. The first task runs alone so that a credential with an empty token
 * cache fetches ONE token that the others then reuse (n8n's preAuthentication does not coalesce parallel
 * refreshes), until it ends or `othersMayStart` resolves (the token is in, or none is needed); meanwhile the next
 * elements are taken (one per other slot), so the reading goes on while that first request is on its way. A task
 * that throws stops the taking; the error is thrown once the running tasks have ended.
 */
export async function drainWithConcurrency<T>(
	takeNext: () => Promise<T | undefined>,
	slots: RequestSlots,
	task: (element: T) => Promise<void>,
	othersMayStart?: Promise<void>,
): Promise<void> {
	let failure: { error: unknown } | undefined;
	const running = new Set<Promise<void>>();
	const start = (element: T): Promise<void> => {
		const run = task(element)
			.catch((error: unknown) => {
				failure ??= { error };
			})
			.finally(() => {
				slots.release();
				running.delete(run);
			});
		running.add(run);
		return run;
	};
	await slots.take();
	const first = await takeNext();
	if (first === undefined) {
		slots.release();
		return;
	}
	const firstRun = start(first);
	let alone = true;
	const released = Promise.race([firstRun, ...(othersMayStart ? [othersMayStart.catch(() => undefined)] : [])]).finally(() => {
		alone = false;
	});
	// Read ahead while the first task is alone: one element per other slot, handed out in the order read.
	const ahead: Array<Promise<T | undefined>> = [];
	void (async () => {
		while (alone && ahead.length < Math.max(1, slots.limit - 1)) {
			const next = takeNext();
			ahead.push(next);
			if ((await next) === undefined) return;
		}
	})().catch(() => undefined); // a failed take reaches the loop below, which awaits it
	await released;
	while (!failure) {
		await slots.take();
		const element = failure ? undefined : await (ahead.shift() ?? takeNext());
		if (element === undefined) {
			slots.release();
			break;
		}
		void start(element);
	}
	await Promise.all(running);
	if (failure) throw failure.error;
}

/** The longest a group is read without giving way to requests already on their way, unless told otherwise. */
export const READ_SLICE_MS = 2;
/** The longest a group is read without giving way, whatever `budgetMs` allows (answers and timers get their turn). */
export const MAX_READ_SLICE_MS = 10;

/**
 * Hands out elements 0 … count − 1 in groups of up to `groupSize`, each element read by `read` only when its group
 * is asked for: one group at a time, in order. `read` returns undefined for an element that goes into no group
 * (a bad item the caller has recorded). Once `shouldStop()` holds, nothing more is read or handed out.
 * A long read gives way to the event loop, so requests already started are not held up behind it (PPL's pacing
 * counts arrivals, not starts): after `budgetMs()` of reading (READ_SLICE_MS by default, at most
 * MAX_READ_SLICE_MS), and before an element whose read would not fit into what is left of it.
 */
export function groupsReadOnDemand<T>(
	count: number,
	groupSize: number,
	read: (index: number) => T | undefined,
	shouldStop: () => boolean,
	budgetMs: () => number = () => READ_SLICE_MS,
): () => Promise<T[] | undefined> {
	let nextIndex = 0;
	/** How long one read takes, as measured over the last slice's reads (ms). */
	let readMs = 0;
	const readGroup = async (): Promise<T[] | undefined> => {
		const group: T[] = [];
		let sliceStart = Date.now();
		let sliceEnd = sliceStart + Math.min(MAX_READ_SLICE_MS, budgetMs());
		let readsInSlice = 0;
		while (!shouldStop() && group.length < groupSize && nextIndex < count) {
			const now = Date.now();
			if (readsInSlice > 0) readMs = (now - sliceStart) / readsInSlice;
			// A slice with any budget at all reads at least one element (so a slow read never stops the reading).
			if (now >= sliceEnd || (readsInSlice > 0 && sliceEnd - now < readMs)) {
				// Give way; while there is no budget (a request on its way), a millisecond at a time.
				await sleep(budgetMs() > 0 ? 0 : 1);
				sliceStart = Date.now();
				sliceEnd = sliceStart + Math.min(MAX_READ_SLICE_MS, budgetMs());
				readsInSlice = 0;
				continue;
			}
			const element = read(nextIndex++);
			readsInSlice++;
			if (element !== undefined) group.push(element);
		}
		return !shouldStop() && group.length > 0 ? group : undefined;
	};
	let reading: Promise<unknown> = Promise.resolve();
	return () => {
		const group = reading.then(readGroup);
		reading = group;
		return group;
	};
}
