/**
 * The three polling triggers, each run through n8n-core's real PollContext against its provider simulator:
 * first poll, transitions, filter, manual test, restart, overlapping and stale pages, errors half-way, secrets.
 */
import type { IDataObject } from 'n8n-workflow';

import type { CredentialStore } from '../harness/runWorkflow';
import { capturedLogs } from '../harness/runWorkflow';
import type { PollOutcome, PollSession } from '../harness/runPoll';
import { leakedSecrets } from '../harness/secretScan';
import { DRIVERS, id, session, type TriggerDriver } from './pollingTriggersSetup';

describe.each(DRIVERS.map((make) => [make().label, make]))('%s', (_label, make) => {
	const driver: TriggerDriver = make();
	let store: CredentialStore;
	/** Everything a user or an operator could see in these tests. */
	const visible: string[] = [];

	const poll = async (trigger: PollSession, mode: 'trigger' | 'manual' = 'trigger'): Promise<PollOutcome> => {
		const outcome = await trigger.poll(mode);
		visible.push(
			JSON.stringify(outcome.json),
			outcome.error ? `${outcome.error.message} ${outcome.error.description ?? ''} ${JSON.stringify(outcome.error)}` : '',
		);
		return outcome;
	};

	/** The orders of a fresh set-up, polled once (the first poll records them). */
	const seeded = async (count: number, parameters: IDataObject = {}, options = {}) => {
		for (let n = 1; n <= count; n++) driver.addOrder(id('ORD', n), driver.raw.accepted);
		const trigger = session(driver, store, parameters, options);
		const first = await poll(trigger);
		expect(first.error).toBeUndefined();
		expect(first.items).toBeNull();
		return trigger;
	};

	beforeAll(async () => await driver.start());
	afterAll(async () => await driver.stop());
	beforeEach(() => {
		driver.reset();
		store = driver.credentials();
	});

	test('the first poll records what exists without emitting; with the option it emits it', async () => {
		const trigger = await seeded(3);
		expect(Object.keys((trigger.nodeStaticData('live').orderStatus as IDataObject).open as IDataObject)).toHaveLength(3);
		expect((trigger.nodeStaticData('live').poll as IDataObject).seededAt).toEqual(expect.any(String));

		driver.reset();
		store = driver.credentials();
		for (let n = 1; n <= 3; n++) driver.addOrder(id('OLD', n), driver.raw.accepted);
		const emitting = session(driver, store, { options: { emitExistingOrders: true } });
		const first = await poll(emitting);
		expect(first.json.map((item) => [item.orderId, item.previousStatus, item.status, item.changed])).toEqual(
			[1, 2, 3].map((n) => [id('OLD', n), null, driver.normalised.accepted, true]),
		);
		expect((await poll(emitting)).items).toBeNull();
	});

	test('a status change is emitted once, with previousStatus and changed; nothing new gives null', async () => {
		const trigger = await seeded(3);
		expect((await poll(trigger)).items).toBeNull();
		driver.setStatus(id('ORD', 2), driver.raw.active);
		const changed = await poll(trigger);
		expect(changed.json).toHaveLength(1);
		expect(changed.json[0]).toMatchObject({
			orderId: id('ORD', 2),
			previousStatus: driver.normalised.accepted,
			status: driver.normalised.active,
			changed: true,
			statusRaw: driver.raw.active,
		});
		expect(Date.parse(changed.json[0].checkedAt as string)).not.toBeNaN();
		expect((await poll(trigger)).items).toBeNull();
		// A new order is a transition from nothing.
		driver.addOrder('NEW-1', driver.raw.accepted);
		expect((await poll(trigger)).json.map((item) => [item.orderId, item.previousStatus])).toEqual([['NEW-1', null]]);
	});

	test('"Only When Status Becomes" filters what is emitted, and the memory still learns the rest', async () => {
		const trigger = await seeded(2, { onlyStatuses: ['on_hold'] });
		driver.setStatus(id('ORD', 1), driver.raw.active);
		driver.setStatus(id('ORD', 2), driver.raw.onHold);
		expect((await poll(trigger)).json.map((item) => [item.orderId, item.previousStatus, item.status])).toEqual([
			[id('ORD', 2), driver.normalised.accepted, 'on_hold'],
		]);
		driver.setStatus(id('ORD', 1), driver.raw.onHold);
		// The filtered-out change was remembered: ORD-0001 comes from "active", not from "accepted".
		expect((await poll(trigger)).json.map((item) => [item.orderId, item.previousStatus, item.status])).toEqual([
			[id('ORD', 1), driver.normalised.active, 'on_hold'],
		]);
	});

	test('"Fetch Test Event" returns a sample and leaves static data and cursor byte-for-byte unchanged', async () => {
		const fresh = session(driver, store);
		for (let n = 1; n <= 8; n++) driver.addOrder(id('ORD', n), driver.raw.accepted);
		const untouched = fresh.liveStaticData;
		const sample = await poll(fresh, 'manual');
		expect(sample.error).toBeUndefined();
		expect(sample.json.length).toBeGreaterThan(0);
		expect(sample.json.length).toBeLessThanOrEqual(5);
		expect(sample.json[0]).toMatchObject({ previousStatus: null, changed: true, status: driver.normalised.accepted });
		expect(fresh.liveStaticData).toBe(untouched);

		await poll(fresh);
		driver.setStatus(id('ORD', 3), driver.raw.active);
		const [live, saved] = [fresh.liveStaticData, fresh.savedStaticData];
		expect((await poll(fresh, 'manual')).json.length).toBeGreaterThan(0);
		expect([fresh.liveStaticData, fresh.savedStaticData]).toEqual([live, saved]);
		// The transition is still there for the real poll.
		expect((await poll(fresh)).json.map((item) => item.orderId)).toEqual([id('ORD', 3)]);
	});

	test('restart between polls (n8n default persistence): no duplicate, no skipped transition', async () => {
		const trigger = await seeded(3);
		driver.setStatus(id('ORD', 1), driver.raw.active);
		const before = await poll(trigger);
		expect(before.json.map((item) => item.orderId)).toEqual([id('ORD', 1)]);
		expect(before.saved).toBe(true);
		// A second emission of the same running workflow is saved too: n8n must notice the change, although the
		// memory's objects were created during this activation (n8n only sees assignments it observes).
		driver.setStatus(id('ORD', 3), driver.raw.active);
		const again = await poll(trigger);
		expect([again.json.map((item) => item.orderId), again.saved]).toEqual([[id('ORD', 3)], true]);

		// n8n restarts: only what it saved when the poll emitted survives.
		trigger.restart();
		expect((await poll(trigger)).items).toBeNull();
		driver.setStatus(id('ORD', 2), driver.raw.onHold);
		trigger.restart();
		const after = await poll(trigger);
		expect(after.json.map((item) => [item.orderId, item.previousStatus, item.status])).toEqual([
			[id('ORD', 2), driver.normalised.accepted, 'on_hold'],
		]);
		// The static data moves to another instance: a new session from the saved JSON.
		const moved = session(driver, store, {}, { savedStaticData: trigger.savedStaticData });
		expect((await poll(moved)).items).toBeNull();
		driver.setStatus(id('ORD', 1), driver.raw.cancelled);
		expect((await poll(moved)).json.map((item) => [item.orderId, item.previousStatus, item.status])).toEqual([
			[id('ORD', 1), driver.normalised.active, 'cancelled'],
		]);
	});

	test('restart with durable cursors: the quiet first poll was committed, so nothing is skipped', async () => {
		const trigger = await seeded(2, {}, { persistence: 'durable' });
		trigger.restart();
		driver.setStatus(id('ORD', 2), driver.raw.active);
		expect((await poll(trigger)).json.map((item) => item.orderId)).toEqual([id('ORD', 2)]);
		trigger.restart();
		expect((await poll(trigger)).items).toBeNull();
	});

	test('an error on the second page throws and moves neither cursor nor memory; the next poll emits once', async () => {
		const trigger = await seeded(driver.twoPages, { options: { maxRetries: 0 } });
		driver.setStatus(id('ORD', 1), driver.raw.active);
		driver.setStatus(id('ORD', driver.twoPages), driver.raw.onHold);
		const [live, saved] = [trigger.liveStaticData, trigger.savedStaticData];
		driver.sim.injectFault(driver.failSecondPage());
		const failed = await poll(trigger);
		expect(failed.error).toBeDefined();
		expect(failed.error!.constructor.name).toBe('NodeApiError');
		expect(failed.error!.message).toMatch(/500|Internal server error|Internal Server Error/i);
		expect(driver.sim.count(driver.listRoute)).toBeGreaterThanOrEqual(2);
		expect([trigger.liveStaticData, trigger.savedStaticData]).toEqual([live, saved]);

		const recovered = await poll(trigger);
		expect(recovered.json.map((item) => item.orderId).sort()).toEqual([id('ORD', 1), id('ORD', driver.twoPages)]);
		expect((await poll(trigger)).items).toBeNull();
	});

	test('orders on several pages are all followed, each emitted once', async () => {
		const trigger = await seeded(driver.twoPages);
		expect(driver.sim.count(driver.listRoute)).toBeGreaterThanOrEqual(2);
		const changed = [1, driver.pageSize, driver.pageSize + 1, driver.twoPages].map((n) => id('ORD', n));
		for (const orderId of changed) driver.setStatus(orderId, driver.raw.active);
		const outcome = await poll(trigger);
		expect(outcome.json.map((item) => item.orderId).sort()).toEqual(changed.sort());
		expect((await poll(trigger)).items).toBeNull();
	});

	test('a poll that runs out of its time budget goes on where it stopped', async () => {
		// Orders a second apart, in the past (PB pages by update date).
		const start = Date.now() - 3_600_000;
		for (let n = 1; n <= driver.twoPages; n++) driver.addOrder(id('ORD', n), driver.raw.accepted, start + n * 1000);
		// A budget of 0: every poll reads one page and stops.
		const trigger = session(driver, store, {}, { pollBudgetMs: 0 });
		let polls = 0;
		while ((trigger.nodeStaticData('live').poll as IDataObject | undefined)?.seededAt === undefined) {
			expect((await poll(trigger)).items).toBeNull();
			expect(++polls).toBeLessThan(10);
		}
		expect(polls).toBeGreaterThan(1);
		driver.setStatus(id('ORD', driver.twoPages), driver.raw.active);
		const emitted: IDataObject[] = [];
		for (let more = 0; more < 4; more++) emitted.push(...(await poll(trigger)).json);
		expect(emitted.map((item) => item.orderId)).toEqual([id('ORD', driver.twoPages)]);
	});

	test('no secret in any output, error or log line', () => {
		expect(visible.length).toBeGreaterThan(0);
		expect(leakedSecrets([...visible, ...capturedLogs].join('\n'), driver.secrets())).toEqual([]);
	});
});
