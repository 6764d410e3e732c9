/**
 * The transition rules the three polling triggers share (nodes/shared/pollTransitions.ts), on their own:
 * first poll, once per order and poll, stale answers, the status filter and the bound on the state.
 */
import type { IDataObject } from 'n8n-workflow';

import { bookkeepingTime, commitPoll, EARLIEST_PROVIDER_TIME, newestPerOrder, sampleItems, type OrderObservation, type TransitionSettings } from '../../nodes/shared/pollTransitions';
import { buildStatusItem } from '../../nodes/shared/statusItem';
import { StatusMemory } from '../../nodes/shared/statusMemory';
import type { NormalisedStatus } from '../../nodes/shared/statusModel';

const T0 = Date.parse('2026-11-22T10:00:00Z');

function seen(orderId: string, status: NormalisedStatus, updatedAt?: number): OrderObservation {
	return {
		item: buildStatusItem({
			provider: 'test-provider',
			orderId,
			mapped: { status, statusSource: 'provider', statusRaw: status },
			details: {},
			redact: (value) => value,
		}),
		updatedAt,
	};
}

const settings = (overrides: Partial<TransitionSettings> = {}): TransitionSettings => ({
	emitExisting: false,
	onlyStatuses: [],
	...overrides,
});

/** Runs one complete poll over the observations. */
const pollOnce = (data: IDataObject, observations: OrderObservation[], overrides: Partial<TransitionSettings> = {}) =>
	commitPoll(data, observations, settings(overrides), { cursor: {}, complete: true }).map((item) => [
		item.orderId,
		item.previousStatus,
		item.status,
	]);

describe('commitPoll', () => {
	test('the first poll records, later polls emit transitions only, new orders included', () => {
		const data: IDataObject = {};
		expect(pollOnce(data, [seen('A', 'accepted', T0), seen('B', 'accepted', T0)])).toEqual([]);
		expect(pollOnce(data, [seen('A', 'accepted', T0), seen('B', 'shipped', T0 + 1000), seen('C', 'pending', T0 + 2000)])).toEqual([
			['B', 'accepted', 'shipped'],
			['C', null, 'pending'],
		]);
		expect(pollOnce(data, [seen('A', 'accepted', T0), seen('B', 'shipped', T0 + 1000)])).toEqual([]);
	});

	test('a first poll cut short keeps recording until a sweep completes', () => {
		const data: IDataObject = {};
		const partial = commitPoll(data, [seen('A', 'accepted', T0)], settings(), { cursor: { at: 1 }, complete: false });
		expect(partial).toEqual([]);
		expect((data.poll as IDataObject).seededAt).toBeUndefined();
		expect((data.poll as IDataObject).cursor).toEqual({ at: 1 });
		expect(pollOnce(data, [seen('B', 'accepted', T0)])).toEqual([]);
		expect(pollOnce(data, [seen('C', 'accepted', T0)])).toEqual([['C', null, 'accepted']]);
	});

	test('"emit existing" emits the first poll, through the status filter', () => {
		expect(
			pollOnce({}, [seen('A', 'accepted', T0), seen('B', 'delivered', T0)], { emitExisting: true, onlyStatuses: ['delivered'] }),
		).toEqual([['B', null, 'delivered']]);
	});

	test('an order seen twice in one poll is emitted once, with its newest status, whatever the page order', () => {
		const data: IDataObject = {};
		pollOnce(data, [seen('A', 'accepted', T0)]);
		expect(pollOnce(data, [seen('A', 'shipped', T0 + 2000), seen('A', 'accepted', T0)])).toEqual([['A', 'accepted', 'shipped']]);
		pollOnce(data, [seen('B', 'accepted', T0)]);
		expect(pollOnce(data, [seen('B', 'accepted', T0), seen('B', 'on_hold', T0 + 1000)])).toEqual([['B', 'accepted', 'on_hold']]);
		// Without provider times the later sighting wins.
		expect(newestPerOrder([seen('C', 'accepted'), seen('C', 'shipped')]).map((o) => o.item.status)).toEqual(['shipped']);
	});

	test('an answer older than the remembered status is ignored; the same time with a new status is a change', () => {
		const data: IDataObject = {};
		pollOnce(data, [seen('A', 'accepted', T0)]);
		expect(pollOnce(data, [seen('A', 'shipped', T0 + 5000)])).toEqual([['A', 'accepted', 'shipped']]);
		expect(pollOnce(data, [seen('A', 'accepted', T0)])).toEqual([]);
		expect(pollOnce(data, [seen('A', 'delivered', T0 + 5000)])).toEqual([['A', 'shipped', 'delivered']]);
	});

	test('the filter limits what is emitted, not what is remembered', () => {
		const data: IDataObject = {};
		pollOnce(data, [seen('A', 'accepted', T0)]);
		expect(pollOnce(data, [seen('A', 'shipped', T0 + 1000)], { onlyStatuses: ['delivered'] })).toEqual([]);
		expect(pollOnce(data, [seen('A', 'delivered', T0 + 2000)], { onlyStatuses: ['delivered'] })).toEqual([
			['A', 'shipped', 'delivered'],
		]);
	});

	test('the state stays bounded, and forgotten orders that did not change do not come back as new', () => {
		const data: IDataObject = {};
		const limits = { open: 3, finished: 2 };
		const orders = Array.from({ length: 20 }, (_, n) => seen(`O${n}`, n % 2 ? 'accepted' : 'delivered', T0 + n * 1000));
		expect(pollOnce(data, orders, { limits })).toEqual([]);
		const memory = new StatusMemory(data, limits);
		expect(memory.size).toEqual({ open: 3, finished: 2 });
		expect(memory.forgottenUpTo).toBe(T0 + 14_000); // O14, the newest delivered order that made room
		// The same list again (a provider without filters lists everything every time): nothing is new.
		for (let poll = 0; poll < 3; poll++) expect(pollOnce(data, orders, { limits })).toEqual([]);
		// A forgotten order that changes afterwards is emitted (its previous status is gone).
		expect(pollOnce(data, [...orders, seen('O1', 'shipped', T0 + 60_000)], { limits })).toEqual([['O1', null, 'shipped']]);
		expect(Object.keys((data.orderStatus as IDataObject).updatedAt as IDataObject).length).toBeLessThanOrEqual(5);
		expect(JSON.stringify(data).length).toBeLessThan(1000);
	});

	test('unchanged orders are not rewritten: a quiet poll changes only the poll record', () => {
		const data: IDataObject = {};
		pollOnce(data, [seen('A', 'accepted', T0), seen('B', 'accepted', T0)]);
		const memoryBefore = JSON.stringify(data.orderStatus);
		pollOnce(data, [seen('B', 'accepted', T0), seen('A', 'accepted', T0)]);
		expect(JSON.stringify(data.orderStatus)).toBe(memoryBefore);
	});

	test('the poll record is a new object every time (so n8n sees the change)', () => {
		const data: IDataObject = {};
		pollOnce(data, []);
		const first = data.poll;
		pollOnce(data, []);
		expect(data.poll).not.toBe(first);
	});
});

describe('provider times out of range cannot blind a trigger', () => {
	const YEAR_9999 = Date.parse('9999-12-31T00:00:00Z');

	test('bookkeeping puts a future time just before the second the poll started in and drops one before 2000, saying which', () => {
		const told: string[] = [];
		const note = (kind: string) => told.push(kind);
		// T0 is a whole second; a poll may start anywhere within one.
		expect(bookkeepingTime(YEAR_9999, T0, note)).toBe(T0 - 1);
		expect(bookkeepingTime(YEAR_9999, T0 + 400, note)).toBe(T0 - 1);
		expect(bookkeepingTime(T0 + 401, T0 + 400, note)).toBe(T0 - 1);
		expect(bookkeepingTime(EARLIEST_PROVIDER_TIME - 1, T0, note)).toBeUndefined();
		expect(bookkeepingTime(T0 - 5, T0, note)).toBe(T0 - 5);
		// A time within the poll's second, before its start, is the provider's own and stays.
		expect(bookkeepingTime(T0 + 100, T0 + 400, note)).toBe(T0 + 100);
		expect(bookkeepingTime(undefined, T0, note)).toBeUndefined();
		expect(told).toEqual(['future', 'future', 'future', 'past']);
	});

	// Providers date to the second (Pitney Bowes documents YYYY-MM-DDThh:mm:ssZ): a change made after a poll began
	// may carry the start of that poll's second, which lies BEFORE the poll's start.
	const POLL_1 = T0 + 400;
	const at9999 = (pollStart: number) => bookkeepingTime(YEAR_9999, pollStart, () => undefined);

	test('a change of an order dated 9999, dated to the second the last poll began in, is reported', () => {
		const data: IDataObject = {};
		const poll = (at: number, observations: OrderObservation[]) =>
			commitPoll(data, observations, settings(), { cursor: {}, complete: true, now: new Date(at) }).map((item) => [item.orderId, item.status]);
		expect(poll(POLL_1, [seen('FUTURE', 'accepted', at9999(POLL_1))])).toEqual([]);
		expect(poll(POLL_1 + 60_000, [seen('FUTURE', 'shipped', T0)])).toEqual([['FUTURE', 'shipped']]);
	});

	test('once an order dated 9999 is forgotten, a new order dated to the second its last poll began in is reported', () => {
		const data: IDataObject = {};
		const limits = { open: 1, finished: 1 };
		const poll = (at: number, observations: OrderObservation[]) =>
			commitPoll(data, observations, settings({ limits }), { cursor: {}, complete: true, now: new Date(at) }).map(
				(item) => [item.orderId, item.status],
			);
		expect(poll(POLL_1, [seen('FUTURE', 'accepted', at9999(POLL_1))])).toEqual([]);
		// FUTURE is no longer listed; A (not seen before) takes its place in the memory, then NEW is judged.
		expect(poll(POLL_1 + 60_000, [seen('A', 'accepted', T0 - 30_000), seen('NEW', 'accepted', T0)])).toEqual([
			['A', 'accepted'],
			['NEW', 'accepted'],
		]);
	});

	test('an order once dated 9999 reports its later changes, and its eviction does not hide new orders', () => {
		const data: IDataObject = {};
		const limits = { open: 2, finished: 2 };
		const poll = (at: number, observations: OrderObservation[]) =>
			commitPoll(data, observations, settings({ limits }), { cursor: {}, complete: true, now: new Date(at) }).map(
				(item) => [item.orderId, item.status],
			);
		// What the trigger's observe() makes of the provider's 9999: just before the poll's start.
		const clamped = (at: number) => bookkeepingTime(YEAR_9999, at, () => undefined);
		expect(poll(T0, [seen('FUTURE', 'accepted', clamped(T0))])).toEqual([]);
		expect(poll(T0 + 60_000, [seen('FUTURE', 'shipped', T0 + 30_000)])).toEqual([['FUTURE', 'shipped']]);
		// Two newer orders push FUTURE out of the memory (limit 2): new orders after that are still seen.
		expect(poll(T0 + 120_000, [seen('N1', 'accepted', T0 + 90_000), seen('N2', 'accepted', T0 + 100_000)])).toEqual([
			['N1', 'accepted'],
			['N2', 'accepted'],
		]);
		expect(poll(T0 + 180_000, [seen('N3', 'accepted', T0 + 150_000)])).toEqual([['N3', 'accepted']]);
		expect(poll(T0 + 240_000, [seen('N4', 'pending', T0 + 200_000)])).toEqual([['N4', 'pending']]);
	});

	test('a mark saved in year 9999 (before times were clamped) counts as no later than the poll start', () => {
		const data: IDataObject = {};
		expect(commitPoll(data, [seen('A', 'accepted', T0)], settings(), { cursor: {}, complete: true, now: new Date(T0) })).toEqual([]);
		(data.orderStatus as IDataObject).forgottenUpTo = YEAR_9999;
		((data.orderStatus as IDataObject).updatedAt as IDataObject).A = YEAR_9999;
		const next = commitPoll(data, [seen('A', 'shipped', T0 + 1000), seen('NEW', 'accepted', T0 + 2000)], settings(), {
			cursor: {},
			complete: true,
			now: new Date(T0 + 60_000),
		});
		expect(next.map((item) => [item.orderId, item.status])).toEqual([
			['A', 'shipped'],
			['NEW', 'accepted'],
		]);
	});
});

describe('sampleItems', () => {
	test('the newest few, newest first, shaped like real items', () => {
		const sample = sampleItems([seen('A', 'accepted', T0), seen('B', 'shipped', T0 + 2000), seen('C', 'pending', T0 + 1000)], 2);
		expect(sample.map((item) => [item.orderId, item.previousStatus, item.changed])).toEqual([
			['B', null, true],
			['C', null, true],
		]);
	});
});

describe('StatusMemory without update times (the action nodes) keeps its shape', () => {
	test('no update-time fields appear', () => {
		const data: IDataObject = {};
		const memory = new StatusMemory(data, { open: 1, finished: 1 });
		memory.record('p:A', 'accepted');
		memory.record('p:B', 'accepted');
		expect(data).toEqual({ orderStatus: { open: { 'p:B': 'accepted' }, finished: {} } });
	});
});
