import { sleep } from 'n8n-workflow';

/**
 * Runs `task` on every element `takeNext` hands out, with at most `limit` tasks running at once, until it hands
 * out `undefined`. Elements are taken only when a task slot is free, so a caller that reads its input lazily
 * overlaps that reading with the requests already in flight. The first task runs alone so that a credential
 * with an empty token cache fetches ONE token that the others then reuse (n8n's preAuthentication does not
 * coalesce parallel refreshes).
 */
export async function drainWithConcurrency<T>(
	takeNext: () => Promise<T | undefined>,
	limit: number,
	task: (element: T) => Promise<void>,
): Promise<void> {
	const first = await takeNext();
	if (first === undefined) return;
	await task(first);
	const worker = async () => {
		for (let element = await takeNext(); element !== undefined; element = await takeNext()) await task(element);
	};
	await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
}

/** The longest a group is read without giving way to requests already on their way. */
export const READ_SLICE_MS = 2;

/**
 * Hands out elements 0 … count − 1 in groups of up to `groupSize`, each element read by `read` only when its group
 * is asked for: one group at a time, in order. `read` returns undefined for an element that goes into no group
 * (a bad item the caller has recorded). Once `shouldStop()` holds, nothing more is read or handed out.
 * A long read gives way to the event loop every READ_SLICE_MS, so requests already started are not held up
 * behind it (PPL's pacing counts arrivals, not starts).
 */
export function groupsReadOnDemand<T>(
	count: number,
	groupSize: number,
	read: (index: number) => T | undefined,
	shouldStop: () => boolean,
): () => Promise<T[] | undefined> {
	let nextIndex = 0;
	const readGroup = async (): Promise<T[] | undefined> => {
		const group: T[] = [];
		let sliceStart = Date.now();
		while (!shouldStop() && group.length < groupSize && nextIndex < count) {
			if (Date.now() - sliceStart >= READ_SLICE_MS) {
				await sleep(0);
				sliceStart = Date.now();
			}
			const element = read(nextIndex++);
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
