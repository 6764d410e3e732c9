import {
	encodePathSegment,
	InvalidIdentifierError,
	normaliseIdentifier,
	parsePositiveInteger,
} from '../../nodes/shared/identifier';
import { drainWithConcurrency, groupsReadOnDemand, MAX_READ_SLICE_MS, READ_SLICE_MS } from '../../nodes/shared/concurrency';
import { redactSecrets } from '../../nodes/shared/providerClient';

describe('normaliseIdentifier', () => {
	test.each([
		['  A598t32D ', 'A598t32D'],
		[12345, '12345'],
		['ĀŽŪ-ørder-🚚', 'ĀŽŪ-ørder-🚚'],
		['a/b?c#d', 'a/b?c#d'],
	])('%p → %p', (value, expected) => {
		expect(normaliseIdentifier(value, 'Order ID')).toBe(expected);
	});

	test.each([
		['', /is empty/],
		['   ', /is empty/],
		[null, /is empty/],
		[undefined, /is empty/],
		[['a'], /must be text or a number.*a list/],
		[{ id: 1 }, /must be text or a number.*an object/],
		[true, /must be text or a number.*boolean/],
		[Number.NaN, /must be text or a number/],
		['x'.repeat(10_000), /10000 characters long/],
		['abc\ndef', /control characters/],
		['abc\u0000', /control characters/],
	])('%p is refused', (value, message) => {
		expect(() => normaliseIdentifier(value, 'Order ID')).toThrow(InvalidIdentifierError);
		expect(() => normaliseIdentifier(value, 'Order ID')).toThrow(message);
	});
});

describe('encodePathSegment', () => {
	test.each([
		['ørder 1', '%C3%B8rder%201'],
		['PB-123_x.y~z', 'PB-123_x.y~z'],
		['a+b&c=d e', 'a%2Bb%26c%3Dd%20e'],
	])('%s is encoded as one segment: %s', (id, encoded) => {
		expect(encodePathSegment(id, 'Order ID')).toBe(encoded);
	});

	// Encoded they would stay one segment for a URL parser, but a gateway that decodes before routing would not.
	test.each(['../etc', '..%2F..%2F__probe__', '%2e%2e/', '..%252f', 'a/b?c#d', '\\evil', '%5Cevil', 'x?clientId=EVIL', 'x#frag'])(
		'%s is refused before any request',
		(id) => {
			expect(() => encodePathSegment(id, 'Order ID')).toThrow(InvalidIdentifierError);
			expect(() => encodePathSegment(id, 'Order ID')).toThrow('contains /, \\, ?, # or %');
		},
	);

	test.each(['.', '..', '...'])('%s is refused (a URL parser would resolve it)', (id) => {
		expect(() => encodePathSegment(id, 'Order ID')).toThrow(InvalidIdentifierError);
	});

	test('a lone surrogate is refused, by the identifier check and by the encoder', () => {
		expect(() => normaliseIdentifier('\uD800bad', 'Order ID')).toThrow('contains an invalid character');
		expect(() => normaliseIdentifier('bad\uDC00', 'Order ID')).toThrow('contains an invalid character');
		expect(() => encodePathSegment('\uD800bad', 'Order ID')).toThrow(InvalidIdentifierError);
		// A whole pair (an emoji) is fine.
		expect(normaliseIdentifier('order 📦', 'Order ID')).toBe('order 📦');
	});
});

test('parsePositiveInteger', () => {
	expect(parsePositiveInteger('42', 'Order ID')).toBe(42);
	for (const bad of ['0', '-1', '1.5', 'abc', '1e3', '9999999999999999']) {
		expect(() => parsePositiveInteger(bad, 'Order ID')).toThrow(InvalidIdentifierError);
	}
});

/** Hands out 0 … count − 1, then undefined, and records when each was taken (by the running tasks' count). */
function counter(count: number, running: () => number) {
	let next = 0;
	const takenWhileRunning: number[] = [];
	return {
		takenWhileRunning,
		take: async () => {
			if (next >= count) return undefined;
			takenWhileRunning.push(running());
			return next++;
		},
	};
}

/** Runs `work` on jest's fake clock, firing its timers as they fall due; real time plays no part. */
async function onFakeClock<T>(work: () => Promise<T>): Promise<T> {
	jest.useFakeTimers({ now: 0 });
	try {
		const result = work();
		await jest.runAllTimersAsync();
		return await result;
	} finally {
		jest.useRealTimers();
	}
}

/** A task's own work: resolves after `ms` on the (fake) clock. */
const workFor = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

describe('drainWithConcurrency', () => {
	test('runs the first task alone, then at most `limit` at once, each exactly once', async () => {
		let running = 0;
		let peak = 0;
		let peakDuringFirst = 0;
		const seen: number[] = [];
		const source = counter(20, () => running);
		await onFakeClock(
			async () =>
				await drainWithConcurrency(source.take, 4, async (value) => {
					running++;
					peak = Math.max(peak, running);
					if (value === 0) peakDuringFirst = running;
					await workFor(5);
					seen.push(value);
					running--;
				}),
		);
		expect(peakDuringFirst).toBe(1);
		expect(peak).toBe(4);
		expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
	});

	test('takes an element only when a slot is free, so the source is read as the work goes', async () => {
		let running = 0;
		const source = counter(12, () => running);
		await onFakeClock(
			async () =>
				await drainWithConcurrency(source.take, 3, async () => {
					running++;
					await workFor(2);
					running--;
				}),
		);
		expect(source.takenWhileRunning).toHaveLength(12);
		// Never taken ahead: at most limit − 1 other tasks were running when an element was taken.
		expect(Math.max(...source.takenWhileRunning)).toBeLessThanOrEqual(2);
		// And reading really overlapped the work: later elements were taken while others ran.
		expect(source.takenWhileRunning.slice(4).some((runningThen) => runningThen > 0)).toBe(true);
	});

	test('while the first task runs alone, the next elements are read (one per other slot), then handed out in order', async () => {
		let firstRunning = false;
		const takenDuringFirst: number[] = [];
		let next = 0;
		const take = async () => {
			if (next >= 10) return undefined;
			if (firstRunning) takenDuringFirst.push(next);
			return next++;
		};
		const seen: number[] = [];
		await onFakeClock(
			async () =>
				await drainWithConcurrency(take, 3, async (value) => {
					if (value === 0) firstRunning = true;
					await workFor(10);
					if (value === 0) firstRunning = false;
					seen.push(value);
				}),
		);
		// Limit 3: two elements read ahead while the first task ran, none more.
		expect(takenDuringFirst).toEqual([1, 2]);
		expect(seen[0]).toBe(0);
		expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
		// Handed out in the order they were read: 1 and 2 start before 3.
		expect(seen.indexOf(1)).toBeLessThan(seen.indexOf(3));
	});

	test('the others start when `othersMayStart` resolves, before the first task ends; still at most `limit` at once', async () => {
		let running = 0;
		let peak = 0;
		const startedDuringFirst: number[] = [];
		let firstRunning = false;
		let release!: () => void;
		const othersMayStart = new Promise<void>((resolve) => (release = resolve));
		const source = counter(12, () => running);
		await onFakeClock(
			async () =>
				await drainWithConcurrency(
					source.take,
					3,
					async (value) => {
						running++;
						peak = Math.max(peak, running);
						if (value === 0) {
							firstRunning = true;
							setTimeout(release, 5); // e.g. the token the first request fetched is in
							await workFor(20);
							firstRunning = false;
						} else {
							if (firstRunning) startedDuringFirst.push(jest.now());
							await workFor(10);
						}
						running--;
					},
					othersMayStart,
				),
		);
		// Released at 5 ms, while the first task (20 ms) still ran: two started then, and none before.
		expect(startedDuringFirst.slice(0, 2)).toEqual([5, 5]);
		expect(peak).toBe(3);
	});

	test('stops when the source hands out nothing more', async () => {
		const seen: number[] = [];
		let stop = false;
		const values = [0, 1, 2, 3, 4, 5];
		await drainWithConcurrency(async () => (stop ? undefined : values.shift()), 1, async (value) => {
			seen.push(value);
			if (value === 2) stop = true;
		});
		expect(seen).toEqual([0, 1, 2]);
	});

	test('an empty source runs nothing', async () => {
		const task = jest.fn(async () => undefined);
		await drainWithConcurrency(async () => undefined, 5, task);
		expect(task).not.toHaveBeenCalled();
	});
});

describe('groupsReadOnDemand', () => {
	/** A parameter read that keeps the thread busy for `ms`, like n8n evaluating an expression (on the fake clock). */
	const busyFor = (ms: number) => jest.setSystemTime(jest.now() + ms);

	test('reads in order, one group at a time, only when asked, skipping what read refused', async () => {
		const readIndexes: number[] = [];
		const take = groupsReadOnDemand(
			7,
			3,
			(index) => {
				readIndexes.push(index);
				return index === 1 ? undefined : `item-${index}`;
			},
			() => false,
		);
		expect(readIndexes).toEqual([]);
		expect(await take()).toEqual(['item-0', 'item-2', 'item-3']);
		expect(readIndexes).toEqual([0, 1, 2, 3]);
		// Two callers at once still get whole groups, one after the other.
		const [second, third] = await Promise.all([take(), take()]);
		expect(second).toEqual(['item-4', 'item-5', 'item-6']);
		expect(third).toBeUndefined();
	});

	test('stops reading and hands out nothing once told to stop, not even the group it was reading', async () => {
		let stop = false;
		const readIndexes: number[] = [];
		const take = groupsReadOnDemand(
			10,
			4,
			(index) => {
				readIndexes.push(index);
				if (index === 5) stop = true;
				return index;
			},
			() => stop,
		);
		expect(await take()).toEqual([0, 1, 2, 3]);
		expect(await take()).toBeUndefined();
		expect(readIndexes).toEqual([0, 1, 2, 3, 4, 5]);
	});

	test('a long group read gives way to the event loop (requests on their way are not held up)', async () => {
		const readWhenTimerRan: number[] = [];
		let read = 0;
		const group = await onFakeClock(async () => {
			const take = groupsReadOnDemand(
				50,
				50,
				(index) => {
					busyFor(1);
					read = index + 1;
					return index;
				},
				() => false,
			);
			// A request already on its way, waiting for its turn on the event loop.
			setTimeout(() => readWhenTimerRan.push(read), 0);
			return await take();
		});
		expect(group).toHaveLength(50);
		// 50 reads of exactly 1 ms each: the timer got its turn after READ_SLICE_MS of reading, not after the group.
		expect(readWhenTimerRan).toEqual([READ_SLICE_MS]);
	});

	test('reads as long as the budget allows: none while it is 0, what fits otherwise, giving way every MAX_READ_SLICE_MS', async () => {
		// The budget: nothing until 5 ms (a request on its way), then until 12 ms (the next request is due), then plenty.
		let yieldsAfter12 = 0;
		const budget = () => {
			const now = jest.now();
			if (now >= 12) yieldsAfter12++;
			return now < 5 ? 0 : now < 12 ? 12 - now : Infinity;
		};
		const readAt: number[] = [];
		await onFakeClock(async () => {
			const take = groupsReadOnDemand(
				40,
				40,
				(index) => {
					readAt.push(jest.now());
					busyFor(2);
					return index;
				},
				() => false,
				budget,
			);
			return await take();
		});
		expect(readAt).toHaveLength(40);
		// Nothing read before 5 ms; then reads of 2 ms each while they fit before 12 ms: after 9 ms, 1 ms is left,
		// the reading gives way, and comes back with that 1 ms to read one more (a slice with any budget reads one).
		expect(readAt[0]).toBe(5);
		expect(readAt.filter((at) => at < 12)).toEqual([5, 7, 9, 11]);
		// From 12 ms on, unlimited: the reading still gave way at least every MAX_READ_SLICE_MS (two budget reads each).
		const readingAfter12 = readAt.at(-1)! + 2 - 12;
		expect(yieldsAfter12 / 2).toBeGreaterThanOrEqual(Math.floor(readingAfter12 / MAX_READ_SLICE_MS) - 1);
	});
});

test('redactSecrets removes every occurrence of each secret', () => {
	expect(redactSecrets('token SECRET-abc123 and again SECRET-abc123', ['SECRET-abc123'])).toBe(
		'token [redacted] and again [redacted]',
	);
	// A short secret is still a secret: a mangled word is the lesser harm.
	expect(redactSecrets('short ab goes', ['ab'])).toBe('short [redacted] goes');
});
