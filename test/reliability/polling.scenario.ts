/**
 * Issue 9 scenarios for the polling triggers, through n8n-core's real PollContext (test/harness/runPoll.ts) and
 * the trigger drivers of test/nodes/pollingTriggersSetup.ts: many status changes over many polls, with restarts
 * between polls, a move to another instance, an error in the middle of paging, and orders changing while the poll
 * pages. Every change must be emitted exactly once, in order, from the status it left; an error moves no cursor.
 */
import { capturedLogs } from '../harness/runWorkflow';
import type { PollOutcome, PollSession } from '../harness/runPoll';
import { DRIVERS, id, session, type TriggerDriver } from '../nodes/pollingTriggersSetup';
import { unitHash } from './lib/faults';
import { expectNothingLost, Ledger, type NodeLabel } from './lib/ledger';
import { leaksIn, unclearMessage } from './lib/run';
import { SEED } from './lib/scenarios';

const SCENARIO = 'polling: restarts, pages, errors' as const;
const ledger = new Ledger(__filename);
afterAll(() => ledger.flush());

/** The status roles an order moves through (never out of a final status). */
const CYCLE = ['accepted', 'active', 'onHold', 'active', 'onHold'] as const;
type Role = 'accepted' | 'active' | 'onHold' | 'cancelled';

interface Transition {
	orderId: string;
	from: string;
	to: string;
}

describe.each(DRIVERS.map((make) => [make().label, make]))('%s', (_label, make) => {
	const driver: TriggerDriver = make();
	const label = driver.label as NodeLabel;

	beforeAll(async () => await driver.start());
	afterAll(async () => await driver.stop());

	test('restarts, a move, errors mid-paging and changes while paging: each transition emitted exactly once', async () => {
		driver.reset();
		const store = driver.credentials();
		const count = driver.twoPages;
		const role = new Map<string, number>();
		const pending = new Map<string, Transition[]>();
		let tried = 0;
		for (let n = 1; n <= count; n++) {
			driver.addOrder(id('ORD', n), driver.raw.accepted);
			role.set(id('ORD', n), 0);
		}
		const normalised = (r: Role) => driver.normalised[r];
		const change = (orderId: string, to: Role) => {
			const from = normalised(CYCLE[role.get(orderId)!] as Role);
			driver.setStatus(orderId, driver.raw[to]);
			if (to === 'cancelled') role.set(orderId, -1);
			else role.set(orderId, CYCLE.indexOf(to as (typeof CYCLE)[number], role.get(orderId)! + 1));
			const queue = pending.get(orderId) ?? [];
			queue.push({ orderId, from, to: normalised(to) });
			pending.set(orderId, queue);
			tried++;
		};
		/** Moves `k` orders (picked by the seed, across every page) one step on. */
		const changeSome = (round: number, k: number, final = false) => {
			const picked = new Set<string>();
			for (let attempt = 0; picked.size < k && attempt < 50 * k; attempt++) {
				const n = 1 + Math.floor(unitHash(`${SEED}|${driver.label}|${round}|${attempt}`) * count);
				const orderId = id('ORD', n);
				if (role.get(orderId) === -1 || picked.has(orderId) || (pending.get(orderId)?.length ?? 0) > 0) continue;
				picked.add(orderId);
			}
			for (const orderId of picked) {
				const next = final ? 'cancelled' : (CYCLE[(role.get(orderId)! + 1) % CYCLE.length] as Role);
				change(orderId, next === 'accepted' ? 'active' : next);
			}
		};

		let trigger: PollSession = session(driver, store, { options: { maxRetries: 0 } });
		const visible: string[] = [];
		const poll = async (what: string): Promise<PollOutcome> => {
			const logsFrom = capturedLogs.length;
			const outcome = await trigger.poll();
			const text = [
				JSON.stringify(outcome.json),
				outcome.error ? `${outcome.error.message} ${outcome.error.description ?? ''} ${JSON.stringify(outcome.error)}` : '',
				...capturedLogs.slice(logsFrom),
			].join('\n');
			visible.push(text);
			const leaks = leaksIn(text, driver.secrets());
			ledger.record(label, 'secrets', leaks.length === 0 ? 'correct' : 'lost', `${what}: ${leaks.length} secret value(s) visible`);
			for (const item of outcome.json) {
				const orderId = String(item.orderId);
				const queue = pending.get(orderId) ?? [];
				const expected = queue.shift();
				if (!expected) {
					ledger.record(label, SCENARIO, 'lost', `${what}: ${orderId} emitted ${String(item.previousStatus)} → ${String(item.status)} without a change (a duplicate)`);
				} else if (item.previousStatus !== expected.from || item.status !== expected.to) {
					ledger.record(
						label,
						SCENARIO,
						'lost',
						`${what}: ${orderId} emitted ${String(item.previousStatus)} → ${String(item.status)}, the change was ${expected.from} → ${expected.to}`,
					);
				} else {
					ledger.record(label, SCENARIO, 'correct');
				}
			}
			return outcome;
		};
		const failingPoll = async (what: string) => {
			const [live, saved] = [trigger.liveStaticData, trigger.savedStaticData];
			driver.sim.injectFault(driver.failSecondPage());
			const outcome = await poll(what);
			driver.sim.clearFaults();
			const unclear = outcome.error ? unclearMessage(outcome.error.message) : 'the poll did not fail';
			ledger.record(label, SCENARIO, unclear ? 'lost' : 'failedCleanly', `${what}: ${unclear}`);
			ledger.check(label, SCENARIO, outcome.json.length === 0, `${what}: a failed poll emitted ${outcome.json.length} items`);
			ledger.check(
				label,
				SCENARIO,
				trigger.liveStaticData === live && trigger.savedStaticData === saved,
				`${what}: the cursor or memory moved past the failure`,
			);
		};

		const first = await poll('first poll');
		ledger.check(label, SCENARIO, first.error === undefined && first.items === null, `the first poll ${first.error ? `failed: ${first.error.message}` : 'emitted'}`);

		// Round 1: plain.
		changeSome(1, 10);
		await poll('round 1');
		// Round 2: n8n restarts between the change and the poll.
		changeSome(2, 10);
		trigger.restart();
		await poll('round 2 after a restart');
		// Round 3: the second page fails; the next poll catches up.
		changeSome(3, 10);
		await failingPoll('round 3, error on page 2');
		await poll('round 3, recovery');
		// Round 4: orders change while the poll pages (on its first list request).
		changeSome(4, 6);
		let mutated = false;
		driver.sim.injectFault({
			route: driver.listRoute,
			times: 1,
			fault: { kind: 'delay', ms: 0 },
			when: () => {
				if (!mutated) {
					mutated = true;
					changeSome(40, 6);
				}
				return false;
			},
		});
		await poll('round 4, changes while paging');
		driver.sim.clearFaults();
		await poll('round 4, next poll');
		// Round 5: restart, error mid-paging, restart again, recovery.
		changeSome(5, 10);
		trigger.restart();
		await failingPoll('round 5, error after a restart');
		trigger.restart();
		await poll('round 5, recovery after a second restart');
		// Round 6: the workflow moves to another instance with what n8n saved.
		changeSome(6, 10);
		trigger = session(driver, store, { options: { maxRetries: 0 } }, { savedStaticData: trigger.savedStaticData });
		await poll('round 6 on another instance');
		// Round 7: final statuses.
		changeSome(7, 10, true);
		await poll('round 7, final statuses');
		// Quiet polls: nothing may come back, nothing may still be owed.
		const quiet = [await poll('quiet poll 1'), await poll('quiet poll 2')];
		ledger.check(label, SCENARIO, quiet.every((outcome) => outcome.json.length === 0), 'a quiet poll emitted');

		for (const queue of pending.values()) {
			for (const missed of queue) {
				ledger.record(label, SCENARIO, 'lost', `${missed.orderId}: ${missed.from} → ${missed.to} was never emitted (skipped)`);
			}
		}
		ledger.check(label, SCENARIO, tried > 50, `only ${tried} transitions were made`);
		ledger.check(label, SCENARIO, leaksIn(visible.join('\n'), driver.secrets()).length === 0, 'a secret was visible');
		expectNothingLost(ledger, label, SCENARIO);
		expectNothingLost(ledger, label, 'secrets');
	});
});
