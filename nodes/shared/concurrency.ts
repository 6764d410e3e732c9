/**
 * Runs `task` for every element with at most `limit` running at once. The first task runs alone so that a
 * credential with an empty token cache fetches ONE token that the others then reuse (n8n's preAuthentication
 * does not coalesce parallel refreshes). `shouldStop` lets a failing run stop taking new work.
 */
export async function forEachWithConcurrency<T>(
	elements: readonly T[],
	limit: number,
	task: (element: T, index: number) => Promise<void>,
	shouldStop: () => boolean = () => false,
): Promise<void> {
	if (elements.length === 0) return;
	await task(elements[0], 0);
	let next = 1;
	const worker = async () => {
		while (next < elements.length && !shouldStop()) {
			const index = next++;
			await task(elements[index], index);
		}
	};
	const workers = Math.max(1, Math.min(limit, elements.length - 1));
	await Promise.all(Array.from({ length: workers }, worker));
}

/** Splits a list into chunks of at most `size`. */
export function chunk<T>(elements: readonly T[], size: number): T[][] {
	const chunks: T[][] = [];
	for (let i = 0; i < elements.length; i += size) chunks.push(elements.slice(i, i + size));
	return chunks;
}
