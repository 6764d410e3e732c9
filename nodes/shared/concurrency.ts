import { sleep } from 'n8n-workflow';

/**
 * Runs `task` on every element `takeNext` hands out, with at most `limit` tasks running at once, until it hands
 * out `undefined`. Elements are taken only when a task slot is free, so a caller that reads its input lazily
 * overlaps that reading with the requests already in flight. The first task runs alone so that a credential
 * with an empty token cache fetches ONE token that the others then reuse (n8n's preAuthentication does not
 * coalesce parallel refreshes), until it ends or `othersMayStart` resolves (the token is in, or none is needed);
 * meanwhile the next elements are taken (one per other slot), so the reading goes on while that first request is
 * on its way.
 */
export async function drainWithConcurrency<T>(
	takeNext: () => Promise<T | undefined>,
	limit: number,
	task: (element: T) => Promise<void>,
	othersMayStart?: Promise<void>,
): Promise<void> {
	const first = await takeNext();
	if (first === undefined) return;
	const ahead: Array<Promise<T | undefined>> = [];
	let alone = true;
	const firstTask = task(first);
	const released = Promise.race([firstTask, ...(othersMayStart ? [othersMayStart] : [])]).finally(() => {
		alone = false;
	});
	void (async () => {
		while (alone && ahead.length < Math.max(1, limit - 1)) {
			const next = takeNext();
			ahead.push(next);
			if ((await next) === undefined) return;
		}
	})().catch(() => undefined); // a failed take reaches the worker that awaits it
	const take = async () => await (ahead.shift() ?? takeNext());
	const worker = async () => {
		for (let element = await take(); element !== undefined; element = await take()) await task(element);
	};
	// The first task's slot becomes a worker when it ends; the other slots open once the first may have company.
	const firstLane = firstTask.then(worker);
	await released;
	await Promise.all([firstLane, ...Array.from({ length: Math.max(0, limit - 1) }, worker)]);
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
