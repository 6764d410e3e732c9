/**
 * Request slots on a virtual clock: Max Concurrency bounds the requests in flight, and an order waiting to be
 * retried gives its slot to the next order for the wait (so one 503 does not hold up the orders behind it).
 */
import { drainWithConcurrency, groupsReadOnDemand, MAX_READ_SLICE_MS, READ_SLICE_MS, RequestSlots } from '../../nodes/shared/concurrency';
import { ProviderClient, type ClientSettings, type ProviderProfile, type RequestContext } from '../../nodes/shared/providerClient';
import { DEFAULT_RETRY_POLICY } from '../../nodes/shared/request/retry';
import { FakeClock } from './fakeClock';

/** Lets every continuation that is ready run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** Hands out 0 … count − 1, then undefined. */
const upTo = (count: number) => {
	let next = 0;
	return async () => (next < count ? next++ : undefined);
};

describe('RequestSlots', () => {
	test('gives out at most `limit` slots; a released slot goes to a resuming request before a new one', async () => {
		const slots = new RequestSlots(2);
		const order: string[] = [];
		await slots.take();
		await slots.take();
		const newcomer = slots.take().then(() => order.push('new'));
		const resumer = slots.resume().then(() => order.push('resumed'));
		await settle();
		expect(order).toEqual([]); // both slots are held
		slots.release();
		await settle();
		expect(order).toEqual(['resumed']);
		slots.release();
		await Promise.all([newcomer, resumer]);
		expect(order).toEqual(['resumed', 'new']);
	});

	test('a limit below 1 still lets one request through', async () => {
		const slots = new RequestSlots(0);
		await slots.take();
		let second = false;
		void slots.take().then(() => (second = true));
		await settle();
		expect(second).toBe(false);
		slots.release();
		await settle();
		expect(second).toBe(true);
	});
});

describe('drainWithConcurrency and slots given back', () => {
	test('a task that gives its slot back while it waits lets the next element start meanwhile', async () => {
		const clock = new FakeClock();
		const slots = new RequestSlots(1);
		const startedAt = new Map<number, number>();
		await clock.drive(
			drainWithConcurrency(upTo(4), slots, async (element) => {
				startedAt.set(element, clock.now());
				await clock.sleep(10);
				if (element === 1) {
					// Element 1 waits a second to be retried, without its slot.
					slots.release();
					await clock.sleep(1000);
					await slots.resume();
					await clock.sleep(10);
				}
			}),
		);
		const t0 = startedAt.get(0)!;
		// 0 alone (10 ms), 1 (10 ms, then waits), 2 and 3 one after the other during 1's wait.
		expect([1, 2, 3].map((element) => startedAt.get(element)! - t0)).toEqual([10, 20, 30]);
	});

	test('a task that throws stops the taking; the error is thrown after the running tasks end', async () => {
		const clock = new FakeClock();
		const slots = new RequestSlots(2);
		const finished: number[] = [];
		const taken: number[] = [];
		const take = upTo(100);
		const work = drainWithConcurrency(
			async () => {
				const element = await take();
				if (element !== undefined) taken.push(element);
				return element;
			},
			slots,
			async (element) => {
				await clock.sleep(element === 2 ? 5 : 50);
				if (element === 2) throw new Error('boom');
				finished.push(element);
			},
		);
		await expect(clock.drive(work)).rejects.toThrow('boom');
		// 0 alone, then 1 and 2; 2 fails while 1 runs, 3 may already have been taken by then but no more.
		expect(finished).toContain(1);
		expect(Math.max(...taken)).toBeLessThanOrEqual(3);
		expect(finished.every((element) => taken.includes(element))).toBe(true);
	});
});

describe('ProviderClient with request slots', () => {
	const profile: ProviderProfile = {
		name: 'Test',
		credentialType: 'testApi',
		credentialName: 'Test API',
		describeError: (response) => ({ message: `HTTP ${response.statusCode}` }),
	};

	test("a 503's Retry-After wait does not hold the slot: the next order is sent during it", async () => {
		const clock = new FakeClock();
		const sent: Array<{ url: string; at: number }> = [];
		const context: RequestContext = {
			helpers: {
				httpRequestWithAuthentication: async (_type, options) => {
					sent.push({ url: String(options.url), at: clock.now() });
					await clock.sleep(10);
					const firstTry = sent.filter((entry) => entry.url === options.url).length === 1;
					const statusCode = String(options.url).endsWith('/a') && firstTry ? 503 : 200;
					return { statusCode, headers: statusCode === 503 ? { 'retry-after': '1' } : {}, body: '{}' };
				},
			},
		};
		const slots = new RequestSlots(1);
		const settings: ClientSettings = { retry: { ...DEFAULT_RETRY_POLICY, maxRetries: 2 }, timeoutMs: 1000, secrets: [], slots };
		const client = new ProviderClient(context, profile, settings, clock);
		const orders = ['first', 'a', 'b', 'c'];
		let next = 0;
		await clock.drive(
			drainWithConcurrency(
				async () => orders[next++],
				slots,
				async (order) => {
					await client.request({ method: 'GET', url: `http://x/${order}` });
				},
			),
		);
		const t0 = sent[0].at;
		const timeline = sent.map((entry) => `${entry.url.slice('http://x/'.length)}@${entry.at - t0}`);
		// "a" gets a 503 at 20 ms and is retried 1 s later; "b" and "c" go during that second, one at a time.
		expect(timeline).toEqual(['first@0', 'a@10', 'b@20', 'c@30', 'a@1020']);
	});

	test('without slots (triggers, credential tests) the client waits as before', async () => {
		const clock = new FakeClock();
		let calls = 0;
		const context: RequestContext = {
			helpers: {
				httpRequestWithAuthentication: async () => {
					calls++;
					return { statusCode: calls === 1 ? 503 : 200, headers: calls === 1 ? { 'retry-after': '1' } : {}, body: '{}' };
				},
			},
		};
		const client = new ProviderClient(context, profile, { retry: DEFAULT_RETRY_POLICY, timeoutMs: 1000, secrets: [] }, clock);
		const started = clock.now();
		await clock.drive(client.request({ method: 'GET', url: 'http://x/a' }));
		expect(clock.now() - started).toBe(1000);
		expect(calls).toBe(2);
	});
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

describe('drainWithConcurrency on the jest clock', () => {
	test('runs the first task alone, then at most `limit` at once, each exactly once', async () => {
		let running = 0;
		let peak = 0;
		let peakDuringFirst = 0;
		const seen: number[] = [];
		const source = counter(20, () => running);
		await onFakeClock(
			async () =>
				await drainWithConcurrency(source.take, new RequestSlots(4), async (value) => {
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
				await drainWithConcurrency(source.take, new RequestSlots(3), async () => {
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
				await drainWithConcurrency(take, new RequestSlots(3), async (value) => {
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
					new RequestSlots(3),
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
		await drainWithConcurrency(async () => (stop ? undefined : values.shift()), new RequestSlots(1), async (value) => {
			seen.push(value);
			if (value === 2) stop = true;
		});
		expect(seen).toEqual([0, 1, 2]);
	});

	test('an empty source runs nothing', async () => {
		const task = jest.fn(async () => undefined);
		await drainWithConcurrency(async () => undefined, new RequestSlots(5), task);
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
